"""Every option of ``mathdl train``, declared once: its flag, parser and help. A recipe lists the
options that apply to its models with their defaults (``Recipe.options``); the help of
``mathdl train --model NAME --help`` shows that model's defaults, once per option."""

import argparse

from mathdl.cli.common import fraction, non_negative_float, positive_float, positive_int


def sr_scale(text):
    """argparse type: a super-resolution factor, an integer from 2 to 8."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer scale from 2 to 8, got {text!r}") from None
    if not 2 <= value <= 8:
        raise argparse.ArgumentTypeError(f"expected an integer scale from 2 to 8, got {value}")
    return value


OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw")


def snr_range(text):
    """'0,40' → [0.0, 40.0]; 'none' → [] (no noise; an empty list, since None means 'not given')
    (argparse type of --augment-snr)."""
    import argparse

    if text.strip().lower() in ("none", "[]"):
        return []
    try:
        low, high = (float(part) for part in text.strip("[] ").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected LOW,HIGH in dB (e.g. 0,40) or none, got {text!r}"
        ) from None
    if not low <= high:
        raise argparse.ArgumentTypeError(f"LOW must not exceed HIGH, got {text!r}")
    return [low, high]


# name -> (argparse keyword arguments, help without the default)
OPTIONS = {
    "dataset": (
        {"metavar": "NAME_OR_FOLDER"},
        "fashion-mnist-subset (shipped), fashion-mnist, mnist, or a folder of the four IDX files; "
        "image-to-image models: photographs (scikit-image's) or blocks (synthetic); speech models: "
        "spoken-digits-subset (shipped) or a folder made by 'mathdl data spoken-digits'",
    ),
    "limit": (
        {"type": positive_int, "metavar": "N"},
        "use only the first N training examples (images, or characters of the corpus; spoken digits: N clips drawn with the seed) for a quick run",
    ),
    "epochs": (
        {"type": positive_int, "metavar": "N"},
        "total epochs (language models: blocks of --steps-per-epoch steps); with --resume, train until this many",
    ),
    "batch_size": ({"type": positive_int, "metavar": "N"}, "mini-batch size"),
    "optimizer": ({"choices": OPTIMIZERS}, "update rule (momentum is SGD with μ = 0.9)"),
    "lr": (
        {"type": positive_float, "metavar": "LR"},
        "learning rate",
    ),
    "val_fraction": (
        {"type": fraction, "metavar": "F"},
        "share of the training data held out for validation (0 for none)",
    ),
    "patience": (
        {"type": positive_int, "metavar": "N"},
        "stop early when the validation loss has not improved for N epochs",
    ),
    "corpus": (
        {"metavar": "NAME_OR_FILE"},
        "'shakespeare' (shipped), 'tang' (Debian's fortunes-zh) or a UTF-8 text file",
    ),
    "steps_per_epoch": (
        {"type": positive_int, "metavar": "N"},
        "training steps per block (the unit of --epochs)",
    ),
    "seq_len": ({"type": positive_int, "metavar": "T"}, "characters per block of truncated BPTT"),
    "clip": ({"type": positive_float, "metavar": "NORM"}, "clip the gradient norm to this value"),
    "n_critic": (
        {"type": positive_int, "metavar": "N"},
        "discriminator (critic) steps per generator step",
    ),
    "momentum": ({"type": non_negative_float, "metavar": "MU"}, "momentum of the SGD update"),
    "train_size": ({"type": positive_int, "metavar": "N"}, "training pairs (written date, ISO date)"),
    "scale": ({"type": sr_scale, "metavar": "S"}, "super-resolution factor (2 to 8)"),
    "patches": (
        {"type": positive_int, "metavar": "N"},
        "training patches (super-resolution: pairs in all; photo-patch-cnn: per photograph)",
    ),
    "scenes_per_epoch": (
        {"type": positive_int, "metavar": "N"},
        "fresh training scenes per epoch (no scene is seen twice)",
    ),
    "eval_scenes": ({"type": positive_int, "metavar": "N"}, "held-out scenes for the closing mAP"),
    "augment_snr": (
        {"type": snr_range, "metavar": "LOW,HIGH"},
        "add white noise at a random SNR in [LOW, HIGH] dB to each training clip (a quarter stay clean); 'none' for no noise",
    ),
}


def flag(name):
    """'batch_size' → '--batch-size'."""
    return "--" + name.replace("_", "-")


# what an option left unset means, per option
UNSET = {
    "lr": "by optimizer: sgd 0.1, momentum 0.05, adagrad 0.01, rmsprop/adam/adamw 0.001",
    "patience": "never stop early",
    "limit": "all",
}


def describe(value, option=None):
    """An option's value as shown in help and messages."""
    if value is None:
        return UNSET.get(option, "unset")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def add_options(parser, name, recipe):
    """Add every option in OPTIONS to ``parser`` (default None, so a given option is known), each
    help ending with model ``name``'s default or saying that it does not apply."""
    group = parser.add_argument_group(f"training options (defaults shown for --model {name})")
    for option, (kwargs, text) in OPTIONS.items():
        if option in recipe.options:
            value = recipe.options[option]
            shown = recipe.unset_text.get(option) if value is None else None
            suffix = f" (default: {shown or describe(value, option)})"
        else:
            suffix = f" (does not apply to {name})"
        group.add_argument(flag(option), dest=option, default=None, help=text + suffix, **kwargs)
    return group


def given_options(args):
    """The training options set on the command line: {name: value}."""
    return {name: getattr(args, name) for name in OPTIONS if getattr(args, name, None) is not None}
