"""The fit loop: epochs of steps with metrics, validation, callbacks and checkpoints, for every
model (what a step is belongs to a ``StepStrategy``; see ``mathdl.train.strategies``).

The default step is the textbook one,

    ŷ = f_θ(x),   L = ℓ(ŷ, y),   g = ∂L/∂θ (backward),   θ ← update(θ, g)  (the optimiser),

and an epoch's reported value of each logged number is the size-weighted mean over its steps,
Σ_b n_b m_b / Σ_b n_b (exact even when the last batch is smaller). The loop itself adds a few
Python operations per step; all the work is in the model, the losses and the optimisers.

A non-finite loss stops training at once, before the update that would use it, so every
checkpoint written so far stays finite ("the last good checkpoint"); the message names the
epoch, the step and the loss, and is printed once. NumPy's overflow/invalid warnings inside a
step are silenced (the non-finite check reports the outcome instead). A checkpoint written at
the end of an epoch holds the RNG state, the optimisers, the scheduler, the strategy's carried
state (a recurrent state, a Gibbs chain) and the data source's position, so ``load_checkpoint``
+ ``fit`` continues exactly as the uninterrupted run (same shuffles, masks and updates).
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.train import checkpoint as checkpoint_io
from mathdl.train.callbacks import Callback, ModelCheckpoint, wants_batch_calls
from mathdl.train.history import History
from mathdl.train.metrics import get_metric
from mathdl.train.progress import ProgressLine
from mathdl.train.strategies import NonFiniteLoss, StepStrategy, Supervised, as_tensor


def _check_optimizers(optimizer):
    if optimizer is None:
        return {}
    if isinstance(optimizer, dict):
        for name, item in optimizer.items():
            if not hasattr(item, "step"):
                raise TypeError(f"Trainer: optimizer {name!r} is not a mathdl.optim optimiser")
        return dict(optimizer)
    if not hasattr(optimizer, "step"):
        raise TypeError(
            f"Trainer: optimizer must be a mathdl.optim optimiser, a dict of them (or None to only "
            f"evaluate and predict), got {type(optimizer).__name__}"
        )
    return {"main": optimizer}


class _Sums:
    """Size-weighted running sums of each logged name (a name may skip some steps)."""

    def __init__(self):
        self.sums, self.weights, self.steps, self.size = {}, {}, 0, 0

    def add(self, logs, size):
        for key, value in logs.items():
            self.sums[key] = self.sums.get(key, 0.0) + value * size
            self.weights[key] = self.weights.get(key, 0) + size
        self.steps += 1
        self.size += size

    def means(self):
        return {key: total / max(self.weights[key], 1) for key, total in self.sums.items()}


class Trainer:
    """Trains ``model`` with ``optimizer`` through a step ``strategy``.

    Args:
        model: an ``nn.Module`` (anything with ``state_dict``/``load_state_dict``, ``train()``,
            ``eval()``).
        optimizer: a ``mathdl.optim`` optimiser, a dict of named optimisers for strategies with
            several (``{'generator': …, 'discriminator': …}``), or None to only evaluate/predict.
        loss_fn, metrics: for the default ``Supervised`` strategy: ``loss_fn(output, target)``
            (default cross-entropy) and metric names ('accuracy', 'binary_accuracy') or
            callables ``f(output_array, target_array) -> float``.
        strategy: a ``StepStrategy`` (``Supervised``, ``ModelLoss``, ``TeacherForcing``,
            ``TruncatedBPTT``, ``Adversarial``, ``ContrastiveDivergence``, or your own).
        scheduler: an ``optim.lr_scheduler`` (or a dict of them) stepped once per epoch.
        config: JSON-able description of the run, stored in checkpoints; a model made by
            ``mathdl.models.build`` contributes its ``model.config`` automatically.
        verbose: 0 silent, 1 live progress on a terminal (lines otherwise), 2 one line per epoch.
        progress: 'auto', 'rich' or 'plain'; ``unit``: what an epoch is called ('Epoch', 'Block').

    State: ``epoch`` (completed epochs), ``history``, ``stop_training``, ``stop_reason`` (None,
    'callback' or a message about a non-finite loss).
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
        strategy=None,
        unit="Epoch",
    ):
        if not callable(getattr(model, "state_dict", None)):
            raise TypeError(f"Trainer: model must be an nn.Module, got {type(model).__name__}")
        if strategy is not None and not isinstance(strategy, StepStrategy):
            raise TypeError(f"Trainer: strategy must be a StepStrategy, got {type(strategy).__name__}")
        if strategy is not None and loss_fn is not None:
            raise ValueError(
                "Trainer: give loss_fn to the strategy (e.g. Supervised(loss_fn)), not beside it"
            )
        if isinstance(metrics, str):
            metrics = (metrics,)
        self.model = model
        self.optimizers = _check_optimizers(optimizer)
        self.optimizer = optimizer if not isinstance(optimizer, dict) else None
        if strategy is None:
            strategy = Supervised(loss_fn, [get_metric(metric) for metric in (metrics or ())])
        self.strategy = strategy
        strategy.bind(self)
        self.scheduler = scheduler
        self.config = dict(config or {})
        if "model" not in self.config and isinstance(getattr(model, "config", None), dict):
            self.config["model"] = model.config  # set by mathdl.models.build: name + kwargs
        self.unit = unit
        self.progress = ProgressLine(verbose, stream=stream, style=progress, rate_name=strategy.size_name)
        self.epoch = 0
        self.history = History()
        self.stop_training = False
        self.stop_reason = None
        self.callbacks = []
        self._callback_states = None
        self._data_state = None
        self._train_data = None

    # ----- training ------------------------------------------------------------------------
    def fit(self, train_data, epochs, val_data=None, callbacks=()):
        """Train until ``epochs`` epochs are complete in total (a resumed trainer at epoch k runs
        epochs k+1 … ``epochs``), or until a callback or a non-finite loss stops it.

        ``train_data``/``val_data``: re-iterable sources of batches in the strategy's format
        (``mathdl.data.DataLoader`` for (inputs, targets)); a source with ``state_dict`` /
        ``load_state_dict`` (a text stream's position) is saved and restored with checkpoints.
        Returns ``history``.
        """
        if not self.optimizers:
            raise ValueError("fit: this Trainer has no optimizer (it was built to evaluate/predict only)")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
        callbacks = self._prepare_callbacks(callbacks)
        # Checkpoints are written after every other callback has seen the epoch, so the callback
        # state they store (early stopping's patience counter …) is that of the finished epoch;
        # save-best-only checkpoints first, so the every-epoch checkpoint stores their new best.
        checkpoints = [c for c in callbacks if isinstance(c, ModelCheckpoint)]
        epoch_end_order = [c for c in callbacks if not isinstance(c, ModelCheckpoint)] + sorted(
            checkpoints, key=lambda c: not c.save_best_only
        )
        batch_callbacks = [c for c in callbacks if wants_batch_calls(c)]
        self._train_data = train_data
        if self._data_state is not None and hasattr(train_data, "load_state_dict"):
            train_data.load_state_dict(self._data_state)
        self._data_state = None
        try:
            steps = len(train_data)
        except TypeError:
            steps = None
        self.stop_training, self.stop_reason = False, None
        self.history.params = {"epochs": int(epochs), "steps": steps}
        for callback in callbacks:
            callback.on_train_begin({})
        self._restore_callback_states(callbacks)
        while self.epoch < epochs and not self.stop_training:
            epoch = self.epoch
            for callback in callbacks:
                callback.on_epoch_begin(epoch, {})
            self.progress.begin(f"{self.unit} {epoch + 1}/{epochs}", steps)
            logs = self._train_epoch(train_data, epoch, batch_callbacks)
            if logs is None:  # a non-finite loss or parameter: stop, keep the last good state
                break
            if val_data is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(val_data).items()})
            self._step_schedulers(logs)
            self.progress.end(self._sums.steps, self._sums.size, logs)
            self.history.append(epoch, logs)
            self.epoch = epoch + 1
            for callback in epoch_end_order:
                callback.on_epoch_end(epoch, logs)
            if self.stop_training and self.stop_reason is None:
                self.stop_reason = "callback"
        for callback in callbacks:
            callback.on_train_end(self.history.last())
        return self.history

    def _prepare_callbacks(self, callbacks):
        callbacks = list(callbacks or ())
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"fit: callbacks must be mathdl.train Callback instances, got {type(callback).__name__}"
                )
            callback.set_trainer(self)
        self.callbacks = callbacks
        return callbacks

    def _restore_callback_states(self, callbacks):
        if self._callback_states:  # a resumed run: callbacks continue where they were
            for key, callback in zip(self._callback_keys(), callbacks):
                if key in self._callback_states:
                    callback.load_state_dict(self._callback_states[key])
            self._callback_states = None

    def _schedulers(self):
        if self.scheduler is None:
            return {}
        return dict(self.scheduler) if isinstance(self.scheduler, dict) else {"main": self.scheduler}

    def _step_schedulers(self, logs):
        for name, scheduler in self._schedulers().items():
            optimizer = self.optimizers.get(name) or next(iter(self.optimizers.values()))
            logs["lr" if name == "main" else f"lr_{name}"] = float(optimizer.param_groups[0]["lr"])
            scheduler.step()

    def run_step(self, batch):
        """One training step through the strategy: ``(logs, size)`` (a hook for tests and tools)."""
        return self.strategy.train_step(batch)

    def _train_epoch(self, train_data, epoch, batch_callbacks):
        self.model.train()
        sums = self._sums = _Sums()
        step = 0
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                for step, batch in enumerate(train_data, 1):
                    logs, size = self.run_step(batch)
                    sums.add(logs, size)
                    self.progress.update(step, sums.size, sums.means)
                    if batch_callbacks:
                        for callback in batch_callbacks:
                            callback.on_train_batch_end(step - 1, {**logs, "size": size})
                        if self.stop_training:
                            break
        except NonFiniteLoss as error:
            return self._stop_non_finite(f"non-finite loss ({error.name} = {error.value})", epoch, step)
        if sums.steps == 0:
            raise ValueError("fit: the training data yielded no batches")
        if not self._parameters_finite():
            return self._stop_non_finite("non-finite parameters", epoch, step)
        return sums.means()

    def _parameters_finite(self):
        parameters = getattr(self.model, "parameters", None)
        if parameters is None:
            return True
        return all(np.isfinite(p.array).all() for p in parameters())

    def _stop_non_finite(self, what, epoch, step):
        self.stop_training = True
        kept = (
            f"checkpoints written so far hold epoch {epoch}"
            if epoch
            else "no epoch completed, so no checkpoint was written"
        )
        self.stop_reason = (
            f"{what} at {self.unit.lower()} {epoch + 1}, step {step}; stopped before the update: "
            f"the epoch is not recorded, {kept}"
        )
        self.progress.message(f"\nStopping: {self.stop_reason}")
        return None

    # ----- evaluation ----------------------------------------------------------------------
    def evaluate(self, data):
        """Size-weighted means of the strategy's validation numbers over ``data`` (for the
        default strategy ``{'loss': ..., 'accuracy': ...}``), in eval mode and without recording
        gradients. The model's previous train/eval mode is restored afterwards."""
        was_training = getattr(self.model, "training", True)
        self.model.eval()
        sums = _Sums()
        self.strategy.begin_evaluation()
        try:
            with grad_mode.no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for batch in data:
                    sums.add(*self.strategy.eval_step(batch))
        finally:
            self.model.train(was_training)
        if sums.steps == 0:
            raise ValueError("evaluate: the data yielded no batches")
        return sums.means()

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
                    outputs.append(self.model(as_tensor(inputs)).array)
        finally:
            self.model.train(was_training)
        if not outputs:
            raise ValueError("predict: the data yielded no batches")
        return np.concatenate(outputs, axis=0)

    # ----- checkpoints ---------------------------------------------------------------------
    def save_checkpoint(self, path):
        """Write model, optimiser(s), scheduler(s), completed epochs, RNG state, config, history,
        the callbacks' and the strategy's state and the training data's position."""
        states = {key: callback.state_dict() for key, callback in zip(self._callback_keys(), self.callbacks)}
        data_state = getattr(self._train_data, "state_dict", None)
        several = len(self.optimizers) > 1 or "main" not in self.optimizers
        return checkpoint_io.save_checkpoint(
            path,
            self.model,
            self.optimizers if several else self.optimizers.get("main"),
            epoch=self.epoch,
            config=self.config,
            history=self.history,
            scheduler=self.scheduler,
            extra={
                "callbacks": states,
                "strategy": self.strategy.state_dict(),
                "data": data_state() if callable(data_state) else None,
            },
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
        """Restore a checkpoint written by ``save_checkpoint`` into this trainer (whose model,
        optimisers and strategy must have the same structure); then ``fit(data, epochs)``
        continues with epoch ``checkpoint['epoch'] + 1``: the callbacks given to it take back
        their state (matched by type and rank among callbacks of that type), and the training
        data its position. Returns the checkpoint's contents."""
        from mathdl.random import set_rng_state

        content = checkpoint_io.load_checkpoint(path)
        self.model.load_state_dict(content["model"])
        stored = content["optimizer"]
        if stored is not None:
            if set(self.optimizers) == {"main"}:
                self.optimizers["main"].load_state_dict(stored)
            else:
                for name, optimizer in self.optimizers.items():
                    optimizer.load_state_dict(stored[name])
        scheduler_state = content["scheduler"]
        if self.scheduler is not None and scheduler_state is not None:
            if isinstance(self.scheduler, dict):
                for name, scheduler in self.scheduler.items():
                    scheduler.load_state_dict(scheduler_state[name])
            else:
                self.scheduler.load_state_dict(scheduler_state)
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
        if extra.get("strategy"):
            self.strategy.load_state_dict(extra["strategy"])
        self._data_state = extra.get("data")
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
    strategy=None,
):
    """Train ``model`` for ``epochs`` epochs (see ``Trainer``); returns the ``History``."""
    trainer = Trainer(
        model,
        optimizer,
        loss_fn=loss_fn,
        metrics=metrics,
        scheduler=scheduler,
        verbose=verbose,
        strategy=strategy,
    )
    return trainer.fit(train_data, epochs, val_data=val_data, callbacks=callbacks)
