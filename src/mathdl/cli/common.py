"""Shared pieces of the ``mathdl`` subcommands: the user-error type, argument parsers that quote
what they were given, run folders that never overwrite a run, strict JSON and checkpoints."""

import argparse
import json
import math
import os
import shutil

CHECKPOINT_NAME = "checkpoint.npz"
BEST_NAME = "best.npz"
RUN_FILES = ("config.json", "metrics.json", "history.csv", CHECKPOINT_NAME, BEST_NAME)


class CommandError(Exception):
    """A user error in a subcommand: printed as ``mathdl <command>: error: …`` (exit code 2)."""


# ----- argument types ---------------------------------------------------------------------------
def positive_int(text):
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text):
    """argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def non_negative_float(text):
    """argparse type: a finite number ≥ 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def fraction(text):
    """argparse type: a number in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def model_arg(text):
    """argparse type: KEY=VALUE with VALUE parsed as JSON when it is JSON (hidden=[512,256],
    dropout=0.2), else kept as a string (kind=dcgan)."""
    key, separator, value = text.partition("=")
    if not separator or not key.strip() or not key.strip().isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE with KEY a Python name, e.g. hidden=[512,256], got {text!r}"
        )
    value = value.strip()
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        if value[:1] in '[{"' or value.endswith(("]", "}")):
            raise argparse.ArgumentTypeError(
                f"the value of {text!r} looks like JSON but does not parse; write lists as "
                f"[512,256] and strings as kind=dcgan"
            ) from None
        parsed = value
    return key.strip(), parsed


# ----- run folders --------------------------------------------------------------------------------
def free_path(path):
    """``path``, or ``stem-2.ext``, ``stem-3.ext`` … if it exists: never overwrite a file."""
    stem, extension = os.path.splitext(path)
    candidate, suffix = path, 1
    while os.path.exists(candidate):
        suffix += 1
        candidate = f"{stem}-{suffix}{extension}"
    return candidate


def claim_run_folder(out):
    """Make ``out`` the folder of a new run: refuses a folder holding a run (``--resume`` continues
    it) or anything else; returns True when this call created the folder."""
    if os.path.exists(out):
        if not os.path.isdir(out):
            raise CommandError(f"--out {out} is a file, not a folder; give a new folder for the run")
        if any(os.path.exists(os.path.join(out, name)) for name in (CHECKPOINT_NAME, "config.json")):
            raise CommandError(
                f"{out} already holds a run; use --resume {out} to continue it or --out another folder"
            )
        if os.listdir(out):
            raise CommandError(f"--out {out} exists and is not empty; give a new or empty folder for the run")
        return False
    os.makedirs(out)
    return True


def release_run_folder(out, created):
    """After a run that failed before its first checkpoint: remove what it wrote (and the folder
    when this run created it), so no empty run is left behind. Folders with a checkpoint stay."""
    if not os.path.isdir(out) or os.path.exists(os.path.join(out, CHECKPOINT_NAME)):
        return
    if created:
        shutil.rmtree(out, ignore_errors=True)
        return
    for name in RUN_FILES:
        path = os.path.join(out, name)
        if os.path.isfile(path):
            os.remove(path)


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


# ----- JSON ------------------------------------------------------------------------------------------
def plain(value):
    """NumPy scalars/arrays as plain JSON values and non-finite floats as None (strict JSON)."""
    import numpy as np

    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path, data):
    """Strict JSON, written atomically."""
    from mathdl.train.history import write_text_atomic

    write_text_atomic(path, json.dumps(plain(data), indent=2, allow_nan=False) + "\n")
