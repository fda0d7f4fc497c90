"""``compile``/``fit``/``evaluate``/``predict`` of every Keras model, run by ``mathdl.train``.

This is the one module of the facade that builds a ``mathdl.train.Trainer``; every fit runs its
``Supervised`` step strategy (ŷ = model(x), L = loss(ŷ, y), one optimiser). The loss (summed
over outputs with ``loss_weights``), the metrics, the optimiser (``model.trainable_weights`` only,
so frozen layers are never updated) and the callbacks are translated here.

Fused output activations: with a softmax (sigmoid) last layer and the matching cross-entropy,
``fit``/``evaluate`` take the logits z of that layer and the loss is computed from
log softmax(z) = z − logsumexp(z); its gradient p − y never forms log p of a rounded probability.
Metrics see the probabilities (the activation is applied to their copy of the outputs).

Stateful metrics (AUC, Mean, …) are exact over the epoch although the Trainer averages batch
values weighted by batch size: after batch b the metric's result R_b over all S_b samples so far
is reported as v_b = (R_b S_b − R_{b−1} S_{b−1}) / n_b, whose size-weighted mean
Σ n_b v_b / S_b telescopes to R_b.
"""

import contextlib

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.keras import data_adapter as adapter
from mathdl.keras import losses as keras_losses
from mathdl.keras import metrics as keras_metrics
from mathdl.keras import optimizers as keras_optimizers
from mathdl.train.callbacks import Callback
from mathdl.train.loop import Trainer

_ARRAY_ACTIVATIONS = {
    "softmax": lambda z: _softmax(z),
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
}


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def verbose_level(verbose):
    """Keras's verbose ('auto', 0, 1, 2) as the Trainer's level."""
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return verbose


# ----- compile ------------------------------------------------------------------------------------
class CompileConfig:
    """What ``compile`` resolved: per-output losses and weights, metric objects, the optimiser."""

    def __init__(self, model, optimizer, loss, metrics, loss_weights):
        self.optimizer = keras_optimizers.get(optimizer)
        self.spec = {"optimizer": optimizer, "loss": loss, "metrics": metrics, "loss_weights": loss_weights}
        names = model.output_names()
        if isinstance(loss, dict):
            unknown = sorted(set(loss) - set(names))
            if unknown:
                raise ValueError(f"compile: loss keys {unknown} are not outputs of the model ({names})")
            self.losses = [keras_losses.get(loss[n]) if n in loss else None for n in names]
        elif isinstance(loss, (list, tuple)):
            if len(loss) != len(names):
                raise ValueError(f"compile: {len(loss)} losses for a model with {len(names)} outputs")
            self.losses = [keras_losses.get(item) for item in loss]
        else:
            self.losses = [keras_losses.get(loss) for _ in names]
        if loss_weights is None:
            self.loss_weights = [1.0] * len(names)
        elif isinstance(loss_weights, dict):
            self.loss_weights = [float(loss_weights.get(n, 1.0)) for n in names]
        else:
            self.loss_weights = [float(w) for w in loss_weights]
        self.output_names = names
        self.metrics = self._resolve_metrics(metrics, names)

    def _resolve_metrics(self, metrics, names):
        if metrics is None:
            return [[] for _ in names]
        if isinstance(metrics, dict):
            per_output = [metrics.get(n, []) for n in names]
        elif (
            len(names) > 1
            and isinstance(metrics, (list, tuple))
            and metrics
            and isinstance(metrics[0], (list, tuple))
        ):
            per_output = list(metrics)
        else:
            per_output = [metrics] * len(names) if len(names) == 1 else [metrics for _ in names]
        resolved = []
        for index, items in enumerate(per_output):
            items = (
                [items] if isinstance(items, (str, keras_metrics.Metric)) or callable(items) else list(items)
            )
            loss = self.losses[index]
            resolved.append([keras_metrics.get(item, loss) for item in items])
        return resolved


def compile_model(model, optimizer, loss, metrics, loss_weights, unsupported):
    ignored = ("run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss", "weighted_metrics")
    unsupported = {k: v for k, v in unsupported.items() if v is not None and k not in ignored}
    if unsupported:
        raise TypeError(f"compile: unsupported argument(s) {', '.join(sorted(unsupported))}")
    if loss is None:
        raise ValueError("compile: a loss is required, e.g. loss='categorical_crossentropy'")
    model.compile_config = CompileConfig(model, optimizer, loss, metrics, loss_weights)
    model.optimizer = model.compile_config.optimizer
    model.compiled = True


def _check_compiled(model, where):
    if getattr(model, "compile_config", None) is None:
        raise RuntimeError(f"You must compile your model before {where}: call model.compile(optimizer, loss)")


# ----- metrics through the Trainer ------------------------------------------------------------------
class _MetricAdapter:
    """A Keras metric as the Trainer's ``f(output_array, target_array)`` (see the docstring)."""

    def __init__(self, metric, index, run, name):
        self.train_metric = metric
        self.eval_metric = metric.clone()
        self.index, self.run, self.name = index, run, name
        self.seen = {True: 0, False: 0}
        self.last = {True: 0.0, False: 0.0}

    def reset(self, training=None):
        for mode in (True, False) if training is None else (training,):
            (self.train_metric if mode else self.eval_metric).reset_state()
            self.seen[mode], self.last[mode] = 0, 0.0

    def __call__(self, output, target):
        run = self.run
        training = bool(run.model.training)
        output, target = run.select(output, target, self.index)
        metric = self.train_metric if training else self.eval_metric
        metric.update_state(target, output)
        n = len(output)
        result = float(metric.result())
        seen = self.seen[training] + n
        value = (result * seen - self.last[training] * self.seen[training]) / max(n, 1)
        self.seen[training], self.last[training] = seen, result
        return value


class _OutputLoss(keras_metrics.Metric):
    """The mean over the epoch of one output's loss (unweighted), for the logs."""

    def __init__(self, loss, name):
        self.loss = loss
        super().__init__(name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        with grad_mode.no_grad():
            value = self.loss.compute(
                Tensor(np.asarray(y_pred)), Tensor(np.asarray(y_true)), self.loss.from_logits
            )
        n = len(y_pred)
        self.total += float(value.array) * n
        self.count += n

    def clone(self):
        return _OutputLoss(self.loss, self.name)


class _MetricReset(Callback):
    def __init__(self, adapters):
        self.adapters = adapters

    def on_epoch_begin(self, epoch, logs=None):
        for adapter_ in self.adapters:
            adapter_.reset()


class _SyncStopTraining(Callback):
    """Lets Keras-style callbacks stop training with ``self.model.stop_training = True``."""

    def on_train_begin(self, logs=None):
        self.trainer.model.stop_training = False

    def on_epoch_end(self, epoch, logs=None):
        if self.trainer.model.stop_training:
            self.trainer.stop_training = True


# ----- one run: data layout, loss and metrics -----------------------------------------------------
class Run:
    """The data layout and loss of one fit/evaluate: packings, fusion, metric adapters."""

    def __init__(self, model):
        self.model = model
        self.config = model.compile_config
        self.input_names = model.input_names()
        self.input_dtypes = model.input_dtypes()
        self.output_names = self.config.output_names
        self.input_packing = self.target_packing = self.output_packing = None
        self.fused = self._fusion()
        self.adapters = []
        multi = len(self.output_names) > 1
        if multi:  # Keras logs each output's loss beside the total
            for index, (name, loss) in enumerate(zip(self.output_names, self.config.losses)):
                if loss is not None:
                    self.adapters.append(
                        _MetricAdapter(_OutputLoss(loss, f"{name}_loss"), index, self, f"{name}_loss")
                    )
        for index, metrics in enumerate(self.config.metrics):
            for metric in metrics:
                name = f"{self.output_names[index]}_{metric.name}" if multi else metric.name
                self.adapters.append(_MetricAdapter(metric, index, self, name))

    def _fusion(self):
        if len(self.output_names) != 1:
            return False
        loss = self.config.losses[0]
        activation = self.model.output_activation()
        return bool(
            activation is not None
            and not loss.from_logits
            and loss.fused_activation() is not None
            and activation == loss.fused_activation()
        )

    # data --------------------------------------------------------------------------------------
    def inputs(self, x, where):
        arrays = adapter.as_list(x, self.input_names, "input", where)
        arrays = [
            adapter.conform_input(adapter.as_array(a), d, where) for a, d in zip(arrays, self.input_dtypes)
        ]
        if len(arrays) == 1:
            return arrays[0]
        if self.input_packing is None:
            self.input_packing = adapter.Packing(arrays)
        return self.input_packing.pack(arrays)

    def targets(self, y, where):
        arrays = adapter.as_list(y, self.output_names, "output", where)
        arrays = [
            loss.prepare_targets(adapter.as_array(a)) if loss is not None else adapter.as_array(a)
            for loss, a in zip(self.config.losses, arrays)
        ]
        arrays = [
            a.astype(np.float32) if a.dtype == np.float64 and self.model.compute_dtype == np.float32 else a
            for a in arrays
        ]
        if len(arrays) == 1:
            return arrays[0]
        if self.target_packing is None:
            self.target_packing = adapter.Packing(arrays)
        return self.target_packing.pack(arrays)

    def batch(self, batch, where):
        x, y = adapter.split_batch(batch, where)
        if y is None:
            raise ValueError(f"{where}: each batch must be (x, y); got inputs only")
        x, y = self.inputs(x, where), self.targets(y, where)
        if len(x) != len(y):
            raise ValueError(f"Data cardinality is ambiguous: x sizes: {len(x)}, y sizes: {len(y)}")
        return Tensor(x), Tensor(y)

    # model call, loss, metrics ------------------------------------------------------------------
    @contextlib.contextmanager
    def active(self):
        previous = (self.model._run, self.model._logits_mode)
        self.model._run, self.model._logits_mode = self, self.fused
        try:
            yield
        finally:
            self.model._run, self.model._logits_mode = previous

    def call_model(self, model, packed, kwargs):
        """The model on a Trainer batch: unpack several inputs, pack several outputs."""
        inputs = self.input_packing.unpack(packed) if self.input_packing is not None else [packed]
        output = model.call_unpacked(inputs if len(inputs) > 1 else inputs[0], **kwargs)
        if len(self.output_names) == 1:
            return output
        outputs = [output[n] for n in self.output_names] if isinstance(output, dict) else list(output)
        from mathdl import ops

        if self.output_packing is None:
            self.output_packing = adapter.Packing([o.array for o in outputs])
        n = outputs[0].shape[0]
        return ops.concatenate([o.reshape(n, -1) for o in outputs], axis=1)

    def _split(self, output, target):
        if len(self.output_names) == 1:
            return [output], [target]
        return self.output_packing.unpack(output, differentiable=True), self.target_packing.unpack(target)

    def loss(self, output, target):
        outputs, targets = self._split(output, target)
        total = None
        for loss, weight, out, tgt in zip(self.config.losses, self.config.loss_weights, outputs, targets):
            if loss is None:
                continue
            value = loss.compute(out, tgt, self.fused or loss.from_logits)
            value = value * weight if weight != 1.0 else value
            total = value if total is None else total + value
        return total

    def select(self, output, target, index):
        """Output ``index`` (probabilities, when the loss is fused) and its targets as arrays."""
        if len(self.output_names) > 1:
            output = self.output_packing.unpack_arrays(output)[index]
            target = self.target_packing.unpack_arrays(target)[index]
        elif self.fused:
            output = _ARRAY_ACTIVATIONS[self.model.output_activation()](output)
        return output, target

    def trainer(self, verbose, with_optimizer=True):
        optimizer = self.config.optimizer.build(self.model.trainable_weights) if with_optimizer else None
        metrics = [(a.name, a) for a in self.adapters]
        return Trainer(self.model, optimizer, loss_fn=self.loss, metrics=metrics, verbose=verbose)


# ----- fit / evaluate / predict ---------------------------------------------------------------------
def _array_loader(run, x, y, batch_size, shuffle, where):
    from mathdl.data import DataLoader, TensorDataset

    xs, ys = run.inputs(x, where), run.targets(y, where)
    if len(xs) != len(ys):
        raise ValueError(
            f"Data cardinality is ambiguous: x sizes: {len(xs)}, y sizes: {len(ys)}. "
            f"Make sure all arrays contain the same number of samples."
        )
    return DataLoader(TensorDataset(xs, ys), batch_size=batch_size, shuffle=shuffle), xs


def _source(run, data, steps, where):
    return adapter.StepSource(data, steps, lambda batch: run.batch(batch, where), where)


def _build_from(model, run, sample):
    if not model.built:
        model.build_from_sample(
            sample if run.input_packing is None else run.input_packing.unpack(Tensor(sample))
        )


def _split_validation(x, y, validation_split):
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
    xs = x if isinstance(x, (list, tuple, dict)) else [x]
    n = len(adapter.as_array(next(iter(xs.values())) if isinstance(xs, dict) else xs[0]))
    n_val = int(n * validation_split)
    if n_val == 0 or n_val == n:
        raise ValueError(
            f"fit: validation_split={validation_split} leaves no training or no validation samples out of {n}"
        )

    def cut(value, part):
        if isinstance(value, dict):
            return {k: cut(v, part) for k, v in value.items()}
        if isinstance(value, (list, tuple)) and not adapter._looks_like_data(value):
            return [cut(v, part) for v in value]
        array = adapter.as_array(value)
        return array[:-n_val] if part == "train" else array[-n_val:]

    return cut(x, "train"), cut(y, "train"), (cut(x, "val"), cut(y, "val"))


def fit(
    model,
    x,
    y,
    batch_size,
    epochs,
    verbose,
    callbacks,
    validation_split,
    validation_data,
    shuffle,
    initial_epoch,
    steps_per_epoch,
    validation_steps,
):
    _check_compiled(model, "training it")
    run = Run(model)
    batch_size = 32 if batch_size is None else int(batch_size)
    if adapter.is_iterable_source(x):
        if y is not None:
            raise ValueError("fit: y must not be given when x is a dataset, loader or generator")
        if validation_split:
            raise ValueError(
                "fit: validation_split is only supported for arrays, not for a loader or generator"
            )
        train = _source(run, x, steps_per_epoch, "fit")
        if train.one_shot and steps_per_epoch is None and epochs - initial_epoch > 1:
            raise ValueError(
                "fit: a generator can be iterated only once; give steps_per_epoch (batches per epoch) "
                "or a re-iterable loader to train for several epochs"
            )
    else:
        if x is None or y is None:
            raise ValueError("fit: give the training inputs x and targets y")
        if validation_split and validation_data is None:
            x, y, validation_data = _split_validation(x, y, validation_split)
        train, xs = _array_loader(run, x, y, batch_size, bool(shuffle), "fit")
        if steps_per_epoch is not None:
            train = adapter.StepSource(train, steps_per_epoch, lambda batch: batch, "fit")
        _build_from(model, run, xs[:1])
    val = _validation(run, validation_data, batch_size, validation_steps)
    callbacks = list(callbacks or []) + [_SyncStopTraining()]
    callbacks = [_MetricReset(run.adapters)] + callbacks if run.adapters else callbacks
    with run.active():
        if not model.built:
            _build_on_first_batch(model, run, train)
        trainer = run.trainer(verbose_level(verbose))
        trainer.epoch = int(initial_epoch)
        model.trainer = trainer
        try:
            history = trainer.fit(train, epochs, val_data=val, callbacks=callbacks)
        finally:
            model.eval()
    history.model = model
    history.params.update({"verbose": verbose, "batch_size": batch_size})
    model.history = history
    return history


def _build_on_first_batch(model, run, source):
    x, _ = source.peek()
    _build_from(model, run, x.array[:1])


def _validation(run, validation_data, batch_size, validation_steps):
    from mathdl.data import DataLoader, TensorDataset

    if validation_data is None:
        return None
    if adapter.is_iterable_source(validation_data):
        return _source(run, validation_data, validation_steps, "fit (validation_data)")
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ValueError(
            "fit: validation_data must be a tuple (x_val, y_val) or a loader of (x, y) batches "
            "(validation sample weights are not supported)"
        )
    xs = run.inputs(validation_data[0], "fit (validation_data)")
    ys = run.targets(validation_data[1], "fit (validation_data)")
    return DataLoader(TensorDataset(xs, ys), batch_size=batch_size)


def evaluate(model, x, y, batch_size, verbose, steps, return_dict):
    from mathdl.train.progress import ProgressLine

    _check_compiled(model, "evaluating it")
    run = Run(model)
    batch_size = 32 if batch_size is None else int(batch_size)
    samples = 0
    if adapter.is_iterable_source(x):
        data = _source(run, x, steps, "evaluate")
    else:
        data, xs = _array_loader(run, x, y, batch_size, False, "evaluate")
        samples = len(xs)
        _build_from(model, run, xs[:1])
    with run.active():
        if not model.built:
            _build_on_first_batch(model, run, data)
        for a in run.adapters:
            a.reset()
        trainer = run.trainer(0, with_optimizer=False)
        try:
            steps_total = len(data)
        except TypeError:
            steps_total = None
        progress = ProgressLine(verbose_level(verbose))
        progress.begin("evaluate", steps_total)
        logs = trainer.evaluate(data)
        progress.end(steps_total or 0, samples, logs)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size, steps):
    """The outputs for ``x`` (arrays or an iterable of batches) as arrays, in inference mode."""
    names = model.input_names()
    dtypes = model.input_dtypes()

    def conform(value):
        arrays = adapter.as_list(value, names, "input", "predict")
        arrays = [adapter.conform_input(adapter.as_array(a), d, "predict") for a, d in zip(arrays, dtypes)]
        return arrays

    if adapter.is_iterable_source(x):
        batches = (
            conform(adapter.split_batch(b, "predict")[0])
            for b in adapter.StepSource(x, steps, lambda b: b, "predict")
        )
    else:
        arrays = conform(x)
        n = len(arrays[0])
        size = 32 if batch_size is None else int(batch_size)
        batches = ([a[i : i + size] for a in arrays] for i in range(0, max(n, 1), size))
    was_training = model.training
    model.eval()
    outputs = []
    try:
        with grad_mode.no_grad():
            for batch in batches:
                out = model(batch if len(batch) > 1 else batch[0])
                outputs.append(out)
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("predict: the data yielded no batches")
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return [np.concatenate([o[i].array for o in outputs], axis=0) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: np.concatenate([o[k].array for o in outputs], axis=0) for k in first}
    return np.concatenate([o.array for o in outputs], axis=0)
