"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds

    model       the model's state_dict (parameters and buffers)
    optimizer   the optimiser's state_dict (step counts, moment estimates, hyper-parameters), or
                {name: state_dict} for several (a GAN's generator and discriminator)
    scheduler   the learning-rate scheduler's state_dict, if there is one
    epoch       the number of completed epochs
    rng         the global generator's state (``mathdl.random.get_rng_state()``)
    config      how to rebuild the run: ``{'model': {'name', 'kwargs'}, 'optimizer': …, …}``
    history     the per-epoch curves so far

so that ``load → fit`` draws the same shuffles and dropout masks and applies the same updates as
the uninterrupted run would have. It is written with ``mathdl.save`` (npz, no pickle, atomic),
which keeps nested dicts (int keys included), lists, numbers and strings exactly.
"""

import os

import numpy as np

from mathdl.autograd.tensor import Tensor

FORMAT = "mathdl-training-checkpoint"
VERSION = 1


class CheckpointFormatError(ValueError):
    """The file is readable but is not a mathdl training checkpoint (or a newer version)."""


def _state(item):
    """``item.state_dict()``, ``{name: state}`` for a dict of items, or None."""
    if item is None:
        return None
    if isinstance(item, dict):
        return {name: value.state_dict() for name, value in item.items()}
    return item.state_dict()


def save_checkpoint(
    path,
    model,
    optimizer=None,
    epoch=0,
    config=None,
    history=None,
    scheduler=None,
    rng_state=None,
    extra=None,
):
    """Write a training checkpoint to ``path`` (see the module docstring); returns ``path``.

    ``rng_state`` defaults to the current ``mathdl.random.get_rng_state()``; ``history`` is a
    ``History`` or its ``state_dict()``; ``extra`` any further JSON-able/array data.
    """
    from mathdl import io
    from mathdl.random import get_rng_state

    content = {
        "format": FORMAT,
        "version": VERSION,
        "model": dict(model.state_dict()),
        "optimizer": _state(optimizer),
        "scheduler": _state(scheduler),
        "epoch": int(epoch),
        "rng": rng_state if rng_state is not None else get_rng_state(),
        "config": config or {},
        "history": history.state_dict() if hasattr(history, "state_dict") else (history or {}),
        "extra": extra,
    }
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    os.makedirs(folder, exist_ok=True)
    io.save(content, path)
    return path


def load_checkpoint(path):
    """Read a checkpoint written by ``save_checkpoint``: a dict with keys ``model`` (name →
    array), ``optimizer``, ``scheduler``, ``epoch``, ``rng``, ``config``, ``history``, ``extra``.

    A damaged file raises ``mathdl.io.CheckpointError``; a file that is not a training
    checkpoint (for example a bare ``md.save(model.state_dict())``) raises
    ``CheckpointFormatError`` saying so.
    """
    from mathdl import io

    content = io.load(path)
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        found = sorted(map(str, content))[:8] if isinstance(content, dict) else type(content).__name__
        raise CheckpointFormatError(
            f"{path}: not a mathdl training checkpoint (found {found}); a bare "
            f"state_dict loads with mathdl.load and model.load_state_dict"
        )
    if content.get("version", 0) > VERSION:
        raise CheckpointFormatError(
            f"{path}: checkpoint version {content['version']} is newer than "
            f"this mathdl understands ({VERSION})"
        )
    content["model"] = {
        name: (value.array if isinstance(value, Tensor) else np.asarray(value))
        for name, value in content["model"].items()
    }
    return content
