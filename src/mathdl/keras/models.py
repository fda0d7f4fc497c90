"""``keras.models.Sequential``: a stack of Keras layers with ``compile``/``fit``/``evaluate``/
``predict``/``summary``, trained by ``mathdl.train.Trainer``.

    network = models.Sequential()
    network.add(layers.Dense(512, activation='relu', input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation='softmax'))
    network.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
    network.fit(train_images, train_labels, epochs=5, batch_size=128)

A softmax (or sigmoid) output trained with the matching cross-entropy is fused: during ``fit``
and ``evaluate`` the last layer returns its logits z and the loss is computed from
log softmax(z) = z − logsumexp(z), whose gradient p − y never forms log(p) of a rounded
probability. ``predict`` returns the probabilities.
"""

import contextlib

import numpy as np

from mathdl import backend, nn
from mathdl.autograd import grad_mode
from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.keras import losses as keras_losses
from mathdl.keras import optimizers as keras_optimizers
from mathdl.keras.layers import InputLayer, Layer, format_shape, unique_name
from mathdl.train import metrics as train_metrics
from mathdl.train.callbacks import Callback
from mathdl.train.loop import Trainer
from mathdl.train.progress import ProgressLine


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return verbose


def _mean_absolute_error(output, target):
    return float(np.mean(np.abs(output - target.reshape(output.shape))))


def _mean_squared_error(output, target):
    return float(np.mean(np.square(output - target.reshape(output.shape))))


class _SyncStopTraining(Callback):
    """Lets Keras-style callbacks stop training with ``self.model.stop_training = True``."""

    def on_train_begin(self, logs=None):
        self.trainer.model.stop_training = False

    def on_epoch_end(self, epoch, logs=None):
        if self.trainer.model.stop_training:
            self.trainer.stop_training = True


class Sequential(nn.Module):
    """A linear stack of layers. ``Sequential(layers=None, name=None)``; ``add(layer)``."""

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__()
        self.name = name or unique_name("sequential")
        self.trainable = trainable
        self._stack = []
        self._input_shape = None
        self.built = False
        self.compiled = False
        self.compiled_loss = None
        self.optimizer = None
        self._metric_specs = []
        self._fused = False
        self._logits_mode = False
        self.stop_training = False
        self.history = None
        for layer in layers or ():
            self.add(layer)

    # ----- structure -----------------------------------------------------------------------
    @property
    def layers(self):
        """The layers, in order (not counting an ``Input``)."""
        return list(self._stack)

    def add(self, layer):
        """Append ``layer``; an ``Input``/``InputLayer`` (only first) declares the input shape."""
        if isinstance(layer, InputLayer):
            if self._stack or self._input_shape is not None:
                raise ValueError("Sequential: an Input can only be the first element of the model")
            self._input_shape = layer.shape
            return
        if not isinstance(layer, (Layer, Sequential)):
            raise TypeError(
                f"Only instances of keras Layer can be added to a Sequential model. Received: "
                f"{layer!r} (of type {type(layer).__name__})"
            )
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model."
            )
        if not self._stack and self._input_shape is None and layer.declared_input_shape is not None:
            self._input_shape = (None,) + layer.declared_input_shape
        self._stack.append(layer)
        # registered by position, as nn.Sequential: state_dict keys ('0.linear.weight', …) are the
        # same for every instance of an architecture, so saved weights load into a fresh model
        self.add_module(str(len(self._stack) - 1), layer)
        self.built = False
        if self._input_shape is not None:
            self.build(self._input_shape)

    def pop(self):
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        delattr(self, str(len(self._stack)))
        self.built = bool(self._stack) and self.built
        return layer

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index``."""
        if index is not None:
            if not -len(self._stack) <= index < len(self._stack):
                raise ValueError(f"get_layer: index {index} is out of range for {len(self._stack)} layers")
            return self._stack[index]
        for layer in self._stack:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[layer.name for layer in self._stack]}"
        )

    def build(self, input_shape=None):
        """Create every layer's weights for inputs of ``input_shape`` (batch axis first, None)."""
        if input_shape is None:
            input_shape = self._input_shape
        if input_shape is None:
            raise ValueError("Sequential.build: give the input shape, e.g. build((None, 784))")
        shape = (None,) + tuple(input_shape[1:])
        self._input_shape = shape
        for layer in self._stack:
            shape = layer.build_for(shape)
        self.built = bool(self._stack)
        return shape

    @property
    def input_shape(self):
        """The model's input shape (None, …), or None before it is known."""
        return self._input_shape

    @property
    def output_shape(self):
        """The last layer's output shape (None, …) of a built model."""
        if not self.built:
            raise AttributeError("The model has not been built yet, so it has no output shape")
        return self._stack[-1].output_shape

    # ----- a Sequential is itself usable as a layer (Sequential([model, layers.Softmax()])) --
    @property
    def declared_input_shape(self):
        """The input shape without the batch axis (for nesting this model as a layer)."""
        return None if self._input_shape is None else tuple(self._input_shape[1:])

    @property
    def activation_name(self):
        """The last layer's activation (lets fit fuse it into the loss when nested last)."""
        return getattr(self._stack[-1], "activation_name", None) if self._stack else None

    def build_for(self, input_shape):
        """Build for ``input_shape`` if needed (checking it otherwise); returns the output shape."""
        if not self.built:
            return self.build(input_shape)
        self.check_input_shape(input_shape)
        return self.output_shape

    def check_input_shape(self, input_shape):
        """Raise Keras's incompatibility error unless the model takes ``input_shape``."""
        if tuple(input_shape[1:]) != self._input_shape[1:]:
            self._input_mismatch(input_shape)

    def forward(self, x, logits=None):
        """Apply the layers in order; x (N, …) → the last layer's output (its logits while
        ``fit``/``evaluate`` fuse the output activation into the loss, or with ``logits=True``)."""
        logits = self._logits_mode if logits is None else logits
        x = as_tensor(x)
        if not self._stack:
            raise ValueError("Sequential: the model has no layers; add some with model.add(...)")
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        elif x.shape[1:] != self._input_shape[1:]:
            self._input_mismatch(x.shape)
        last = len(self._stack) - 1
        for index, layer in enumerate(self._stack):
            if index == last and logits:
                x = layer.forward(x, logits=True)
            else:
                x = layer.forward(x)
        return x

    def _input_mismatch(self, shape):
        first = self._stack[0]
        first.check_input_shape(shape)
        raise ValueError(
            f"Input 0 of layer {first.name} is incompatible: expected shape "
            f"{format_shape(self._input_shape)}, found {format_shape((None,) + tuple(shape[1:]))}"
        )

    def _check_data(self, x, where):
        if self.built and x.shape[1:] != self._input_shape[1:]:
            self._input_mismatch(x.shape)
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))

    # ----- compile / fit / evaluate / predict ----------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, **unsupported):
        """Choose the optimiser (a name or ``keras.optimizers`` instance), the loss (a name,
        ``keras.losses`` instance or ``f(y_true, y_pred)``) and metrics (e.g. ['accuracy'])."""
        ignored = ("run_eagerly", "jit_compile", "steps_per_execution")  # execution hints: no meaning here
        unsupported = {k: v for k, v in unsupported.items() if v is not None and k not in ignored}
        if unsupported or loss_weights is not None:
            raise TypeError(
                f"compile: unsupported argument(s) {', '.join(sorted(unsupported) or ['loss_weights'])}"
            )
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='categorical_crossentropy'")
        self.optimizer = keras_optimizers.get(optimizer)
        self.compiled_loss = keras_losses.get(loss)
        if isinstance(metrics, str):
            metrics = [metrics]
        self._metric_specs = list(metrics or [])
        for metric in self._metric_specs:
            if not callable(metric) and metric not in (
                "accuracy",
                "acc",
                "mae",
                "mse",
                "mean_absolute_error",
                "mean_squared_error",
            ):
                raise ValueError(
                    f"compile: unknown metric {metric!r}; known: 'accuracy', 'acc', 'mae', 'mse' "
                    f"or a callable f(y_pred_array, y_true_array) -> float"
                )
        self.compiled = True

    def _fusion(self):
        """True when the last layer's activation is absorbed into the loss during training."""
        loss = self.compiled_loss
        last = self._stack[-1] if self._stack else None
        activation = getattr(last, "activation_name", None)
        return (
            not loss.from_logits
            and loss.fused_activation() is not None
            and activation == loss.fused_activation()
        )

    def _resolve_metrics(self, logits):
        loss = self.compiled_loss
        resolved = []
        for metric in self._metric_specs:
            if callable(metric):
                resolved.append(train_metrics.get_metric(metric))
            elif metric in ("accuracy", "acc"):
                binary = isinstance(loss, keras_losses.BinaryCrossentropy) or (
                    self.built and self.output_shape[-1] == 1
                )
                if binary:
                    threshold = 0.0 if logits else 0.5

                    def binary_accuracy(output, target, threshold=threshold):
                        return train_metrics.binary_accuracy(output, target, threshold)

                    resolved.append((metric, binary_accuracy))
                else:
                    resolved.append((metric, train_metrics.accuracy))
            elif metric in ("mae", "mean_absolute_error"):
                resolved.append((metric, _mean_absolute_error))
            else:
                resolved.append((metric, _mean_squared_error))
        return resolved

    def _check_compiled(self, where):
        if self.compiled_loss is None:
            raise RuntimeError(
                f"You must compile your model before {where}: call model.compile(optimizer, loss)"
            )

    def _prepare(self, x, y, where):
        x = x.array if isinstance(x, Tensor) else np.asarray(x)
        if self._stack and getattr(self._stack[0], "takes_indices", False):
            if x.dtype.kind not in "iu" and not (x.size == 0 or np.all(np.mod(x, 1) == 0)):
                raise ValueError(
                    f"{where}: the first layer ({self._stack[0].name}) takes integer indices, "
                    f"got non-integer values of dtype {x.dtype}"
                )
            x = x.astype(np.int64, copy=False)
        elif x.dtype.kind not in "f" or x.dtype != backend.get_default_dtype():
            x = x.astype(backend.get_default_dtype())
        if x.ndim < 1:
            raise ValueError(f"{where}: x must have a first (sample) axis, got shape {x.shape}")
        if y is None:
            return x, None
        y = self.compiled_loss.prepare_targets(y.array if isinstance(y, Tensor) else y)
        if y.dtype.kind == "f" and y.dtype != x.dtype:
            y = y.astype(x.dtype)
        if len(x) != len(y):
            raise ValueError(
                f"Data cardinality is ambiguous: x sizes: {len(x)}, y sizes: {len(y)}. Make "
                f"sure all arrays contain the same number of samples."
            )
        self._check_data(x, where)
        return x, y

    def _loss(self, fused):
        loss = self.compiled_loss
        logits = fused or loss.from_logits

        def loss_fn(output, target):
            return loss.compute(output, target, logits)

        return loss_fn

    @contextlib.contextmanager
    def _fused_outputs(self, fused):
        previous = self._logits_mode
        self._logits_mode = fused
        try:
            yield
        finally:
            self._logits_mode = previous

    def _trainer(self, verbose):
        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling "
                "`build()` or by calling the model on a batch of data."
            )
        fused = self._fusion()
        # layers with trainable=False are left out, so the update never touches them (Keras's freezing)
        optimizer = self.optimizer.build(self.trainable_weights)
        metrics = self._resolve_metrics(fused or self.compiled_loss.from_logits)
        return Trainer(self, optimizer, loss_fn=self._loss(fused), metrics=metrics, verbose=verbose), fused

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        initial_epoch=0,
        **unsupported,
    ):
        """Train for ``epochs`` epochs on arrays ``x``, ``y`` in mini-batches of ``batch_size``
        (32), reshuffled every epoch; ``validation_data=(x_val, y_val)`` or ``validation_split``
        (the last fraction of x, y, taken before shuffling) adds ``val_*`` entries. Returns a
        ``History`` (``history.history['loss']``, ``['accuracy']``, ``['val_loss']`` …)."""
        from mathdl.data import DataLoader, TensorDataset

        unsupported = {k: v for k, v in unsupported.items() if v is not None}
        if unsupported:
            raise TypeError(f"fit: unsupported argument(s) {', '.join(sorted(unsupported))}")
        self._check_compiled("training it")
        if x is None or y is None:
            raise ValueError("fit: give the training inputs x and targets y")
        batch_size = 32 if batch_size is None else batch_size
        x, y = self._prepare(x, y, "fit")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        val_loader = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError(
                    "fit: validation_data must be a tuple (x_val, y_val) (validation sample "
                    "weights are not supported)"
                )
            x_val, y_val = self._prepare(validation_data[0], validation_data[1], "fit (validation_data)")
            val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=batch_size)
        elif validation_split > 0:
            n_val = int(len(x) * validation_split)
            if n_val == 0 or n_val == len(x):
                raise ValueError(
                    f"fit: validation_split={validation_split} leaves no training or no "
                    f"validation samples out of {len(x)}"
                )
            val_loader = DataLoader(TensorDataset(x[-n_val:], y[-n_val:]), batch_size=batch_size)
            x, y = x[:-n_val], y[:-n_val]
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=bool(shuffle))
        trainer, fused = self._trainer(_verbose(verbose))
        trainer.epoch = int(initial_epoch)
        callbacks = list(callbacks or []) + [_SyncStopTraining()]
        with self._fused_outputs(fused):
            history = trainer.fit(loader, epochs, val_data=val_loader, callbacks=callbacks)
        history.model = self
        history.params.update({"verbose": verbose, "batch_size": batch_size})
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", return_dict=False, **unsupported):
        """The loss (and metrics) on ``x``, ``y``: a float without metrics, else
        ``[loss, metric, …]`` (a dict with ``return_dict=True``)."""
        from mathdl.data import DataLoader, TensorDataset

        unsupported = {k: v for k, v in unsupported.items() if v is not None}
        if unsupported:
            raise TypeError(f"evaluate: unsupported argument(s) {', '.join(sorted(unsupported))}")
        self._check_compiled("evaluating it")
        x, y = self._prepare(x, y, "evaluate")
        batch_size = 32 if batch_size is None else batch_size
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size)
        trainer, fused = self._trainer(0)
        progress = ProgressLine(_verbose(verbose))
        progress.begin("evaluate", len(loader))
        with self._fused_outputs(fused):
            logs = trainer.evaluate(loader)
        progress.end(len(loader), len(x), logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto"):
        """The model's outputs (probabilities after a softmax layer) for ``x``, as a NumPy array,
        computed in batches of ``batch_size`` (32) in inference mode."""
        x, _ = self._prepare(x, None, "predict")
        self._check_data(x, "predict")
        batch_size = 32 if batch_size is None else int(batch_size)
        was_training = self.training
        self.eval()
        outputs = []
        try:
            with grad_mode.no_grad(), self._fused_outputs(False):
                for start in range(0, len(x), batch_size):
                    outputs.append(self.forward(Tensor(x[start : start + batch_size])).array)
        finally:
            self.train(was_training)
        if not outputs:
            return np.zeros((0,) + tuple(self.output_shape[1:]), dtype=x.dtype)
        return np.concatenate(outputs, axis=0)

    # ----- weights and description ---------------------------------------------------------
    def count_params(self):
        """The number of scalars in all weights (BatchNormalization's moving statistics included)."""
        return int(sum(layer.count_params() for layer in self._stack))

    def count_trainable_params(self):
        """The number of scalars the optimiser updates."""
        return int(sum(layer.count_trainable_params() for layer in self._stack)) if self.trainable else 0

    @property
    def trainable_weights(self):
        """The Parameters of the layers whose ``trainable`` is True (those ``fit`` updates)."""
        if not self.trainable:
            return []
        return [
            p
            for layer in self._stack
            if layer.trainable
            for p in (layer.trainable_weights if isinstance(layer, Sequential) else layer.parameters())
        ]

    def weight_tensors(self):
        """Every layer's weight Tensors, in order."""
        return [t for layer in self._stack for t in layer.weight_tensors()]

    def get_weights(self):
        """All layers' weights in Keras's layout, in order."""
        return [w for layer in self._stack for w in layer.get_weights()]

    def set_weights(self, weights):
        """Set all weights from arrays in Keras's layout (as ``get_weights`` returns)."""
        weights = list(weights)
        expected = len(self.weight_tensors())
        if len(weights) != expected:
            raise ValueError(f"set_weights: the model has {expected} weight arrays, got {len(weights)}")
        for layer in self._stack:
            count = len(layer.weight_tensors())
            layer.set_weights(weights[:count])
            weights = weights[count:]

    def save_weights(self, filepath):
        """Save the weights (``state_dict``) with ``mathdl.save`` (npz, no pickle, atomic)."""
        from mathdl import io

        io.save(dict(self.state_dict()), filepath)

    def load_weights(self, filepath):
        """Load weights written by ``save_weights`` into this (built) model."""
        from mathdl import io

        self.load_state_dict(io.load(filepath))

    def summary(self, print_fn=None, line_length=65):
        """Print the layer table: name (type), output shape, parameter count, and totals."""
        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling "
                "`build()` or by calling the model on a batch of data."
            )
        print_fn = print_fn or print
        widths = (29, 26, line_length - 55)

        def row(*cells):
            return "".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

        lines = [
            f'Model: "{self.name}"',
            "_" * line_length,
            row("Layer (type)", "Output Shape", "Param #"),
            "=" * line_length,
        ]
        for index, layer in enumerate(self._stack):
            lines.append(
                row(
                    f"{layer.name} ({type(layer).__name__})",
                    format_shape(layer.output_shape),
                    f"{layer.count_params():,}",
                )
            )
            lines.append("=" * line_length if index == len(self._stack) - 1 else "")
        total = self.count_params()
        trainable = self.count_trainable_params()
        itemsize = backend.get_default_dtype().itemsize

        def size(count):
            value, unit = count * itemsize, "Byte"
            for unit in ("Byte", "KB", "MB", "GB"):
                if value < 1024 or unit == "GB":
                    break
                value /= 1024
            return f"{value:.2f} {unit}"

        lines += [
            f"Total params: {total:,} ({size(total)})",
            f"Trainable params: {trainable:,} ({size(trainable)})",
            f"Non-trainable params: {total - trainable:,} ({size(total - trainable)})",
            "_" * line_length,
        ]
        for line in lines:
            print_fn(line)

    def extra_repr(self):
        return f"name={self.name!r}"
