"""``keras.ops`` neural-network functions and control flow (re-exported by ``keras.ops``).

Activations are ``keras.activations``' (differentiable). The losses return one value per sample
(no reduction), as Keras's ops do:

    categorical_crossentropy(y, p)         −Σ_c y_c log p_c        (p clipped to [1e-7, 1 − 1e-7])
    sparse_categorical_crossentropy(y, p)  −log p_y
    binary_crossentropy(y, p)              −[y log p + (1 − y) log(1 − p)]  (elementwise)
    from_logits=True: log softmax / log sigmoid of the scores, computed stably

``moments(x, axes)`` is (mean, population variance); ``cond``, ``fori_loop``, ``while_loop``,
``scan``, ``map`` and ``vectorized_map`` run as Python loops (eager, like Keras's NumPy backend).
"""

from mathdl import ops as md
from mathdl.keras import activations
from mathdl.keras.ops import _t, op

_EPSILON = 1e-7

relu = op(activations.relu)
relu6 = op(activations.relu6)
sigmoid = op(activations.sigmoid)
softplus = op(activations.softplus)
softsign = op(activations.softsign)
silu = op(activations.silu)
swish = silu
gelu = op(activations.gelu)
elu = op(activations.elu)
selu = op(activations.selu)
leaky_relu = op(activations.leaky_relu)
hard_sigmoid = op(activations.hard_sigmoid)
hard_silu = op(activations.hard_silu)
hard_swish = hard_silu
log_softmax = op(activations.log_softmax)


@op
def softmax(x, axis=-1):
    return md.softmax(_t(x), axis)


@op
def log_sigmoid(x):
    return -md.softplus(-_t(x))


def _log_probabilities(output, from_logits, axis):
    output = _t(output)
    if from_logits:
        return md.log_softmax(output, axis)
    output = output / md.sum(output, axis, keepdims=True)
    return md.log(md.clip(output, _EPSILON, 1.0 - _EPSILON))


@op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target = _t(target)
    log_p = _log_probabilities(output, from_logits, axis)
    return -md.sum(target.astype(log_p.dtype) * log_p, axis)


@op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    import numpy as np

    log_p = _log_probabilities(output, from_logits, axis)
    labels = np.asarray(target.array if hasattr(target, "array") else target).astype(np.int64)
    if labels.ndim == log_p.ndim:
        labels = labels.squeeze(axis)
    one_hot = np.moveaxis(np.eye(log_p.shape[axis], dtype=log_p.dtype)[labels], -1, axis)
    return -md.sum(log_p * one_hot, axis)


@op
def binary_crossentropy(target, output, from_logits=False):
    target, output = _t(target), _t(output)
    target = target.astype(output.dtype)
    if from_logits:
        # −[y log σ(z) + (1 − y) log σ(−z)] = softplus(z) − y z
        return md.softplus(output) - target * output
    p = md.clip(output, _EPSILON, 1.0 - _EPSILON)
    return -(target * md.log(p) + (1.0 - target) * md.log(1.0 - p))


@op
def moments(x, axes, keepdims=False):
    """(mean, variance) over ``axes`` (population variance)."""
    x = _t(x)
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    mean = md.mean(x, axes, keepdims=True)
    variance = md.mean((x - mean) * (x - mean), axes, keepdims=keepdims)
    return (mean if keepdims else md.squeeze(mean, axes)), variance


@op
def normalize(x, axis=-1, order=2):
    """x / ‖x‖ along ``axis`` (order 2, or 1)."""
    x = _t(x)
    if order == 2:
        return x / md.sqrt(md.maximum(md.sum(x * x, axis, keepdims=True), _t(1e-12).astype(x.dtype)))
    if order == 1:
        return x / md.maximum(md.sum(md.abs(x), axis, keepdims=True), _t(1e-12).astype(x.dtype))
    raise ValueError(f"normalize: order must be 1 or 2, got {order}")


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(pred) else false_fn()


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in [lower, upper)."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """loop_vars = body(*loop_vars) while cond(*loop_vars) (at most ``maximum_iterations`` times)."""
    single = not isinstance(loop_vars, (list, tuple))
    values = (loop_vars,) if single else tuple(loop_vars)
    count = 0
    while cond(*values) and (maximum_iterations is None or count < maximum_iterations):
        values = body(*values)
        values = (values,) if single else tuple(values)
        count += 1
    return values[0] if single else values


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """carry, y_t = f(carry, x_t) over the first axis of ``xs``; returns (carry, stacked ys)."""
    steps = range(length if xs is None else _t(xs).shape[0])
    order = reversed(steps) if reverse else steps
    carry, ys = init, []
    for t in order:
        carry, y = f(carry, None if xs is None else _t(xs)[t])
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, md.stack([_t(y) for y in ys], 0)


def map(f, xs):
    """stack([f(x) for x in xs])."""
    return md.stack([_t(f(x)) for x in _t(xs)], 0) if _t(xs).shape[0] else _t(xs)


def vectorized_map(function, elements):
    """``function`` on every element along the first axis, stacked."""
    xs = _t(elements)
    return md.stack([_t(function(xs[i])) for i in range(xs.shape[0])], 0)


__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "cond",
    "elu",
    "fori_loop",
    "gelu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "map",
    "moments",
    "normalize",
    "relu",
    "relu6",
    "scan",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "sparse_categorical_crossentropy",
    "swish",
    "vectorized_map",
    "while_loop",
]
