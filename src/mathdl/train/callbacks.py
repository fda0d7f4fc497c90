"""Callbacks: code the fit loop runs at the edges of training, epochs and (optionally) steps.

A callback sees the running ``Trainer`` as ``self.trainer`` (its ``model``, ``optimizer``,
``history``, ``epoch``) and the model as ``self.model`` (as in Keras) and stops training by setting ``self.trainer.stop_training = True``.
Hooks receive ``logs``, the numbers of the epoch so far (``loss``, ``accuracy``, ``val_loss`` …).
Only callbacks that override ``on_train_batch_end`` are called per step, so the others add no
per-step cost.
"""

import math
import numbers
import os
import time
import warnings

import numpy as np


class Callback:
    """Base class: override any of the hooks below (each does nothing here)."""

    trainer = None
    model = None

    def set_trainer(self, trainer):
        """Called by the loop before training starts; sets ``self.trainer`` and ``self.model``."""
        self.trainer = trainer
        self.model = trainer.model

    def on_train_begin(self, logs=None):
        """Before the first epoch of this ``fit`` call."""

    def on_train_end(self, logs=None):
        """After the last epoch (also after early stopping or a non-finite loss)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Before epoch ``epoch`` (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """After epoch ``epoch`` completed with a finite loss; ``logs`` has its training and
        validation numbers."""

    def on_train_batch_end(self, batch, logs=None):
        """After step ``batch`` (0-based within the epoch); ``logs`` has ``loss`` and ``size``."""

    def state_dict(self):
        """What this callback must remember across a resume (saved in checkpoints); {} here."""
        return {}

    def load_state_dict(self, state):
        """Restore what ``state_dict`` returned (called after ``on_train_begin`` of a resumed run)."""


def _resolve_mode(mode, monitor, where):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{where}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        mode = "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
    return mode


def _improved(mode, current, best, min_delta):
    if best is None:
        return True
    if mode == "min":
        return current < best - min_delta
    return current > best + min_delta


class ModelCheckpoint(Callback):
    """Save a full training checkpoint (model, optimiser, epoch, RNG state, config, history) at
    the end of every epoch, or only when ``monitor`` improves (``save_best_only=True``).

    ``filepath`` may hold ``str.format`` fields: ``{epoch}`` (1-based) and any log name, e.g.
    ``'ckpt-{epoch:02d}-{val_loss:.3f}.npz'``. An epoch whose loss became NaN/Inf never reaches
    ``on_epoch_end``, so the file always holds the last good state. ``last_path`` is the file
    written most recently.
    """

    def __init__(self, filepath, monitor="val_loss", save_best_only=False, mode="auto", verbose=0):
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.mode = _resolve_mode(mode, monitor, "ModelCheckpoint")
        self.verbose = verbose
        self.best = None
        self.last_path = None

    def state_dict(self):
        """The best monitored value so far (so a resumed run keeps saving only improvements)."""
        return {"best": self.best}

    def load_state_dict(self, state):
        """Restore ``state_dict``."""
        self.best = state.get("best")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(
                    f"ModelCheckpoint: monitored value {self.monitor!r} is not in the logs "
                    f"(available: {sorted(logs)}); saving every epoch instead",
                    stacklevel=2,
                )
            elif not _improved(self.mode, current, self.best, 0.0):
                return
            else:
                self.best = current
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"ModelCheckpoint: cannot fill filepath {self.filepath!r} with "
                f"epoch and logs {sorted(logs)}: {error}"
            ) from None
        self.trainer.save_checkpoint(path)
        self.last_path = path
        if self.verbose:
            self.trainer.progress.message(f"Epoch {epoch + 1}: checkpoint written to {path}")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs
    (Keras's semantics). ``restore_best_weights=True`` puts back the parameters of the best epoch
    at the end of training. ``stopped_epoch`` is the 0-based epoch after which training stopped
    (0 if it never stopped early)."""

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0.0,
        patience=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
        verbose=0,
    ):
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.mode = _resolve_mode(mode, monitor, "EarlyStopping")
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self.baseline
        self.best_epoch = None
        self.best_weights = None
        self._warned = False

    def state_dict(self):
        """Patience counter, best value and epoch (and the best weights when restoring them)."""
        return {
            "wait": self.wait,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state):
        """Restore ``state_dict``."""
        self.wait, self.best = int(state["wait"]), state["best"]
        self.best_epoch, self.stopped_epoch = state["best_epoch"], int(state["stopped_epoch"])
        weights = state.get("best_weights")
        self.best_weights = (
            None if weights is None else {k: np.asarray(getattr(v, "data", v)) for k, v in weights.items()}
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            if not self._warned:
                warnings.warn(
                    f"EarlyStopping: monitored value {self.monitor!r} is not in the logs "
                    f"(available: {sorted(logs)}); not stopping early",
                    stacklevel=2,
                )
                self._warned = True
            return
        if epoch < self.start_from_epoch or math.isnan(current):
            return
        if _improved(self.mode, current, self.best, self.min_delta):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = {
                    k: np.array(v.array, copy=True) for k, v in self.trainer.model.state_dict().items()
                }
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True
            if self.verbose:
                self.trainer.progress.message(
                    f"Epoch {epoch + 1}: early stopping ({self.monitor} has not improved for "
                    f"{self.wait} epochs; best {self.best:.4f} at epoch {self.best_epoch + 1})"
                )

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.trainer.model.load_state_dict(self.best_weights)
            if self.verbose:
                self.trainer.progress.message(f"Restored the weights of epoch {self.best_epoch + 1}")


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_end=None,
    ):
        for name, function in (
            ("on_epoch_begin", on_epoch_begin),
            ("on_epoch_end", on_epoch_end),
            ("on_train_begin", on_train_begin),
            ("on_train_end", on_train_end),
            ("on_train_batch_end", on_train_batch_end),
        ):
            if function is not None:
                if not callable(function):
                    raise TypeError(f"LambdaCallback: {name} must be callable")
                setattr(self, name, function)


class TimeBudget(Callback):
    """Stops training at the end of an epoch when one more epoch, as long as the slowest so far,
    would pass ``seconds`` of training: it stops after epoch e when

        elapsed(e) + max_{i ≤ e} duration(i) > seconds

    so a run ends near its budget without starting an epoch it cannot finish (wall-clock time,
    ``time.perf_counter``).

    >>> budget = TimeBudget(60.0 * 15)  # Trainer(...).fit(loader, epochs=100, callbacks=[budget])
    """

    def __init__(self, seconds):
        if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
            raise TypeError(f"TimeBudget: seconds must be a number, got {seconds!r}")
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start = self.epoch_start = time.perf_counter()
        self.longest = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.epoch_start)
        if now - self.start + self.longest > self.seconds:
            self.trainer.stop_training = True


def _softmax_rows(array):
    shifted = array - array.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


class InformationPlane(Callback):
    """(I(X;T), I(T;Y)) of watched layers during training (Shwartz-Ziv & Tishby, 2017; Saxe et
    al., 2018): at chosen epochs, every watched layer's activations on a fixed data set are
    estimated by binning and by the KDE bound (``mathdl.stats.mutual_information_binned`` /
    ``mutual_information_kde``; docs/information_plane.md says what they can and cannot show).

    Args:
        inputs, labels: the data the estimates are taken over (all of it in one forward pass).
        layers: the modules whose outputs are the T's (e.g. the activation modules), in order.
        include_output: also watch the model's output, passed through a softmax (the last "layer").
        epochs: the epochs (0-based, counted as ``on_epoch_end`` sees them) after which to measure,
            or None for every epoch; the state before training is always recorded as epoch −1.
        kde_epochs: where the (slower, O(n²)) KDE estimate is also taken (default: none).
        bins, bin_width, noise_variance: of the two estimators (``mutual_information_binned`` and
            ``mutual_information_kde``); base: 2 (bits, as the papers plot).

    ``records``: a list of {'epoch', 'layer', 'binned': (I_XT, I_TY), 'kde': (I_XT, I_TY) or None}.
    """

    def __init__(
        self,
        inputs,
        labels,
        layers,
        include_output=True,
        epochs=None,
        kde_epochs=(),
        bins=30,
        bin_width=None,
        noise_variance=0.1,
        base=2,
    ):
        from mathdl.autograd.tensor import Tensor

        self.inputs = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
        self.labels = np.asarray(getattr(labels, "array", labels))
        if self.labels.shape[0] != self.inputs.shape[0]:
            raise ValueError(
                f"InformationPlane: {self.inputs.shape[0]} inputs but {self.labels.shape[0]} labels"
            )
        self.layers = list(layers)
        if not self.layers and not include_output:
            raise ValueError("InformationPlane: watch at least one layer or include_output=True")
        self.include_output = bool(include_output)
        self.epochs = None if epochs is None else {int(e) for e in epochs}
        self.kde_epochs = {int(e) for e in kde_epochs}
        self.bins, self.bin_width, self.noise_variance, self.base = bins, bin_width, noise_variance, base
        self.records = []

    def activations(self):
        """The watched layers' outputs on ``inputs`` (eval mode, no graph): a list of (n, d) arrays."""
        from mathdl.autograd import grad_mode

        captured = {}
        handles = [
            layer.register_forward_hook(lambda module, args, output, k=k: captured.__setitem__(k, output))
            for k, layer in enumerate(self.layers)
        ]
        was_training = getattr(self.model, "training", True)
        self.model.eval()
        try:
            with grad_mode.no_grad():
                output = self.model(self.inputs)
        finally:
            for handle in handles:
                handle.remove()
            self.model.train(was_training)
        arrays = [np.asarray(captured[k].array, dtype=np.float64) for k in range(len(self.layers))]
        if self.include_output:
            arrays.append(_softmax_rows(np.asarray(output.array, dtype=np.float64)))
        return [a.reshape(a.shape[0], -1) for a in arrays]

    def measure(self, epoch):
        """Estimate and record every watched layer's coordinates now (as ``epoch``)."""
        from mathdl.stats.information_plane import mutual_information_binned, mutual_information_kde

        with_kde = epoch in self.kde_epochs
        for index, activity in enumerate(self.activations()):
            binned = mutual_information_binned(
                activity, self.labels, bins=self.bins, base=self.base, bin_width=self.bin_width
            )
            kde = None
            if with_kde:
                kde = mutual_information_kde(activity, self.labels, self.noise_variance, base=self.base)
            self.records.append({"epoch": epoch, "layer": index, "binned": binned, "kde": kde})

    def on_train_begin(self, logs=None):
        if not any(r["epoch"] == -1 for r in self.records):
            self.measure(-1)

    def on_epoch_end(self, epoch, logs=None):
        if self.epochs is None or epoch in self.epochs or epoch in self.kde_epochs:
            self.measure(epoch)

    def as_arrays(self, estimator="binned"):
        """(epochs (m,), coordinates (m, layers, 2)) of the epochs measured with ``estimator``."""
        rows = [r for r in self.records if r[estimator] is not None]
        epochs = sorted({r["epoch"] for r in rows})
        layers = 1 + max(r["layer"] for r in rows)
        table = np.full((len(epochs), layers, 2), np.nan)
        position = {e: i for i, e in enumerate(epochs)}
        for r in rows:
            table[position[r["epoch"]], r["layer"]] = r[estimator]
        return np.array(epochs), table

    def state_dict(self):
        return {"records": [dict(r) for r in self.records]}

    def load_state_dict(self, state):
        self.records = [dict(r) for r in state.get("records", [])]


def wants_batch_calls(callback):
    """True when ``callback`` overrides ``on_train_batch_end`` (so the loop must call it)."""
    hook = getattr(callback, "on_train_batch_end", None)
    return getattr(hook, "__func__", hook) is not Callback.on_train_batch_end
