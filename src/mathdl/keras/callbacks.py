"""``keras.callbacks``: Keras 3's callbacks on ``mathdl.train``'s callback protocol.

A Keras-style callback overrides ``on_epoch_end(self, epoch, logs=None)`` and friends; it reads
the model as ``self.model`` (the Keras model), its settings as ``self.params`` and stops
training with ``self.model.stop_training = True``.

* ``EarlyStopping`` is ``mathdl.train``'s (same arguments and rule as Keras).
* ``ModelCheckpoint(filepath, monitor='val_loss', save_best_only=False,
  save_weights_only=False)`` reuses ``mathdl.train``'s ModelCheckpoint (when to write, ``{epoch}``
  and log fields in the path) but writes what Keras writes: a loadable ``.keras`` model
  (``model.save``) or, with ``save_weights_only``, a weights file (``model.save_weights``).
* ``ReduceLROnPlateau(monitor='val_loss', factor=0.1, patience=10, min_delta=1e-4, cooldown=0,
  min_lr=0)``: Keras's rule — an epoch improves when the monitored value beats the best by more
  than ``min_delta``; after ``patience`` epochs without improvement (and outside a cooldown),
  lr ← max(lr · factor, min_lr) and ``cooldown`` epochs are skipped; ``learning_rate`` is logged.
* ``LearningRateScheduler(schedule)``: before each epoch lr ← schedule(epoch, lr).
* ``CSVLogger(filename, separator=',', append=False)``: one row per epoch (epoch, then the logs in
  sorted order), the file rewritten atomically after every epoch; ``append=True`` keeps the rows
  already in the file (Keras's default overwrites it).
* ``LambdaCallback``, ``History``, ``Callback``.
"""

import csv
import io
import math
import os

from mathdl.train.callbacks import Callback as _TrainCallback
from mathdl.train.callbacks import EarlyStopping, LambdaCallback
from mathdl.train.callbacks import ModelCheckpoint as _TrainModelCheckpoint
from mathdl.train.history import History, write_text_atomic


class Callback(_TrainCallback):
    """Base of Keras callbacks: ``self.model``, ``self.params`` and all of Keras's hooks."""

    def set_model(self, model):
        self.model = model

    @property
    def params(self):
        trainer = self.trainer
        return dict(trainer.history.params) if trainer is not None else {}

    def on_train_batch_begin(self, batch, logs=None):
        """Before a training step (not called by the facade's loop; kept for compatibility)."""

    def on_batch_end(self, batch, logs=None):
        """Keras's old name of ``on_train_batch_end``."""


def _optimizer(callback):
    optimizer = callback.trainer.optimizer if callback.trainer is not None else None
    if optimizer is None or not getattr(optimizer, "param_groups", None):
        raise ValueError(
            f"{type(callback).__name__}: the model has no optimiser to change the learning rate of"
        )
    return optimizer


def get_learning_rate(callback):
    return float(_optimizer(callback).param_groups[0]["lr"])


def set_learning_rate(callback, value):
    optimizer = _optimizer(callback)
    for group in optimizer.param_groups:
        group["lr"] = float(value)
    keras_optimizer = getattr(callback.model, "optimizer", None)
    if keras_optimizer is not None and hasattr(keras_optimizer, "_learning_rate"):
        keras_optimizer._learning_rate = float(value)


class ModelCheckpoint(_TrainModelCheckpoint):
    """Write the model (``.keras``) or its weights at the end of epochs; see the module docstring."""

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        filepath = os.fspath(filepath)
        if save_freq != "epoch":
            raise ValueError(f"ModelCheckpoint: only save_freq='epoch' is supported, got {save_freq!r}")
        if not save_weights_only and not filepath.endswith(".keras"):
            raise ValueError(
                f"ModelCheckpoint: the filepath must end in `.keras` when saving the whole model "
                f"(or give save_weights_only=True), got {filepath!r}"
            )
        super().__init__(filepath, monitor=monitor, save_best_only=save_best_only, mode=mode, verbose=verbose)
        self.save_weights_only = bool(save_weights_only)
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)

    def set_trainer(self, trainer):
        super().set_trainer(trainer)
        self.trainer = _KerasWriter(trainer, self)


class _KerasWriter:
    """Stands in for the Trainer inside train's ModelCheckpoint: same attributes, but
    ``save_checkpoint`` writes Keras's files."""

    def __init__(self, trainer, callback):
        self._trainer, self._callback = trainer, callback

    def __getattr__(self, name):
        return getattr(self._trainer, name)

    def save_checkpoint(self, path):
        model = self._trainer.model
        if self._callback.save_weights_only:
            model.save_weights(path)
        else:
            model.save(path)


class ReduceLROnPlateau(Callback):
    """Keras's plateau rule (see the module docstring)."""

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, got {factor}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.factor, self.patience, self.verbose = (
            monitor,
            float(factor),
            int(patience),
            verbose,
        )
        self.min_delta, self.cooldown, self.min_lr = float(min_delta), int(cooldown), float(min_lr)
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self._reset()

    def _reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait, self.cooldown_counter = 0, 0

    def _better(self, current):
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def on_train_begin(self, logs=None):
        self._reset()

    def state_dict(self):
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state):
        self.best, self.wait, self.cooldown_counter = state["best"], state["wait"], state["cooldown_counter"]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = get_learning_rate(self)
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = get_learning_rate(self)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    set_learning_rate(self, new)
                    if self.verbose:
                        self.trainer.progress.message(
                            f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}."
                        )
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """``LearningRateScheduler(schedule, verbose=0)``: lr ← schedule(epoch, lr) before each epoch
    (a one-argument ``schedule(epoch)`` works too)."""

    def __init__(self, schedule, verbose=0):
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = get_learning_rate(self)
        try:
            new = self.schedule(epoch, lr)
        except TypeError:
            new = self.schedule(epoch)
        new = float(new)
        if not math.isfinite(new):
            raise ValueError(f"LearningRateScheduler: the schedule returned {new} for epoch {epoch}")
        set_learning_rate(self, new)
        if self.verbose:
            self.trainer.progress.message(
                f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_learning_rate(self)


class CSVLogger(Callback):
    """``CSVLogger(filename, separator=',', append=False)``; see the module docstring."""

    def __init__(self, filename, separator=",", append=False):
        self.filename, self.separator, self.append = os.fspath(filename), separator, bool(append)
        self.rows, self.keys, self._prefix = [], None, ""

    def on_train_begin(self, logs=None):
        self.rows, self.keys = [], None
        self._prefix = ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as stream:
                self._prefix = stream.read()
            header = self._prefix.splitlines()[0] if self._prefix else ""
            self.keys = header.split(self.separator)[1:] if header else None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = sorted(logs)
        self.rows.append([epoch] + [logs.get(k, "NA") for k in self.keys])
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.separator, lineterminator="\n")
        if not self._prefix:
            writer.writerow(["epoch"] + self.keys)
        writer.writerows(self.rows)
        write_text_atomic(self.filename, self._prefix + buffer.getvalue())


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or infinite (the Trainer also stops before such
    an update; this callback makes the stop a callback decision, as in Keras)."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.model.stop_training = True
            self.trainer.stop_training = True


__all__ = [
    "TerminateOnNaN",
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
]
