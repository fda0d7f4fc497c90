"""Keras losses, called Keras's way ``loss(y_true, y_pred)``, computed by ``mathdl.nn.functional``.

    categorical_crossentropy          ℓ = −Σ_c y_c log p_c            (one-hot / probability targets)
    sparse_categorical_crossentropy   ℓ = −log p_y                    (integer targets)
    binary_crossentropy               ℓ = −[y log p + (1 − y) log(1 − p)]
    mean_squared_error / mse          ℓ = mean((y − ŷ)²);   mean_absolute_error / mae: mean |y − ŷ|

With ``from_logits=True`` the predictions are scores and the loss applies log-softmax (or
log-sigmoid) itself, fused and stable. With probabilities, Keras clips them to [ε, 1 − ε]
(ε = 1e-7) before the log; so do we. A model whose last layer is a softmax (sigmoid) trained with
the matching cross-entropy never takes that path: ``Sequential.fit`` hands the loss the logits.
"""

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.keras.base_layer import format_shape
from mathdl.nn import functional as F

EPSILON = 1e-7


def _mismatch(name, target, output, hint=""):
    def batchless(shape):
        return format_shape((None,) + tuple(shape[1:])) if len(shape) else "()"

    return ValueError(
        f"{name}: arguments `target` and `output` must have compatible shapes. Received: "
        f"target.shape={batchless(target.shape)}, output.shape={batchless(output.shape)}{hint}"
    )


def _tensors(y_true, y_pred):
    y_pred = (
        as_tensor(y_pred)
        if not isinstance(y_pred, (list, float, int))
        else as_tensor(np.asarray(y_pred, np.float32))
    )
    y_true = as_tensor(np.asarray(y_true) if not hasattr(y_true, "array") else y_true)
    if y_true.dtype.kind == "f" and y_true.dtype != y_pred.dtype:
        y_true = y_true.astype(y_pred.dtype)
    return y_true, y_pred


def _check_common(loss, axis, reduction, name):
    if axis != -1:
        raise ValueError(f"{type(loss).__name__}: only axis=-1 is supported, got {axis}")
    if reduction != "sum_over_batch_size":
        raise ValueError(
            f"{type(loss).__name__}: only reduction='sum_over_batch_size' (the batch mean) is supported"
        )
    if name:
        loss.name = name


class Loss:
    """Base class: ``loss(y_true, y_pred)`` → scalar Tensor (mean over the batch)."""

    name = "loss"
    from_logits = False

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__}: sample_weight is not supported")
        y_true, y_pred = _tensors(y_true, y_pred)
        return self.compute(y_pred, y_true, self.from_logits)

    def get_config(self):
        """The constructor arguments (saved in ``.keras`` files)."""
        config = {"name": self.name}
        for key in ("from_logits", "label_smoothing", "ignore_class"):
            if key in vars(self):
                config[key] = getattr(self, key)
        return config

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k != "name"}
        return cls(**config)

    def compute(self, output, target, logits):
        """The batch-mean loss of ``output`` (scores if ``logits`` else probabilities/values)."""
        raise NotImplementedError(type(self).__name__)

    def fused_activation(self):
        """The output activation this loss can absorb ('softmax', 'sigmoid' or None)."""
        return None

    def prepare_targets(self, y):
        """The targets as the array the loss expects (called once per fit, not per batch)."""
        return np.asarray(y, dtype=np.float32) if np.asarray(y).dtype.kind != "f" else np.asarray(y)


class CategoricalCrossentropy(Loss):
    """Cross-entropy with one-hot (or probability) targets of the output's shape (None, C)."""

    name = "categorical_crossentropy"

    def __init__(
        self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size", name=None
    ):
        _check_common(self, axis, reduction, name)
        self.from_logits = bool(from_logits)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f"CategoricalCrossentropy: label_smoothing must be in [0, 1), got {label_smoothing}"
            )
        self.label_smoothing = float(label_smoothing)

    def fused_activation(self):
        return "softmax"

    def prepare_targets(self, y):
        """Exactly one-hot rows become their class indices (once per fit): the loss and its
        gradient p − y are the same, and the integer path skips multiplying by the zeros."""
        y = super().prepare_targets(y)
        if (
            not self.label_smoothing
            and y.ndim == 2
            and y.shape[1] > 1
            and len(y)
            and np.array_equal(y.sum(axis=1), np.ones(len(y), y.dtype))
            and np.count_nonzero(y) == len(y)
        ):
            return y.argmax(axis=1)
        return y

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__}: sample_weight is not supported")
        y_true, y_pred = _tensors(y_true, y_pred)
        if tuple(y_true.shape) != tuple(y_pred.shape):
            raise self._shape_error(y_true, y_pred)
        return self.compute(y_pred, y_true, self.from_logits)

    def _shape_error(self, target, output):
        hint = ""
        if target.ndim == output.ndim - 1 or (target.ndim == 2 and target.shape[-1] == 1):
            hint = (
                "; integer class labels need loss='sparse_categorical_crossentropy' or "
                "one-hot targets from to_categorical(labels)"
            )
        return _mismatch(self.name, target, output, hint)

    def compute(self, output, target, logits):
        if target.dtype.kind in "iu" and target.shape == output.shape[:-1]:
            # class indices made by prepare_targets from one-hot rows
            if logits:
                return F.cross_entropy(output, target)
            probabilities = output / output.sum(axis=-1, keepdims=True)
            return F.nll_loss(probabilities.clip(EPSILON, 1.0 - EPSILON).log(), target)
        if target.shape != output.shape:
            raise self._shape_error(target, output)
        if self.label_smoothing:
            classes = output.shape[-1]
            target = target * (1.0 - self.label_smoothing) + self.label_smoothing / classes
        if logits:
            return F.cross_entropy(output, target)
        probabilities = output / output.sum(axis=-1, keepdims=True)
        log_p = probabilities.clip(EPSILON, 1.0 - EPSILON).log()
        return -(target * log_p).sum(axis=-1).mean()


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy with integer class targets of shape (None,) or (None, 1)."""

    name = "sparse_categorical_crossentropy"

    def __init__(
        self, from_logits=False, ignore_class=None, axis=-1, reduction="sum_over_batch_size", name=None
    ):
        _check_common(self, axis, reduction, name)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class

    def fused_activation(self):
        return "softmax"

    def prepare_targets(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.dtype.kind == "f":
            if y.size and not np.all(np.mod(y, 1) == 0):
                raise ValueError(
                    f"{self.name}: targets must be integer class labels, got non-integer "
                    f"values of dtype {y.dtype} (one-hot targets need "
                    f"'categorical_crossentropy')"
                )
        elif y.dtype.kind not in "iu":
            raise TypeError(f"{self.name}: targets must be integer class labels, got dtype {y.dtype}")
        return y.astype(np.int64, copy=False)

    def compute(self, output, target, logits):
        labels = target.array
        if labels.shape != output.shape[:-1]:
            raise _mismatch(
                self.name,
                target,
                output,
                "; one-hot targets need loss='categorical_crossentropy'"
                if labels.shape == output.shape
                else "",
            )
        classes = output.shape[-1]
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            bad = labels.max() if labels.max() >= classes else labels.min()
            raise ValueError(
                f"{self.name}: received a label value of {int(bad)} which is outside the "
                f"valid range of [0, {classes - 1}]"
            )
        ignore = -100 if self.ignore_class is None else self.ignore_class
        if logits:
            return F.cross_entropy(output, labels, ignore_index=ignore)
        return F.nll_loss(output.clip(EPSILON, 1.0 - EPSILON).log(), labels, ignore_index=ignore)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy with 0/1 (or probability) targets, one per output."""

    name = "binary_crossentropy"

    def __init__(
        self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size", name=None
    ):
        _check_common(self, axis, reduction, name)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)

    def fused_activation(self):
        return "sigmoid"

    def compute(self, output, target, logits):
        if target.shape != output.shape:
            if np.asarray(target).size != np.asarray(output).size:
                raise _mismatch(self.name, target, output)
            target = target.reshape(output.shape)
        if self.label_smoothing:
            target = target * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        if logits:
            return F.binary_cross_entropy_with_logits(output, target)
        return F.binary_cross_entropy(output.clip(EPSILON, 1.0 - EPSILON), target)


class MeanSquaredError(Loss):
    """mean((y − ŷ)²) over all entries."""

    name = "mean_squared_error"

    def __init__(self, name=None, reduction="sum_over_batch_size"):
        if reduction != "sum_over_batch_size":
            raise ValueError(f"{type(self).__name__}: only reduction='sum_over_batch_size' is supported")
        if name:
            self.name = name

    def compute(self, output, target, logits):
        if target.shape != output.shape:
            if np.asarray(target).size != np.asarray(output).size:
                raise _mismatch(self.name, target, output)
            target = target.reshape(output.shape)
        return F.mse_loss(output, target)


class MeanAbsoluteError(MeanSquaredError):
    """mean |y − ŷ| over all entries."""

    name = "mean_absolute_error"

    def compute(self, output, target, logits):
        if target.shape != output.shape:
            if np.asarray(target).size != np.asarray(output).size:
                raise _mismatch(self.name, target, output)
            target = target.reshape(output.shape)
        return F.l1_loss(output, target)


LOSSES = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
}


def get(identifier):
    """A Loss from a name ('categorical_crossentropy', 'sparse_categorical_crossentropy',
    'binary_crossentropy', 'mse', 'mae', …) or a Loss instance; other callables
    ``f(y_true, y_pred) -> Tensor`` are wrapped."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in LOSSES:
            raise ValueError(f"unknown loss {identifier!r}; known losses: {sorted(LOSSES)}")
        return LOSSES[identifier]()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return _FunctionLoss(identifier)
    raise ValueError(f"loss must be a name, a keras.losses.Loss or a callable, got {identifier!r}")


_CLASSES = {cls.__name__: cls for cls in set(LOSSES.values())}


def serialize(loss):
    """{'class_name', 'config'} of a built-in loss object (a registered function's name)."""
    if isinstance(loss, _FunctionLoss):
        from mathdl.keras import saving

        name = saving.get_registered_name(loss.function)
        if name is None:
            raise ValueError(
                f"loss {loss.name!r} is a plain function; register it with "
                f"keras.saving.register_keras_serializable() to save the model compiled with it"
            )
        return {"class_name": "function", "config": {"registered_name": name}}
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config):
    """The loss described by ``serialize``."""
    if isinstance(config, str):
        return get(config)
    if config["class_name"] == "function":
        from mathdl.keras import saving

        return _FunctionLoss(saving.get_registered_object(config["config"]["registered_name"]))
    return _CLASSES[config["class_name"]].from_config(config["config"])


class _FunctionLoss(Loss):
    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", "loss")

    def compute(self, output, target, logits):
        loss = self.function(target, output)
        return loss.mean() if loss.ndim else loss


# ----- per-sample losses (Keras's functions: one value per sample, mean over the last axis) -----
def _per_sample(values):
    return values.mean(axis=-1) if values.ndim > 1 else values


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """−Σ_c y_c log p_c per sample."""
    from mathdl.keras import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[-1]
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """−log p_y per sample."""
    from mathdl.keras import ops

    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over the last axis of −[y log p + (1 − y) log(1 − p)]."""
    from mathdl.keras import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return _per_sample(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits))


def mean_squared_error(y_true, y_pred):
    """mean((y − ŷ)²) over the last axis."""
    y_true, y_pred = _tensors(y_true, y_pred)
    return _per_sample((y_pred - y_true.reshape(y_pred.shape)) ** 2)


def mean_absolute_error(y_true, y_pred):
    """mean |y − ŷ| over the last axis."""
    y_true, y_pred = _tensors(y_true, y_pred)
    return _per_sample((y_pred - y_true.reshape(y_pred.shape)).abs())


def huber(y_true, y_pred, delta=1.0):
    """½ e² for |e| ≤ δ, δ(|e| − ½δ) beyond, e = ŷ − y; mean over the last axis."""
    from mathdl import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    error = (y_pred - y_true.reshape(y_pred.shape)).abs()
    quadratic = ops.minimum(error, as_tensor(np.asarray(delta, dtype=error.dtype)))
    return _per_sample(0.5 * quadratic * quadratic + delta * (error - quadratic))


def kl_divergence(y_true, y_pred):
    """Σ y log(y / ŷ) over the last axis, both clipped to [1e-7, 1]."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true, y_pred = y_true.clip(EPSILON, 1.0), y_pred.clip(EPSILON, 1.0)
    return (y_true * (y_true / y_pred).log()).sum(axis=-1)


def poisson(y_true, y_pred):
    """mean(ŷ − y log(ŷ + 1e-7)) over the last axis."""
    y_true, y_pred = _tensors(y_true, y_pred)
    return _per_sample(y_pred - y_true * (y_pred + EPSILON).log())


def log_cosh(y_true, y_pred):
    """mean log cosh(ŷ − y) = e + softplus(−2e) − log 2, stable for large |e|."""
    from mathdl import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    e = y_pred - y_true.reshape(y_pred.shape)
    return _per_sample(e + ops.softplus(-2.0 * e) - float(np.log(2.0)))


def _signed(y_true):
    # Keras turns 0/1 labels into −1/+1 for the hinge losses
    array = y_true.array
    return y_true * 2.0 - 1.0 if array.size and np.all((array == 0) | (array == 1)) else y_true


def hinge(y_true, y_pred):
    """mean max(1 − y ŷ, 0) over the last axis (0/1 labels taken as ∓1)."""
    from mathdl import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    return _per_sample(ops.relu(1.0 - _signed(y_true).reshape(y_pred.shape) * y_pred))


def squared_hinge(y_true, y_pred):
    """mean max(1 − y ŷ, 0)² over the last axis."""
    from mathdl import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    margin = ops.relu(1.0 - _signed(y_true).reshape(y_pred.shape) * y_pred)
    return _per_sample(margin * margin)


def categorical_hinge(y_true, y_pred):
    """max(max_c (1 − y_c) ŷ_c − Σ_c y_c ŷ_c + 1, 0)."""
    from mathdl import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    positive = (y_true * y_pred).sum(axis=-1)
    negative = ops.amax((1.0 - y_true) * y_pred, -1)
    return ops.relu(negative - positive + 1.0)


def cosine_similarity(y_true, y_pred, axis=-1):
    """−Σ ȳ ŷ̄ along ``axis`` with both L2-normalised (−1 for aligned vectors)."""
    from mathdl.keras import ops

    y_true, y_pred = _tensors(y_true, y_pred)
    return -(ops.normalize(y_true, axis) * ops.normalize(y_pred, axis)).sum(axis=axis)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 · mean |(y − ŷ) / max(|y|, 1e-7)| over the last axis."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = y_true.reshape(y_pred.shape)
    scale = as_tensor(np.maximum(np.abs(y_true.array), EPSILON))
    return _per_sample(((y_true - y_pred) / scale).abs()) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean (log(ŷ + 1) − log(y + 1))² over the last axis (both clipped at 1e-7)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = y_true.reshape(y_pred.shape)
    e = (y_pred.clip(EPSILON, None) + 1.0).log() - (y_true.clip(EPSILON, None) + 1.0).log()
    return _per_sample(e * e)


class LossFunctionWrapper(Loss):
    """A per-sample loss function as a Loss object (batch mean)."""

    function = None

    def __init__(self, name=None, reduction="sum_over_batch_size", **kwargs):
        _check_common(self, -1, reduction, name)
        self.kwargs = kwargs

    def compute(self, output, target, logits):
        return type(self).function(target, output, **self.kwargs).mean()

    def get_config(self):
        return {"name": self.name, **self.kwargs}


def _wrapper(class_name, function, doc, **defaults):
    def __init__(self, name=None, reduction="sum_over_batch_size", **kwargs):
        LossFunctionWrapper.__init__(self, name=name, reduction=reduction, **{**defaults, **kwargs})

    cls = type(
        class_name,
        (LossFunctionWrapper,),
        {"__init__": __init__, "__doc__": doc, "function": staticmethod(function)},
    )
    cls.name = function.__name__
    return cls


Huber = _wrapper("Huber", huber, "``Huber(delta=1.0)``: see ``huber``.", delta=1.0)
KLDivergence = _wrapper("KLDivergence", kl_divergence, "Σ y log(y / ŷ): see ``kl_divergence``.")
Poisson = _wrapper("Poisson", poisson, "ŷ − y log ŷ: see ``poisson``.")
LogCosh = _wrapper("LogCosh", log_cosh, "log cosh(ŷ − y): see ``log_cosh``.")
Hinge = _wrapper("Hinge", hinge, "max(1 − y ŷ, 0): see ``hinge``.")
SquaredHinge = _wrapper("SquaredHinge", squared_hinge, "max(1 − y ŷ, 0)²: see ``squared_hinge``.")
CategoricalHinge = _wrapper("CategoricalHinge", categorical_hinge, "see ``categorical_hinge``.")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "see ``cosine_similarity``.", axis=-1)
MeanAbsolutePercentageError = _wrapper(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error, "see ``mean_absolute_percentage_error``."
)
MeanSquaredLogarithmicError = _wrapper(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "see ``mean_squared_logarithmic_error``."
)
for _cls in (
    Huber,
    KLDivergence,
    Poisson,
    LogCosh,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    CosineSimilarity,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
):
    _CLASSES[_cls.__name__] = _cls
    LOSSES[_cls.name] = _cls
LOSSES.update(
    kld=KLDivergence, mape=MeanAbsolutePercentageError, msle=MeanSquaredLogarithmicError, huber_loss=Huber
)
