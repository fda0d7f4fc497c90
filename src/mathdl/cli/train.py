"""``mathdl train``: one entry point for every trainable model, dispatching on its recipe.

    mathdl train                                   # the MLP on the shipped Fashion-MNIST subset
    mathdl train --model gan                       # 60 epochs of an MLP GAN, then its score
    mathdl train --model char-lstm --epochs 20     # 20 blocks of 100 steps on Shakespeare
    mathdl train --resume runs/20260101-120000 --epochs 20
    mpiexec -n 4 mathdl train --distributed        # one run over 4 MPI ranks (cli/distributed.py)

A run never overwrites another (``--out`` must be new or empty), writes its checkpoint after
every epoch (atomically), and can be interrupted at any moment: the last completed epoch stays
resumable, and resuming gives bit for bit the run that was never interrupted. A run that ends
before its first checkpoint (an error, Ctrl-C, a non-finite loss) removes its folder.
"""

import os
import sys
import time

from mathdl.cli.common import (
    BEST_NAME,
    CHECKPOINT_NAME,
    CommandError,
    claim_run_folder,
    find_checkpoint,
    free_path,
    model_arg,
    non_negative_float,
    read_checkpoint,
    release_run_folder,
    write_json,
)
from mathdl.cli.distributed import Job, add_distributed_option, check_batch, check_launch
from mathdl.cli.options import add_options, describe, flag, given_options
from mathdl.cli.recipes import get_recipe, trainable

DEFAULT_MODEL = "mlp"
ALWAYS = ("model", "model_args", "seed")


def add_train(subparsers, model=None):
    """Declare ``mathdl train``; ``model`` (peeked from the command line) picks the defaults shown."""
    name = model if model in trainable() else DEFAULT_MODEL
    recipe = get_recipe(name)
    parser = subparsers.add_parser(
        "train",
        help="train any registered model and write a run folder",
        description=(
            "Train a model and write a run folder: config.json, metrics.json, history.csv, "
            f"{CHECKPOINT_NAME} (after every epoch), {BEST_NAME} (best validation loss, where there is "
            "validation) and figures. Each model has its own data, options and defaults: "
            "'mathdl train --model NAME --help' shows them. With no options: the MLP on the "
            "Fashion-MNIST subset shipped with mathdl."
        ),
        epilog="Models: "
        + ", ".join(trainable())
        + f". Options for --model {name}: "
        + ", ".join(flag(o) for o in recipe.options)
        + ".",
    )
    _add_run_options(parser, name, recipe)
    add_options(parser, name, recipe)
    parser.set_defaults(handler=run_train)
    return parser


def _add_run_options(parser, name, recipe):
    """The options every model takes: model, its arguments, seed, folders, display."""
    parser.add_argument(
        "--model", default=None, metavar="NAME", help=f"the model to train (default: {DEFAULT_MODEL})"
    )
    parser.add_argument(
        "--model-arg",
        dest="model_args",
        action="append",
        type=model_arg,
        default=None,
        metavar="KEY=VALUE",
        help="constructor argument of the model, VALUE as JSON (repeatable), e.g. --model-arg hidden=[512,256] "
        f"(defaults for {name}: {recipe.model_defaults(name) or 'those of its constructor'})",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of initialisation, data and sampling (default: 0)"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="a new (or empty) run folder (default: runs/<UTC time>); never overwritten",
    )
    parser.add_argument(
        "--resume",
        default=None,
        metavar="RUN",
        help="continue the run in this folder (or checkpoint file) from its last completed epoch, exactly "
        "as if never interrupted (default: start a new run)",
    )
    parser.add_argument(
        "--time-limit",
        type=non_negative_float,
        default=None,
        metavar="SECONDS",
        help="stop after the first epoch that ends past this many seconds (default: no limit)",
    )
    parser.add_argument("--no-plots", action="store_true", help="write no figures (default: write them)")
    parser.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="0 quiet, 1 live progress on a terminal (progress lines otherwise), 2 one line per epoch "
        "(default: 1)",
    )
    add_distributed_option(parser)


# ----- configuration ---------------------------------------------------------------------------------
def _refuse_inapplicable(given, recipe, name):
    wrong = [option for option in given if option not in recipe.options]
    if wrong:
        applies = ", ".join(flag(o) for o in recipe.options)
        raise CommandError(
            f"{', '.join(flag(o) for o in wrong)} {'does' if len(wrong) == 1 else 'do'} not apply to "
            f"--model {name} ({recipe.family}); its options are {applies} (and --model-arg, --seed, "
            f"--out, --resume, --time-limit, --no-plots, --verbose, --distributed)"
        )


def _new_config(args, given):
    name = args.model or DEFAULT_MODEL
    recipe = get_recipe(name)
    _refuse_inapplicable(given, recipe, name)
    config = {**recipe.options, **given, "model": name, "seed": 0 if args.seed is None else args.seed}
    config["model_args"] = {**recipe.model_defaults(name), **dict(args.model_args or ())}
    if "dataset" in config:
        config["dataset"] = recipe.resolve_dataset(config["dataset"])
    return recipe, recipe.complete(config)


def _default_out():
    return free_path(os.path.join("runs", time.strftime("%Y%m%d-%H%M%S", time.gmtime())))


def _resume_config(args, given):
    path = find_checkpoint(args.resume)
    checkpoint = read_checkpoint(path)
    stored = checkpoint["config"].get("run")
    if not stored:
        raise CommandError(f"{path} was not written by 'mathdl train' (no run config)")
    recipe = get_recipe(stored["model"])
    folder = os.path.dirname(os.path.abspath(path))
    if args.out and os.path.abspath(args.out) != folder:
        raise CommandError(f"--resume continues the run in its own folder ({folder}); leave out --out")
    _refuse_inapplicable(given, recipe, stored["model"])
    requested = dict(given, model=args.model, seed=args.seed)
    if args.model_args:
        requested["model_args"] = {**stored["model_args"], **dict(args.model_args)}
    conflicts = {
        k: (v, stored.get(k))
        for k, v in requested.items()
        if v is not None and k not in ("epochs", "patience") and stored.get(k) != v
    }
    if conflicts:
        text = ", ".join(
            f"{flag(k)} {describe(v)} (run has {describe(s)})" for k, (v, s) in conflicts.items()
        )
        raise CommandError(f"--resume continues the stored run; these options differ from it: {text}")
    config = dict(stored, epochs=given.get("epochs", stored["epochs"]))
    if "patience" in given:
        config["patience"] = given["patience"]
    return recipe, config, folder, path, checkpoint["epoch"]


# ----- running -------------------------------------------------------------------------------------
def run_train(args):
    """Train (or resume) a run and write its folder; returns the exit code."""
    check_launch(args)
    if not args.distributed:
        return _run(args, None)
    with Job() as job:
        return _run(args, job)


def _claim(out, main):
    return claim_run_folder(out) if main else False


def _run(args, job):
    """The run, in one process (``job`` None) or on every rank of a ``--distributed`` job: each step
    that may fail with a user error is ``agreed`` (all ranks fail together), rank 0 writes."""
    main = job is None or job.is_main
    agreed = job.agreed if job is not None else (lambda function, *a: function(*a))
    given = given_options(args)
    if args.resume:
        recipe, config, out, checkpoint, done = agreed(_resume_config, args, given)
        if job is not None:
            agreed(check_batch, config, job.world_size)
        if done >= config["epochs"]:
            if main:
                print(
                    f"mathdl train: {checkpoint} already has {done} {recipe.unit.lower()}s; give --epochs "
                    f"above that to continue"
                )
            return 0
        created = False
    else:
        recipe, config = agreed(_new_config, args, given)
        if job is not None:
            agreed(check_batch, config, job.world_size)
        out = args.out or _default_out()
        if job is not None:
            out = job.shared_text(out)  # rank 0's clock names the folder
        checkpoint = None
        created = agreed(_claim, out, main)
    if not main:
        return _execute(recipe, config, out, args, checkpoint, job)
    try:
        return _execute(recipe, config, out, args, checkpoint, job)
    except KeyboardInterrupt:
        saved = os.path.exists(os.path.join(out, CHECKPOINT_NAME))
        release_run_folder(out, created)
        where = (
            f"the last completed {recipe.unit.lower()} is saved: continue with 'mathdl train --resume {out}'"
            if saved
            else f"no {recipe.unit.lower()} had completed, so {out} was removed"
        )
        print(f"\nmathdl train: interrupted; {where}", file=sys.stderr)
        return 130
    except BaseException:
        release_run_folder(out, created)
        raise
    finally:
        if not os.path.exists(os.path.join(out, CHECKPOINT_NAME)):
            release_run_folder(out, created)


def _prepare(recipe, config):
    """Seed, data, model and its optimisers (no communication: a user error here is agreed)."""
    import mathdl as md

    md.manual_seed(config["seed"])
    data = recipe.load_data(config)
    if "config_data" in data.extra:
        config["data"] = data.config_data
    model = recipe.build_model(config, data)
    return data, model, recipe.training(config, model)


def _build(recipe, config, args, job=None):
    from mathdl.train import Trainer

    data, model, (optimizers, strategy, scheduler) = (
        _prepare(recipe, config) if job is None else job.agreed(_prepare, recipe, config)
    )
    trainer = Trainer(  # across ranks: wraps the model in DDP, broadcasting rank 0's weights
        model,
        optimizers,
        strategy=strategy,
        scheduler=scheduler,
        config={"model": model.config, "run": config},
        verbose=args.verbose,
        unit=recipe.unit,
    )
    return data, trainer


def _callbacks(recipe, config, data, out, args, main=True):
    from mathdl.train import EarlyStopping, LambdaCallback, ModelCheckpoint

    start = time.perf_counter()

    def end_of_epoch(epoch, logs):
        trainer = checkpoint.trainer
        if main:
            trainer.history.to_csv(os.path.join(out, "history.csv"))
        # across ranks each rank reads its own clock; the Trainer stops all when one stops
        if args.time_limit is not None and time.perf_counter() - start > args.time_limit:
            trainer.stop_training, trainer.stop_reason = True, f"time limit of {args.time_limit:g} s"

    checkpoint = ModelCheckpoint(os.path.join(out, CHECKPOINT_NAME))
    callbacks = [LambdaCallback(on_epoch_end=end_of_epoch), checkpoint]
    if data.val is not None and recipe.monitor:
        callbacks.append(
            ModelCheckpoint(os.path.join(out, BEST_NAME), monitor=recipe.monitor, save_best_only=True)
        )
        if config.get("patience"):
            callbacks.append(EarlyStopping(recipe.monitor, patience=config["patience"]))
    return callbacks


def _summary(config, recipe):
    shown = [
        o
        for o in ("optimizer", "lr", "batch_size", "seq_len", "steps_per_epoch", "epochs")
        if o in recipe.options
    ]
    return ", ".join(f"{o.replace('_', ' ')} {describe(config[o])}" for o in shown)


def _execute(recipe, config, out, args, checkpoint_path, job=None):
    main = job is None or job.is_main
    data, trainer = _build(recipe, config, args, job)
    if checkpoint_path is not None:
        trainer.load_checkpoint(checkpoint_path)
    if main:
        write_json(os.path.join(out, "config.json"), trainer.config)
    callbacks = _callbacks(recipe, config, data, out, args, main)
    say = print if args.verbose and main else (lambda *a, **k: None)
    action = f"resuming after {recipe.unit.lower()} {trainer.epoch}" if checkpoint_path else "training"
    ranks = f" over {job.world_size} ranks" if job is not None else ""
    say(
        f"mathdl train: {action} {config['model']}{ranks} on {data.info}; {_summary(config, recipe)}; "
        f"run folder {out}"
    )
    start = time.perf_counter()
    history = trainer.fit(data.train, config["epochs"], val_data=data.val, callbacks=callbacks)
    seconds = time.perf_counter() - start
    non_finite = trainer.stop_reason is not None and "non-finite" in trainer.stop_reason
    if non_finite and not args.verbose and main:
        print(f"mathdl train: {trainer.stop_reason}", file=sys.stderr)  # verbose runs printed it already
    if trainer.epoch == 0:
        return 1 if non_finite else 0
    numbers, lines = ({}, []) if non_finite else recipe.finish(trainer, data, config)  # every rank
    if not main:
        return 1 if non_finite else 0
    metrics = {
        "model": config["model"],
        "epochs": trainer.epoch,
        "train": history.last(),
        "seconds": seconds,
        "stop_reason": trainer.stop_reason,
        **numbers,
        "run": config,
    }
    if job is not None:
        metrics["world_size"] = job.world_size
    write_json(os.path.join(out, "metrics.json"), metrics)
    for line in lines:
        say(f"{config['model']}: {line}")
    if not args.no_plots and not non_finite:
        for path in recipe.figures(trainer, data, config, out):
            say(f"wrote {path}")
    say(
        f"run folder {out} ({trainer.epoch} {recipe.unit.lower()}s; continue with mathdl train --resume {out} --epochs N)"
    )
    return 1 if non_finite else 0


def peek_model(argv):
    """The value of --model in a ``train`` command line (for its help), or None."""
    argv = list(argv or ())
    for index, item in enumerate(argv):
        if item == "--model" and index + 1 < len(argv):
            return argv[index + 1]
        if item.startswith("--model="):
            return item.split("=", 1)[1]
    return None
