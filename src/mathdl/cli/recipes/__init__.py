"""Recipes: how ``mathdl train`` trains each registered model — the contract a model family
fulfils to get the command line, run folders, resume, evaluation and generation for free.

A recipe is a ``Recipe`` subclass registered for one or more model names (``@recipe``):

* ``options``: the run options that apply, with their defaults (``epochs``, ``batch_size``,
  ``lr`` …; see ``mathdl.cli.options.OPTIONS``). Any other option given on the command line is
  refused, naming the options that do apply.
* ``model_defaults(name)``: default constructor arguments (``--model-arg`` overrides them);
  ``unset_text``: what an option left unset (default None) means for these models, for the help.
* ``tiny``: options (and ``model_args``) for a run of a few seconds; the tests train every
  registered recipe with them through the command line (so a new model is tested automatically).
* ``load_data(config)`` → ``RunData`` (train/val/test sources and a one-line description);
  ``build_model(config, data)``; ``training(config, model)`` → (optimisers, ``StepStrategy``,
  scheduler): the Trainer does the rest (progress, History, callbacks, NaN stop, checkpoints,
  exact resume).
* ``monitor``: the validation number that selects ``best.npz`` (None: no validation).
* ``finish`` (numbers reported at the end: test metrics, a GAN's score), ``figures`` (files
  written into the run folder), ``evaluate`` (``mathdl evaluate``; ``evaluates = False`` if
  meaningless) and ``generate`` (``mathdl generate``; ``generates = True`` to offer it).
"""

import contextlib
import os

from mathdl.cli.common import CommandError

_RECIPES = {}


class RunData:
    """What a recipe's ``load_data`` returns: ``train`` and ``val``/``test`` batch sources (val
    and test may be None), a one-line ``info`` and any ``extra`` objects (a vocabulary …)."""

    def __init__(self, train, val=None, test=None, info="", **extra):
        self.train, self.val, self.test, self.info = train, val, test, info
        self.extra = extra

    def __getattr__(self, name):
        try:
            return self.__dict__["extra"][name]
        except KeyError:
            raise AttributeError(name) from None


class Recipe:
    """Base class; see the module docstring for the contract."""

    names = ()
    family = ""
    options = {}
    tiny = {}
    tiny_model_args = {}
    unset_text = {}
    monitor = "val_loss"
    unit = "Epoch"
    evaluates = True
    generates = False
    figure_names = ("curves.png",)

    def model_defaults(self, name):
        """Default constructor arguments of model ``name``."""
        return {}

    def tiny_for(self, name):
        """``tiny`` for model ``name``: run options plus ``model_args`` (``tiny_model_args[name]``
        when a model of the family needs other constructor arguments)."""
        options = dict(self.tiny)
        options["model_args"] = dict(self.tiny_model_args.get(name, self.tiny.get("model_args", {})))
        return options

    def resolve_dataset(self, name):
        """The ``--dataset`` value as stored in the config (default: an image dataset name or an
        absolute folder path, ``recipes.images.resolve_dataset``); CommandError if unknown."""
        from mathdl.cli.recipes.images import resolve_dataset

        return resolve_dataset(name)

    def complete(self, config):
        """Fill options whose default depends on others (an optimiser's learning rate); the
        completed config is what config.json and checkpoints store."""
        return config

    def load_data(self, config):
        raise NotImplementedError

    def model_kwargs(self, config, data):
        """Constructor arguments: the run's model_args plus what the data decide (vocab size)."""
        return dict(config["model_args"])

    def build_model(self, config, data):
        """``mathdl.models.build(name, **model_kwargs)``; user errors become CommandError."""
        from mathdl import models

        kwargs = self.model_kwargs(config, data)
        try:
            model = models.build(config["model"], **kwargs)
        except (TypeError, ValueError) as error:
            raise CommandError(f"--model {config['model']}: {error}") from None
        return model

    def training(self, config, model):
        """(optimisers, strategy, scheduler) for ``model``."""
        raise NotImplementedError

    def finish(self, trainer, data, config):
        """Numbers for metrics.json and the closing lines: ``(dict, [lines])``."""
        return {}, []

    def figures(self, trainer, data, config, out):
        """Write the run's figures into ``out``; returns their paths."""
        from mathdl.train import plot_history

        if not len(trainer.history):
            return []
        unit = self.unit.lower()
        if "steps_per_epoch" in config:
            unit = f"{unit} of {config['steps_per_epoch']} steps"
        path = plot_history(
            trainer.history, os.path.join(out, "curves.png"), title=config["model"], xlabel=unit
        )
        return [path] if path else []

    def evaluate(self, trainer, data, config):
        """``mathdl evaluate``: numbers on the test data."""
        return trainer.evaluate(data.test)

    def generate(self, model, config, args):
        """``mathdl generate``: returns the text printed (a sample, or the figure's path)."""
        raise NotImplementedError


@contextlib.contextmanager
def fixed_rng(seed=0):
    """Draw from a generator seeded with ``seed`` inside the block and put the global one back
    afterwards: held-out numbers that sample (a VAE's ELBO) are the same whenever computed, and
    computing them never changes a run."""
    from mathdl.random import get_rng_state, manual_seed, set_rng_state

    state = get_rng_state()
    try:
        manual_seed(seed)
        yield
    finally:
        set_rng_state(state)


def recipe(cls):
    """Class decorator registering a Recipe for each of its ``names``."""
    instance = cls()
    for name in cls.names:
        if name in _RECIPES and type(_RECIPES[name]) is not cls:
            raise ValueError(f"recipe: model {name!r} already has a recipe ({type(_RECIPES[name]).__name__})")
        _RECIPES[name] = instance
    return cls


def _load_all():
    from mathdl.cli.recipes import (  # noqa: F401
        classifiers,
        detection,
        generative,
        image_to_image,
        language,
        seq2seq,
        speech,
    )


def get_recipe(name):
    """The recipe training model ``name``; CommandError naming the trainable models otherwise."""
    _load_all()
    if name not in _RECIPES:
        from mathdl import models

        known = name in models.available()
        reason = "has no training recipe" if known else "is not a registered model"
        raise CommandError(f"model {name!r} {reason}; trainable models: {', '.join(trainable())}")
    return _RECIPES[name]


def trainable():
    """Every model name ``mathdl train`` can train, sorted."""
    _load_all()
    return sorted(_RECIPES)


def make_optimizer(name, parameters, lr, **extra):
    """The ``mathdl.optim`` optimiser for a CLI name ('sgd', 'momentum', 'adagrad', 'rmsprop',
    'adam', 'adamw')."""
    from mathdl import optim

    factories = {
        "sgd": lambda: optim.SGD(parameters, lr=lr, **extra),
        "momentum": lambda: optim.SGD(parameters, lr=lr, momentum=0.9, **extra),
        "adagrad": lambda: optim.Adagrad(parameters, lr=lr, **extra),
        "rmsprop": lambda: optim.RMSprop(parameters, lr=lr, **extra),
        "adam": lambda: optim.Adam(parameters, lr=lr, **extra),
        "adamw": lambda: optim.AdamW(parameters, lr=lr, **extra),
    }
    if name not in factories:
        raise CommandError(f"unknown optimizer {name!r}; choose from {', '.join(factories)}")
    return factories[name]()


DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adagrad": 0.01, "rmsprop": 1e-3, "adam": 1e-3, "adamw": 1e-3}
