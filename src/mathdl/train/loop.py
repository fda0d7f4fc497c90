"""The fit loop: epochs of mini-batch gradient descent with metrics, validation and callbacks.

One training step is the textbook one,

    ŷ = f_θ(x),   L = ℓ(ŷ, y),   g = ∂L/∂θ (backward),   θ ← update(θ, g)  (the optimiser),

and an epoch's reported loss/metric is the sample-weighted mean over its batches,
Σ_b n_b m_b / Σ_b n_b (exact even when the last batch is smaller). The loop itself adds a few
Python operations per step (one float conversion of the loss, one argmax for accuracy); all the
work is in the model, the loss and the optimiser.

A non-finite loss stops training at once, before the update, so the parameters and every
checkpoint written so far stay finite ("the last good checkpoint"). A checkpoint written at the
end of an epoch holds the RNG state as well, so ``load_checkpoint`` + ``fit`` continues exactly as
the uninterrupted run (same shuffles, same dropout masks, same updates).
"""

import math

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.train import checkpoint as checkpoint_io
from mathdl.train.callbacks import Callback, ModelCheckpoint, wants_batch_calls
from mathdl.train.history import History
from mathdl.train.metrics import get_metric
from mathdl.train.progress import ProgressLine


def _as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value))


def _is_structured(targets):
    """Targets that are not one array: a list of per-sample dicts (e.g. detection boxes and labels,
    whose counts differ per image). They reach ``loss_fn`` as they are."""
    return isinstance(targets, (list, tuple)) and bool(targets) and all(isinstance(t, dict) for t in targets)


def _split_batch(batch, where):
    if isinstance(batch, (tuple, list)):
        if len(batch) != 2:
            raise ValueError(f"{where}: each batch must be (inputs, targets), got {len(batch)} items")
        targets = batch[1] if _is_structured(batch[1]) else _as_tensor(batch[1])
        return _as_tensor(batch[0]), targets
    raise TypeError(f"{where}: each batch must be an (inputs, targets) pair, got {type(batch).__name__}")


def _default_loss(output, target):
    from mathdl.nn import functional as F

    return F.cross_entropy(output, target)


class Trainer:
    """Trains ``model`` with ``optimizer`` on ``loss_fn(output, target) -> scalar Tensor``.

    Args:
        model: an ``nn.Module`` (anything callable with ``parameters()``, ``state_dict()``,
            ``load_state_dict()``, ``train()``, ``eval()``).
        optimizer: a ``mathdl.optim`` optimiser over the model's parameters (None for a Trainer
            that only evaluates and predicts).
        loss_fn: default ``F.cross_entropy`` (logits and integer class targets).
        metrics: names ('accuracy', 'binary_accuracy') or callables ``f(output_array,
            target_array) -> float`` (a batch mean); reported as ``name`` and ``val_name``.
        scheduler: an ``optim.lr_scheduler`` stepped once per epoch (then ``lr`` is logged).
        config: JSON-able description of the run, stored in checkpoints (for the CLI:
            ``{'model': {'name': ..., 'kwargs': ...}, 'run': {...}}``); a model made by
            ``mathdl.models.build`` contributes its ``model.config`` automatically.
        verbose: 0 silent, 1 live progress bar on a terminal (one line per epoch otherwise),
            2 one line per epoch.
        progress: 'auto', 'rich' or 'plain' (see ``mathdl.train.progress``).

    State: ``epoch`` (completed epochs), ``history`` (a ``History``), ``stop_training``,
    ``stop_reason`` (None, 'callback' or a message about a non-finite loss).
    """

    def __init__(
        self,
        model,
        optimizer,
        loss_fn=None,
        metrics=("accuracy",),
        scheduler=None,
        config=None,
        verbose=1,
        progress="auto",
        stream=None,
    ):
        if not callable(model) or not hasattr(model, "state_dict"):
            raise TypeError(f"Trainer: model must be an nn.Module, got {type(model).__name__}")
        if optimizer is not None and not hasattr(optimizer, "step"):
            raise TypeError(
                f"Trainer: optimizer must be a mathdl.optim optimiser (or None to only "
                f"evaluate and predict), got {type(optimizer).__name__}"
            )
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(
                f"Trainer: loss_fn must be callable(output, target), got {type(loss_fn).__name__}"
            )
        if isinstance(metrics, str):
            metrics = (metrics,)
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn if loss_fn is not None else _default_loss
        self.metrics = [get_metric(metric) for metric in (metrics or ())]
        self.scheduler = scheduler
        self.config = dict(config or {})
        if "model" not in self.config and isinstance(getattr(model, "config", None), dict):
            self.config["model"] = model.config  # set by mathdl.models.build: name + kwargs
        self.progress = ProgressLine(verbose, stream=stream, style=progress)
        self.epoch = 0
        self.history = History()
        self.stop_training = False
        self.stop_reason = None
        self.callbacks = []
        self._callback_states = None

    # ----- training ------------------------------------------------------------------------
    def fit(self, train_data, epochs, val_data=None, callbacks=()):
        """Train until ``epochs`` epochs are complete in total (a resumed trainer at epoch k runs
        epochs k+1 … ``epochs``), or until a callback or a non-finite loss stops it.

        ``train_data``/``val_data``: re-iterable sources of ``(inputs, targets)`` batches, such as
        ``mathdl.data.DataLoader`` (shuffling, if any, is the loader's). Returns ``history``.
        """
        if self.optimizer is None:
            raise ValueError("fit: this Trainer has no optimizer (it was built to evaluate/predict only)")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
        callbacks = list(callbacks or ())
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"fit: callbacks must be mathdl.train Callback instances, got {type(callback).__name__}"
                )
            callback.set_trainer(self)
        batch_callbacks = [c for c in callbacks if wants_batch_calls(c)]
        # Checkpoints are written after every other callback has seen the epoch, so the callback
        # state they store (early stopping's patience counter …) is that of the finished epoch.
        epoch_end_order = [c for c in callbacks if not isinstance(c, ModelCheckpoint)] + [
            c for c in callbacks if isinstance(c, ModelCheckpoint)
        ]
        self.callbacks = callbacks
        try:
            steps = len(train_data)
        except TypeError:
            steps = None
        self.stop_training = False
        self.stop_reason = None
        self.history.params = {"epochs": int(epochs), "steps": steps}
        for callback in callbacks:
            callback.on_train_begin({})
        if self._callback_states:  # a resumed run: callbacks continue where they were
            for key, callback in zip(self._callback_keys(), callbacks):
                if key in self._callback_states:
                    callback.load_state_dict(self._callback_states[key])
            self._callback_states = None
        while self.epoch < epochs and not self.stop_training:
            epoch = self.epoch
            for callback in callbacks:
                callback.on_epoch_begin(epoch, {})
            self.progress.begin(f"Epoch {epoch + 1}/{epochs}", steps)
            logs = self._train_epoch(train_data, epoch, batch_callbacks)
            if logs is None:  # a non-finite loss: stop, keep the last good state
                break
            if val_data is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(val_data).items()})
            if self.scheduler is not None:
                logs["lr"] = float(self.optimizer.param_groups[0]["lr"])
                self.scheduler.step()
            self.progress.end(self._steps_done, self._samples_done, logs)
            self.history.append(epoch, logs)
            self.epoch = epoch + 1
            for callback in epoch_end_order:
                callback.on_epoch_end(epoch, logs)
            if self.stop_training and self.stop_reason is None:
                self.stop_reason = "callback"
        for callback in callbacks:
            callback.on_train_end(self.history.last())
        return self.history

    def _train_epoch(self, train_data, epoch, batch_callbacks):
        model, optimizer, loss_fn, metrics = self.model, self.optimizer, self.loss_fn, self.metrics
        model.train()
        loss_sum, seen, step = 0.0, 0, 0
        metric_sums = [0.0] * len(metrics)

        def running():
            scale = 1.0 / max(seen, 1)
            logs = {"loss": loss_sum * scale}
            logs.update((name, total * scale) for (name, _), total in zip(metrics, metric_sums))
            return logs

        for step, batch in enumerate(train_data, 1):
            inputs, targets = _split_batch(batch, "fit")
            output = model(inputs)
            loss = loss_fn(output, targets)
            loss_value = float(loss.array)
            if not math.isfinite(loss_value):
                self.stop_training = True
                kept = (
                    f"checkpoints written so far hold epoch {epoch}"
                    if epoch
                    else "no epoch completed, so no checkpoint was written"
                )
                self.stop_reason = (
                    f"non-finite loss ({loss_value}) at epoch {epoch + 1}, step {step}; "
                    f"stopped before the update: parameters are those of the last "
                    f"finite step, {kept}"
                )
                self.progress.message(f"\nStopping: {self.stop_reason}")
                return None
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            size = inputs.shape[0]
            seen += size
            loss_sum += loss_value * size
            if metrics:
                output_array, target_array = output.array, getattr(targets, "array", targets)
                for index, (_, function) in enumerate(metrics):
                    metric_sums[index] += function(output_array, target_array) * size
            self.progress.update(step, seen, running)
            if batch_callbacks:
                for callback in batch_callbacks:
                    callback.on_train_batch_end(step - 1, {"loss": loss_value, "size": size})
                if self.stop_training:
                    break
        if seen == 0:
            raise ValueError("fit: the training data yielded no batches")
        self._steps_done, self._samples_done = step, seen
        return running()

    # ----- evaluation ----------------------------------------------------------------------
    def evaluate(self, data):
        """Mean loss and metrics over ``data`` (batches of (inputs, targets)) in eval mode and
        without recording gradients: ``{'loss': ..., 'accuracy': ...}``. The model's previous
        train/eval mode is restored afterwards."""
        was_training = getattr(self.model, "training", True)
        self.model.eval()
        loss_sum, seen = 0.0, 0
        metric_sums = [0.0] * len(self.metrics)
        try:
            with grad_mode.no_grad():
                for batch in data:
                    inputs, targets = _split_batch(batch, "evaluate")
                    output = self.model(inputs)
                    size = inputs.shape[0]
                    seen += size
                    loss_sum += float(self.loss_fn(output, targets).array) * size
                    for index, (_, function) in enumerate(self.metrics):
                        metric_sums[index] += (
                            function(output.array, getattr(targets, "array", targets)) * size
                        )
        finally:
            self.model.train(was_training)
        if seen == 0:
            raise ValueError("evaluate: the data yielded no batches")
        logs = {"loss": loss_sum / seen}
        logs.update((name, total / seen) for (name, _), total in zip(self.metrics, metric_sums))
        return logs

    def predict(self, data):
        """The model's outputs for every batch of ``data`` (batches of inputs, or of (inputs,
        targets) whose targets are ignored), concatenated into one NumPy array."""
        was_training = getattr(self.model, "training", True)
        self.model.eval()
        outputs = []
        try:
            with grad_mode.no_grad():
                for batch in data:
                    inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
                    outputs.append(self.model(_as_tensor(inputs)).array)
        finally:
            self.model.train(was_training)
        if not outputs:
            raise ValueError("predict: the data yielded no batches")
        return np.concatenate(outputs, axis=0)

    # ----- checkpoints ---------------------------------------------------------------------
    def save_checkpoint(self, path):
        """Write model, optimiser, scheduler, completed epochs, RNG state, config and history."""
        states = {key: callback.state_dict() for key, callback in zip(self._callback_keys(), self.callbacks)}
        return checkpoint_io.save_checkpoint(
            path,
            self.model,
            self.optimizer,
            epoch=self.epoch,
            config=self.config,
            history=self.history,
            scheduler=self.scheduler,
            extra={"callbacks": states},
        )

    def _callback_keys(self):
        # 'EarlyStopping#0', 'ModelCheckpoint#1': by type and rank among that type, so adding or
        # dropping a callback of another type between runs does not mismatch the states
        seen = {}
        keys = []
        for callback in self.callbacks:
            name = type(callback).__name__
            keys.append(f"{name}#{seen.get(name, 0)}")
            seen[name] = seen.get(name, 0) + 1
        return keys

    def load_checkpoint(self, path, restore_rng=True):
        """Restore a checkpoint written by ``save_checkpoint`` into this trainer (whose model and
        optimiser must have the same structure); then ``fit(data, epochs)`` continues with epoch
        ``checkpoint['epoch'] + 1``, and the callbacks given to it take back their state (matched
        by type and order among callbacks of that type) (early stopping's patience count, the best value so far). Returns the
        checkpoint's contents."""
        from mathdl.random import set_rng_state

        content = checkpoint_io.load_checkpoint(path)
        self.model.load_state_dict(content["model"])
        if content["optimizer"] is not None:
            self.optimizer.load_state_dict(content["optimizer"])
        if self.scheduler is not None and content["scheduler"] is not None:
            self.scheduler.load_state_dict(content["scheduler"])
        self.epoch = int(content["epoch"])
        if content["history"]:
            self.history.load_state_dict(content["history"])
        if content["config"]:
            self.config = {**content["config"], **self.config} if self.config else dict(content["config"])
        if restore_rng:
            set_rng_state(content["rng"])
        extra = content.get("extra") or {}
        # applied by the next fit to the callbacks at the same positions (e.g. EarlyStopping's patience)
        self._callback_states = extra.get("callbacks") or None
        return content


def fit(
    model,
    optimizer,
    train_data,
    epochs,
    val_data=None,
    loss_fn=None,
    metrics=("accuracy",),
    callbacks=(),
    scheduler=None,
    verbose=1,
):
    """Train ``model`` for ``epochs`` epochs (see ``Trainer``); returns the ``History``."""
    trainer = Trainer(
        model, optimizer, loss_fn=loss_fn, metrics=metrics, scheduler=scheduler, verbose=verbose
    )
    return trainer.fit(train_data, epochs, val_data=val_data, callbacks=callbacks)
