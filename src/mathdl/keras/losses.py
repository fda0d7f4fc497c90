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

from mathdl.keras.layers import format_shape
from mathdl.nn import functional as F

EPSILON = 1e-7


def _mismatch(name, target, output, hint=""):
    def batchless(shape):
        return format_shape((None,) + tuple(shape[1:])) if len(shape) else "()"

    return ValueError(
        f"{name}: arguments `target` and `output` must have compatible shapes. Received: "
        f"target.shape={batchless(target.shape)}, output.shape={batchless(output.shape)}{hint}"
    )


class Loss:
    """Base class: ``loss(y_true, y_pred)`` → scalar Tensor (mean over the batch)."""

    name = "loss"
    from_logits = False

    def __call__(self, y_true, y_pred):
        return self.compute(y_pred, y_true, self.from_logits)

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

    def __init__(self, from_logits=False, label_smoothing=0.0):
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

    def __call__(self, y_true, y_pred):
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

    def __init__(self, from_logits=False, ignore_class=None):
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

    def __init__(self, from_logits=False, label_smoothing=0.0):
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


class _FunctionLoss(Loss):
    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", "loss")

    def compute(self, output, target, logits):
        return self.function(target, output)


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Per-batch mean categorical cross-entropy (a functional form of the class)."""
    return CategoricalCrossentropy(from_logits)(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Per-batch mean sparse categorical cross-entropy."""
    return SparseCategoricalCrossentropy(from_logits)(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    """Per-batch mean binary cross-entropy."""
    return BinaryCrossentropy(from_logits)(y_true, y_pred)
