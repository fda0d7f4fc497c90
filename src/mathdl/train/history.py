"""History: the per-epoch record of a training run (loss, metrics, validation, time).

``history.history`` is a dict ``{'loss': [...], 'accuracy': [...], 'val_loss': [...], ...}`` with
one value per completed epoch, as in Keras, and ``history.epoch`` the epoch numbers (0-based).
It round-trips through ``state_dict``/``load_state_dict`` (so a resumed run keeps its curves) and
is written as CSV (one row per epoch) or JSON, atomically.
"""

import csv
import io
import json
import math
import os


def write_text_atomic(path, text):
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and ``os.replace``
    (``mathdl.io.atomic_write``), so a crash never leaves a half-written file."""
    from mathdl.io import atomic_write

    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
    with atomic_write(path) as stream:
        stream.write(text.encode("utf-8"))


class History:
    """Per-epoch values of the loss and metrics (``history``) and the epoch numbers (``epoch``)."""

    def __init__(self):
        self.history = {}
        self.epoch = []
        self.params = {}
        self.model = None

    def append(self, epoch, logs):
        """Record the values in ``logs`` (name → number) for ``epoch``; a name first seen late is
        padded with NaN for the earlier epochs so every column has one value per epoch."""
        for key in logs:
            if key not in self.history:
                self.history[key] = [math.nan] * len(self.epoch)
        for key, column in self.history.items():
            column.append(float(logs[key]) if key in logs else math.nan)
        self.epoch.append(int(epoch))

    def __len__(self):
        return len(self.epoch)

    def __getitem__(self, key):
        return self.history[key]

    def last(self):
        """The values of the last recorded epoch (an empty dict before the first)."""
        return {key: column[-1] for key, column in self.history.items()} if self.epoch else {}

    def state_dict(self):
        """A JSON-serialisable copy: ``{'epoch': [...], 'history': {name: [...]}}``."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    def load_state_dict(self, state):
        """Restore what ``state_dict`` returned."""
        if not isinstance(state, dict) or "epoch" not in state or "history" not in state:
            raise ValueError("History.load_state_dict: expected a dict with keys 'epoch' and 'history'")
        self.epoch = [int(e) for e in state["epoch"]]
        self.history = {k: [float(x) for x in v] for k, v in state["history"].items()}
        for key, column in self.history.items():
            if len(column) != len(self.epoch):
                raise ValueError(
                    f"History.load_state_dict: column {key!r} has {len(column)} values "
                    f"for {len(self.epoch)} epochs"
                )
        return self

    def to_csv(self, path):
        """Write one row per epoch: ``epoch,<name>,...`` (epochs numbered from 1)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        keys = list(self.history)
        writer.writerow(["epoch", *keys])
        for row, epoch in enumerate(self.epoch):
            writer.writerow([epoch + 1, *(repr(self.history[k][row]) for k in keys)])
        write_text_atomic(path, buffer.getvalue())

    def to_json(self, path):
        """Write ``state_dict()`` as JSON."""
        write_text_atomic(path, json.dumps(self.state_dict(), indent=2, allow_nan=True) + "\n")

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"
