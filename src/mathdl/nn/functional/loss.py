"""Loss functions (``mathdl.nn.functional``), each the textbook formula, computed stably.

Shapes follow PyTorch: class scores are (N, C) or (N, C, d₁, …) with the class axis 1, integer
targets (N) or (N, d₁, …); ``reduction`` is 'mean' (default), 'sum' or 'none'.

cross_entropy is one fused op (log-softmax + negative log-likelihood): with p = softmax(z),

    ℓₙ = −w_{tₙ} log p_{n,tₙ} = w_{tₙ} (logsumexp(zₙ) − z_{n,tₙ}),      mean: Σ ℓₙ / Σ w_{tₙ}
    ∂ℓ/∂z_{n,k} = w_{tₙ} (p_{n,k} − [k = tₙ]) / Σ w_{tₙ}        (softmax minus one-hot, over N)

so the gradient needs no log and no division by probabilities.
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import elementwise, reduction
from mathdl.ops.blas_sums import sum_last
from mathdl.ops.reduction import sum as reduction_sum
from mathdl.ops.shape import unsqueeze
from mathdl.typing import TensorLike

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction_name, where):
    if reduction_name not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {REDUCTIONS}, got {reduction_name!r}")


def _reduce(loss, reduction_name):
    if reduction_name == "mean":
        return reduction.mean(loss)
    if reduction_name == "sum":
        return reduction.sum(loss)
    return loss


# ----- class-index targets: shared checks -------------------------------------------------------
def _class_targets(input, target, where, ignore_index):
    """Validate integer targets for scores ``input`` (N, C, …) or (C,); return the int array."""
    labels = target.array if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: class-index targets must be integers, got dtype {labels.dtype} "
            f"(for probability targets pass a float array shaped like the input {input.shape})"
        )
    if input.ndim == 0:
        raise ValueError(f"{where}: input must have a class axis, got a scalar")
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if labels.shape != expected:
        raise ValueError(
            f"{where}: target shape {labels.shape} does not match input shape {input.shape}: "
            f"expected {expected} (the input without its class axis 1)"
        )
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    valid = labels != ignore_index
    bad = valid & ((labels < 0) | (labels >= classes))
    if bad.any():
        label = int(labels[bad].flat[0])
        raise ValueError(
            f"{where}: target label {label} is out of range for {classes} classes "
            f"(labels must be in [0, {classes - 1}])"
        )
    return labels, valid, classes


def _class_weights(weight, classes, dtype, where):
    if weight is None:
        return None
    w = weight.array if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != (classes,):
        raise ValueError(f"{where}: weight must have shape ({classes},), one per class, got {w.shape}")
    return w.astype(dtype, copy=False)


def _sample_coefficients(labels, valid, weights, dtype, reduction_name):
    """cₙ = w_{tₙ}·[tₙ ≠ ignore] / D and dₙ = [tₙ ≠ ignore] / D, with D = Σ w_{tₙ} over the kept
    samples for 'mean' (1 otherwise): each sample's share of the loss and of its smoothing term."""
    safe = np.where(valid, labels, 0)
    kept = valid.astype(dtype)
    coefficients = kept if weights is None else np.where(valid, weights[safe], 0).astype(dtype)
    if reduction_name == "mean":
        total = coefficients.sum()
        scale = 1.0 / total if total != 0 else np.nan
        return safe, coefficients * scale, kept * scale
    return safe, coefficients, kept


def _to_class_last(array):
    """(N, C, d…) → (N·d…, C) rows (no copy for (N, C)); (C,) → (1, C)."""
    if array.ndim == 1:
        return array[None, :]
    if array.ndim == 2:
        return array
    return np.moveaxis(array, 1, -1).reshape(-1, array.shape[1])


def _from_class_last(rows, shape):
    if len(shape) <= 2:
        return rows.reshape(shape)
    moved = rows.reshape((shape[0],) + shape[2:] + (shape[1],))
    return np.ascontiguousarray(np.moveaxis(moved, -1, 1))


# ----- cross entropy ------------------------------------------------------------------------------
def _row_shift(rows, index, labels):
    """The shift cₙ (N, 1) of each row's log-sum-exp, logsumexp(zₙ) = cₙ + log Σ_c exp(z_{n,c} − cₙ).

    When all the scores lie within half the exponent range of each other (max − min below
    −½ log tiny, and low enough that C terms below 1/√tiny cannot overflow their sum), cₙ is the
    target's own score z_{n,tₙ}: every exp(z − cₙ) is then a normal number, and the sum holds
    exp(0) = 1, so log Σ ≥ 0 is the loss itself with no cancellation. Otherwise (and for NaN or ±∞ scores) cₙ is the row max, the
    textbook shift; the reduction along the short class axis it needs costs about twice the exp.
    """
    if rows.size:
        high, low = float(rows.max()), float(rows.min())
        info = np.finfo(rows.dtype)
        # each exp(z − cₙ) < 1/√tiny, and C of them must not overflow (half precision, many classes)
        bound = min(-0.5 * np.log(info.tiny), np.log(info.max) - np.log(rows.shape[1]) - 1.0)
        if high - low < bound:
            return rows[index, labels][:, None]
    return rows.max(axis=1, keepdims=True)


class CrossEntropy(Function):
    """Fused log-softmax + negative log-likelihood with class-index targets (see the module doc).

    forward(z) with z (N, C, …): loss reduced per ``reduction``; the softmax probabilities are kept
    for backward, whose fast path is one subtraction and one scaling of that array.

    Label smoothing ε mixes in the uniform target (PyTorch's definition): with
    sₙ = −Σ_c w_c log p_{n,c},  ℓ = Σₙ (1 − ε) cₙ nllₙ + (ε/C) dₙ sₙ, and
    ∂ℓ/∂z_{n,k} = (1 − ε) cₙ (p_{n,k} − [k = tₙ]) + (ε/C) dₙ (p_{n,k} Σ_c w_c − w_k).
    """

    def __init__(
        self, labels, coefficients, reduction_name, smoothing=0.0, smoothing_coefficients=None, weights=None
    ):
        self.labels, self.coefficients, self.reduction_name = labels, coefficients, reduction_name
        self.smoothing, self.smoothing_coefficients, self.weights = smoothing, smoothing_coefficients, weights

    def forward(self, z):
        rows = _to_class_last(z)
        flat_labels = self.labels.reshape(-1)
        index = np.arange(rows.shape[0])
        shifted = rows - _row_shift(rows, index, flat_labels)
        exps = np.exp(shifted)
        sums = sum_last(exps)[:, None]
        exps /= sums
        self.probabilities = exps
        picked = shifted[index, flat_labels]
        log_sums = np.log(sums)
        nll = (log_sums[:, 0] - picked).reshape(self.labels.shape)
        losses = nll * self.coefficients
        if self.smoothing:
            log_p = shifted - log_sums
            smooth = -(log_p.sum(axis=1) if self.weights is None else log_p @ self.weights)
            losses = (1.0 - self.smoothing) * losses + (self.smoothing / rows.shape[1]) * (
                smooth.reshape(self.labels.shape) * self.smoothing_coefficients
            )
        if self.reduction_name == "none":
            return losses.astype(z.dtype, copy=False)
        return np.asarray(losses.sum(), dtype=z.dtype)

    def _smoothing_direction(self, p, classes):
        """p Σ_c w_c − w, the gradient of sₙ (broadcast over rows or class-axis layouts)."""
        if self.weights is None:
            return p * float(classes) - 1.0
        return p * float(self.weights.sum()) - self.weights

    def backward(self, gy):
        z = self.inputs[0]
        axis = 1 if z.ndim > 1 else 0
        classes = z.shape[axis]
        epsilon = self.smoothing
        if grad_mode.is_grad_enabled():
            # create_graph: the same formula from differentiable ops
            onehot = np.zeros(z.shape, dtype=z.dtype)
            np.put_along_axis(onehot, np.expand_dims(self.labels, axis).astype(np.intp), 1, axis=axis)
            coefficient = Tensor(np.expand_dims(self.coefficients * (1.0 - epsilon), axis).astype(z.dtype))
            g = gy if self.reduction_name != "none" else unsqueeze(gy, axis)
            p = reduction.softmax(z, axis)
            result = (p - Tensor(onehot)) * (coefficient * g)
            if epsilon:
                shape = (-1,) + (1,) * (z.ndim - axis - 1)
                weights = None if self.weights is None else self.weights.reshape(shape)
                direction = (
                    p * float(classes) - 1.0
                    if weights is None
                    else p * float(weights.sum()) - Tensor(weights)
                )
                share = Tensor(
                    np.expand_dims(self.smoothing_coefficients * (epsilon / classes), axis).astype(z.dtype)
                )
                result = result + direction * (share * g)
            return result
        rows = self.probabilities.copy()  # kept intact: backward may run twice on one graph
        rows[np.arange(rows.shape[0]), self.labels.reshape(-1)] -= 1
        g = gy.array
        scale = (g * self.coefficients).astype(rows.dtype, copy=False).reshape(-1, 1)
        if epsilon:
            rows *= scale * (1.0 - epsilon)
            share = (g * self.smoothing_coefficients * (epsilon / classes)).astype(rows.dtype, copy=False)
            rows += self._smoothing_direction(self.probabilities, classes) * share.reshape(-1, 1)
        else:
            rows *= scale
        return Tensor(_from_class_last(rows, z.shape))


class SoftCrossEntropy(Function):
    """Cross entropy with probability targets y shaped like the scores z (class axis 1):

    ℓₙ = −Σ_c w_c y_{n,c} log softmax(zₙ)_c;       mean reduction divides by N (as PyTorch)
    ∂ℓₙ/∂z_{n,k} = p_{n,k} Σ_c w_c y_{n,c} − w_k y_{n,k},      ∂ℓₙ/∂y_{n,c} = −w_c log p_{n,c}
    """

    def __init__(self, weights, reduction_name):
        self.weights, self.reduction_name = weights, reduction_name

    def forward(self, z, y):
        axis = 1 if z.ndim > 1 else 0
        shifted = z - z.max(axis=axis, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        self.log_p = log_p
        wy = y if self.weights is None else y * self._weight_shape(z)
        losses = -(wy * log_p).sum(axis=axis)
        if self.reduction_name == "none":
            return losses
        total = losses.sum() if self.reduction_name == "sum" else losses.mean()
        return np.asarray(total, dtype=z.dtype)

    def _weight_shape(self, z):
        axis = 1 if z.ndim > 1 else 0
        return self.weights.reshape((-1,) + (1,) * (z.ndim - axis - 1))

    def backward(self, gy):
        z, y = self.inputs
        axis = 1 if z.ndim > 1 else 0
        count = max(int(np.prod(z.shape)) // z.shape[axis], 1)
        g = gy if self.reduction_name != "mean" else gy * (1.0 / count)
        if self.reduction_name == "none":
            g = unsqueeze(g, axis)
        w = Tensor(np.ones((), z.dtype)) if self.weights is None else Tensor(self._weight_shape(z))
        log_p = reduction.log_softmax(z, axis) if grad_mode.is_grad_enabled() else Tensor(self.log_p)
        gz = gy_ = None
        if z.requires_grad:
            wy = y * w
            gz = (elementwise.exp(log_p) * reduction.sum(wy, axis, keepdims=True) - wy) * g
        if y.requires_grad:
            gy_ = -(w * log_p) * g
        return gz, gy_


def cross_entropy(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between class scores (logits) and targets, like ``torch.nn.functional.cross_entropy``.

    input: (N, C), (N, C, d₁, …) or (C,) unnormalised scores. target: int class indices (N) /
    (N, d₁, …) / () in [0, C), or probabilities shaped like input. ``weight``: (C,) class weights;
    ``ignore_index``: a label whose samples contribute nothing (index targets only);
    ``label_smoothing`` ε ∈ [0, 1]: the target becomes (1 − ε)·target + ε/C (PyTorch's definition).
    Returns the mean over (weighted, non-ignored) samples, the sum, or per-sample losses ('none').

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> round(F.cross_entropy(md.zeros(1, 4), md.tensor([2])).item(), 6)   # ln 4: uniform over 4 classes
    1.386294
    """
    _check_reduction(reduction, "cross_entropy")
    input = as_tensor(input)
    if input.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must be floating-point scores, got dtype {input.dtype}")
    target_array = target.array if isinstance(target, Tensor) else np.asarray(target)
    classes = input.shape[1] if input.ndim > 1 else (input.shape[0] if input.ndim else 0)
    weights = _class_weights(weight, classes, input.dtype, "cross_entropy")
    if isinstance(label_smoothing, bool) or not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    label_smoothing = float(label_smoothing)
    if target_array.dtype.kind == "f":
        if target_array.shape != input.shape:
            raise ValueError(
                f"cross_entropy: probability targets must have the input's shape {input.shape}, "
                f"got {target_array.shape}"
            )
        target = (
            as_tensor(target, like=input)
            if isinstance(target, Tensor)
            else Tensor(target_array.astype(input.dtype))
        )
        if target.dtype != input.dtype:
            target = target.astype(input.dtype)
        if label_smoothing:
            target = target * (1.0 - label_smoothing) + label_smoothing / classes
        return SoftCrossEntropy(weights, reduction)(input, target)
    labels, valid, _ = _class_targets(input, target_array, "cross_entropy", ignore_index)
    safe, coefficients, smoothing_coefficients = _sample_coefficients(
        labels, valid, weights, input.dtype, reduction
    )
    return CrossEntropy(safe, coefficients, reduction, label_smoothing, smoothing_coefficients, weights)(
        input
    )


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities x (N, C, …) at the targets:
    ℓₙ = −w_{tₙ} x_{n,tₙ};  ∂ℓ/∂x_{n,k} = −cₙ [k = tₙ] (cₙ the sample's weight share)."""

    def __init__(self, labels, coefficients, reduction_name):
        self.labels, self.coefficients, self.reduction_name = labels, coefficients, reduction_name

    def forward(self, x):
        axis = 1 if x.ndim > 1 else 0
        picked = np.take_along_axis(x, np.expand_dims(self.labels, axis).astype(np.intp), axis=axis)
        losses = -np.squeeze(picked, axis) * self.coefficients
        if self.reduction_name == "none":
            return losses.astype(x.dtype, copy=False)
        return np.asarray(losses.sum(), dtype=x.dtype)

    def backward(self, gy):
        x = self.inputs[0]
        axis = 1 if x.ndim > 1 else 0
        pattern = np.zeros(x.shape, dtype=x.dtype)
        np.put_along_axis(
            pattern,
            np.expand_dims(self.labels, axis).astype(np.intp),
            -np.expand_dims(self.coefficients, axis).astype(x.dtype),
            axis=axis,
        )
        g = gy if self.reduction_name != "none" else unsqueeze(gy, axis)
        return Tensor(pattern) * g


def nll_loss(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: input log-probabilities (N, C, …) or (C,), target int (N, …) /
    (); ℓₙ = −w_{tₙ} input[n, tₙ]; 'mean' divides by Σ w_{tₙ} over non-ignored samples.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.nll_loss(md.tensor([[-1.0, -2.0], [-3.0, -4.0]]), md.tensor([1, 0])).item()   # −(−2 − 3) / 2
    2.5
    """
    _check_reduction(reduction, "nll_loss")
    input = as_tensor(input)
    labels, valid, classes = _class_targets(input, target, "nll_loss", ignore_index)
    weights = _class_weights(weight, classes, input.dtype, "nll_loss")
    safe, coefficients, _ = _sample_coefficients(labels, valid, weights, input.dtype, reduction)
    return NLLLoss(safe, coefficients, reduction)(input)


# ----- regression and binary losses ---------------------------------------------------------------
def _pair(input: TensorLike, target: TensorLike, where: str) -> tuple[Tensor, Tensor]:
    input = as_tensor(input)
    target = as_tensor(target, like=input)
    if input.shape != target.shape:
        raise ValueError(f"{where}: target shape {target.shape} must equal input shape {input.shape}")
    if input.dtype.kind == "f" and target.dtype != input.dtype:
        target = target.astype(input.dtype)  # a float64 target must not turn a float32 loss float64
    return input, target


def mse_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    """Squared error ℓ = (x − y)² elementwise, then reduced; input and target of the same shape.
    ∂ℓ/∂x = 2 (x − y).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.mse_loss(md.tensor([1.0, 3.0]), md.tensor([0.0, 0.0])).item()   # (1 + 9) / 2
    5.0
    """
    _check_reduction(reduction, "mse_loss")
    input, target = _pair(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    """Absolute error ℓ = |x − y| elementwise, then reduced.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.l1_loss(md.tensor([1.0, -1.0]), md.tensor([0.0, 0.0])).item()
    1.0
    """
    _check_reduction(reduction, "l1_loss")
    input, target = _pair(input, target, "l1_loss")
    return _reduce(elementwise.abs(input - target), reduction)


def huber_loss(input: TensorLike, target: TensorLike, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss, quadratic near 0 and linear beyond δ (d = x − y):

        ℓ(d) = ½ d²  if |d| ≤ δ,   δ (|d| − ½ δ)  otherwise;      ∂ℓ/∂d = clip(d, −δ, δ)

    computed as ½ q² + δ (|d| − q) with q = min(|d|, δ), the same function without a branch.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.huber_loss(md.tensor([0.5, 3.0]), md.tensor([0.0, 0.0]), reduction='none').tolist()   # ½r² inside δ=1, δ(|r| − ½δ) outside
    [0.125, 2.5]
    """
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta!r}")
    input, target = _pair(input, target, "huber_loss")
    magnitude = elementwise.abs(input - target)
    quadratic = elementwise.clip(magnitude, 0.0, float(delta))
    return _reduce(quadratic * quadratic * 0.5 + (magnitude - quadratic) * float(delta), reduction)


def smooth_l1_loss(
    input: TensorLike, target: TensorLike, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """Smooth L1: ½ d²/β if |d| < β, |d| − ½ β otherwise (= huber_loss / β; β = 0 gives L1).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.smooth_l1_loss(md.tensor([0.5, 3.0]), md.tensor([0.0, 0.0]), reduction='none').tolist()   # ½r²/β inside β=1, |r| − ½β outside
    [0.125, 2.5]
    """
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta!r}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    return huber_loss(input, target, reduction, beta) * (1.0 / beta)


def kl_div(
    input: TensorLike, target: TensorLike, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Kullback-Leibler divergence pointwise, with ``input`` = log q (log-probabilities) and
    ``target`` = p (or log p when ``log_target``):

        ℓ = p (log p − log q)     (0 where p = 0, the limit of p log p)
        ∂ℓ/∂input = −p,   ∂ℓ/∂p = log p + 1 − input   (taken as 0 where p = 0; PyTorch gives nan)

    reduction: 'mean' (over all elements, as PyTorch), 'batchmean' (sum / N — the true KL(p ‖ q)
    per sample for (N, C) inputs), 'sum' or 'none'.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> p = md.tensor([0.25, 0.75])
    >>> F.kl_div(p.log(), p, reduction='sum').item()   # KL(p ‖ p) = 0
    0.0
    """
    if reduction not in REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: reduction must be one of {REDUCTIONS + ('batchmean',)}, got {reduction!r}")
    input, target = _pair(input, target, "kl_div")
    if log_target:
        loss = elementwise.exp(target) * (target - input)
    else:
        positive = target.array > 0
        safe = elementwise.where(positive, target, 1.0)
        loss = elementwise.where(positive, target * (elementwise.log(safe) - input), 0.0)
    if reduction == "batchmean":
        return reduction_sum(loss) * (1.0 / (input.shape[0] if input.ndim else 1))
    return _reduce(loss, reduction)


class BinaryCrossEntropy(Function):
    """ℓ = −(y max(log p, −100) + (1 − y) max(log(1 − p), −100)) elementwise (PyTorch clamps the
    logs at −100 so p ∈ {0, 1} gives a finite loss);
    ∂ℓ/∂p = (p − y) / max(p (1 − p), 10⁻¹²),   ∂ℓ/∂y = max(log(1 − p), −100) − max(log p, −100)."""

    def forward(self, p, y):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log1p(-p), -100.0)
        self.log_difference = log_q - log_p
        return -(y * log_p + (1.0 - y) * log_q)

    def backward(self, gl):
        p, y = self.inputs
        gp = gy = None
        if p.requires_grad:
            gp = gl * (p - y) / elementwise.clip(p * (1.0 - p), 1e-12, None)
        if y.requires_grad:
            gy = gl * Tensor(self.log_difference)
        return gp, gy


def binary_cross_entropy(
    input: TensorLike, target: TensorLike, weight: TensorLike | None = None, reduction: str = "mean"
) -> Tensor:
    """Binary cross entropy of probabilities p ∈ [0, 1] (any shape) against targets y of the same
    shape: ℓ = −w (y log p + (1 − y) log(1 − p)) with logs clamped at −100 (as PyTorch).
    Prefer ``binary_cross_entropy_with_logits`` when you have scores: it is exact for large |x|.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> round(F.binary_cross_entropy(md.tensor([0.5, 0.5]), md.tensor([1.0, 0.0])).item(), 6)   # ln 2
    0.693147
    """
    _check_reduction(reduction, "binary_cross_entropy")
    input, target = _pair(input, target, "binary_cross_entropy")
    if input.array.size and (np.nanmin(input.array) < 0 or np.nanmax(input.array) > 1):
        raise ValueError(
            "binary_cross_entropy: all elements of input should be probabilities in [0, 1] "
            f"(got values in [{np.min(input.array):.4g}, {np.max(input.array):.4g}]); "
            "for raw scores use binary_cross_entropy_with_logits"
        )
    loss = BinaryCrossEntropy()(input, target)
    if weight is not None:
        loss = loss * as_tensor(weight, like=input)
    return _reduce(loss, reduction)


class BinaryCrossEntropyWithLogits(Function):
    """Binary cross entropy of σ(x), computed from the logit x without overflow:

        ℓ = (1 − y) x + l · softplus(−x),   l = 1 + (pos_weight − 1) y,
        softplus(−x) = log(1 + e⁻ˣ) = max(−x, 0) + log(1 + e^(−|x|))

    (with pos_weight = 1: ℓ = max(x, 0) − x y + log(1 + e^(−|x|))).
    ∂ℓ/∂x = (1 − y) − l (1 − σ(x))  (= σ(x) − y when pos_weight = 1),
    ∂ℓ/∂y = −x + (pos_weight − 1) softplus(−x).
    """

    def __init__(self, pos_weight):
        self.pos_weight = pos_weight

    def forward(self, x, y):
        softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        if self.pos_weight is None:
            return (1.0 - y) * x + softplus_neg
        self.softplus_neg = softplus_neg
        return (1.0 - y) * x + (1.0 + (self.pos_weight - 1.0) * y) * softplus_neg

    def backward(self, gl):
        x, y = self.inputs
        gx = gy = None
        if x.requires_grad:
            if self.pos_weight is None:
                gx = gl * (elementwise.sigmoid(x) - y)
            else:
                pw = Tensor(self.pos_weight)
                gx = gl * ((1.0 - y) - (1.0 + (pw - 1.0) * y) * (1.0 - elementwise.sigmoid(x)))
        if y.requires_grad:
            if self.pos_weight is None:
                gy = -(gl * x)
            else:
                softplus_neg = elementwise.relu(-x) + elementwise.log(
                    1.0 + elementwise.exp(-elementwise.abs(x))
                )
                gy = gl * (Tensor(self.pos_weight - 1.0) * softplus_neg - x)
        return gx, gy


def binary_cross_entropy_with_logits(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    reduction: str = "mean",
    pos_weight: TensorLike | None = None,
) -> Tensor:
    """Binary cross entropy of σ(input) against target (same shape), computed stably from the
    logits: ℓ = w (max(x, 0) − x y + log(1 + e^(−|x|))). ``pos_weight`` (broadcast over the last
    axis, one per class) multiplies the positive term, as in PyTorch.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> round(F.binary_cross_entropy_with_logits(md.tensor([0.0]), md.tensor([1.0])).item(), 6)   # ln 2
    0.693147
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    input, target = _pair(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is not None:
        pos_weight = np.asarray(
            pos_weight.array if isinstance(pos_weight, Tensor) else pos_weight, dtype=input.dtype
        )
        try:
            np.broadcast_shapes(pos_weight.shape, input.shape)
        except ValueError:
            raise ValueError(
                f"binary_cross_entropy_with_logits: pos_weight of shape {pos_weight.shape} "
                f"does not broadcast with input {input.shape}"
            ) from None
    loss = BinaryCrossEntropyWithLogits(pos_weight)(input, target)
    if weight is not None:
        loss = loss * as_tensor(weight, like=input)
    return _reduce(loss, reduction)
