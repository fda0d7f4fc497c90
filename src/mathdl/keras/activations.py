"""``keras.activations``: Keras 3's activation functions on Tensors (differentiable), by name
or as functions, with Keras's defaults:

    relu(x, negative_slope=0, max_value=None, threshold=0)   x ≥ threshold: min(x, max_value); else slope·(x − threshold)
    leaky_relu(x, negative_slope=0.2)      elu(x, alpha=1)      selu(x)  (λ = 1.0507…, α = 1.6732…)
    gelu(x, approximate=False)  x Φ(x)     softplus  log(1 + eˣ)     softsign  x / (1 + |x|)
    silu / swish  x σ(x)        hard_sigmoid  relu6(x + 3) / 6      hard_silu  x · hard_sigmoid(x)
    softmax(x, axis=-1)         log_softmax(x, axis=-1)             exponential  eˣ    linear  x

    >>> import numpy as np
    >>> from mathdl.keras import activations
    >>> activations.relu(np.array([-2.0, 0.5, 9.0]), max_value=6.0).tolist()
    [0.0, 0.5, 6.0]
"""

import numpy as np

from mathdl import ops
from mathdl.autograd.function import as_tensor
from mathdl.nn import functional as F


def _zero(x):
    """A zero of ``x``'s dtype (not 0 · x, which is −0 for negative x)."""
    from mathdl.autograd.tensor import Tensor

    return Tensor(np.zeros((), dtype=x.dtype))


def _t(x):
    return as_tensor(x if not isinstance(x, (list, float, int)) else np.asarray(x, dtype=np.float32))


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's generalised ReLU (see the module docstring)."""
    x = _t(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return F.relu(x)
    shifted = x - threshold if threshold else x
    positive = ops.where(x.array >= threshold, x, _zero(x))
    if max_value is not None:
        positive = ops.minimum(positive, as_tensor(np.asarray(max_value, dtype=x.dtype)))
    if negative_slope:
        positive = positive + ops.where(x.array < threshold, negative_slope * shifted, _zero(x))
    return positive


def leaky_relu(x, negative_slope=0.2):
    """x for x ≥ 0, negative_slope · x otherwise."""
    return F.leaky_relu(_t(x), negative_slope)


def relu6(x):
    """min(max(x, 0), 6)."""
    return F.relu6(_t(x))


def sigmoid(x):
    """1 / (1 + e⁻ˣ)."""
    return F.sigmoid(_t(x))


def tanh(x):
    """tanh x."""
    return F.tanh(_t(x))


def softmax(x, axis=-1):
    """exp(x − max) / Σ exp(x − max) along ``axis``."""
    return ops.softmax(_t(x), axis)


def log_softmax(x, axis=-1):
    """x − logsumexp(x) along ``axis``."""
    return ops.log_softmax(_t(x), axis)


def elu(x, alpha=1.0):
    """x for x > 0, α (eˣ − 1) otherwise."""
    return F.elu(_t(x), alpha)


def selu(x):
    """λ elu(x, α) with Klambauer et al.'s λ and α."""
    return F.selu(_t(x))


def gelu(x, approximate=False):
    """x Φ(x) (exact; the tanh approximation with ``approximate=True``)."""
    return F.gelu(_t(x), approximate="tanh" if approximate else "none")


def softplus(x):
    """log(1 + eˣ), computed stably."""
    return ops.softplus(_t(x))


def softsign(x):
    """x / (1 + |x|)."""
    return F.softsign(_t(x))


def silu(x):
    """x σ(x) (also called swish)."""
    return F.silu(_t(x))


swish = silu


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition)."""
    return F.relu6(_t(x) + 3.0) / 6.0


def hard_silu(x):
    """x · hard_sigmoid(x)."""
    x = _t(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x):
    """x tanh(softplus(x))."""
    return F.mish(_t(x))


def celu(x, alpha=1.0):
    """max(x, 0) + min(0, α (e^(x/α) − 1))."""
    return F.celu(_t(x), alpha)


def glu(x, axis=-1):
    """a ⊙ σ(b) for the two halves a, b of ``axis``."""
    return F.glu(_t(x), axis)


def hard_tanh(x):
    """clip(x, −1, 1)."""
    return F.hardtanh(_t(x))


def tanh_shrink(x):
    """x − tanh x."""
    return F.tanhshrink(_t(x))


def log_sigmoid(x):
    """log σ(x) = −softplus(−x)."""
    return F.logsigmoid(_t(x))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = _t(x)
    return ops.where(np.abs(x.array) > threshold, x, _zero(x))


def soft_shrink(x, threshold=0.5):
    """sign(x) · max(|x| − threshold, 0)."""
    x = _t(x)
    return x - ops.clip(x, -threshold, threshold)


def squareplus(x, b=4):
    """(x + √(x² + b)) / 2."""
    x = _t(x)
    return (x + ops.sqrt(x * x + float(b))) * 0.5


def sparse_plus(x):
    """0 for x ≤ −1, (x + 1)²/4 for |x| < 1, x for x ≥ 1."""
    x = _t(x)
    middle = (x + 1.0) * (x + 1.0) * 0.25
    return ops.where(x.array >= 1.0, x, ops.where(x.array <= -1.0, _zero(x), middle))


def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value``."""
    x = _t(x)
    return ops.where(x.array > threshold, x, _zero(x) + float(default_value))


def exponential(x):
    """eˣ."""
    return ops.exp(_t(x))


def linear(x):
    """The identity."""
    return _t(x)


ALL = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "relu6": relu6,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "elu": elu,
    "selu": selu,
    "gelu": gelu,
    "softplus": softplus,
    "softsign": softsign,
    "silu": silu,
    "swish": silu,
    "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu,
    "hard_swish": hard_silu,
    "mish": mish,
    "exponential": exponential,
    "celu": celu,
    "glu": glu,
    "hard_tanh": hard_tanh,
    "tanh_shrink": tanh_shrink,
    "log_sigmoid": log_sigmoid,
    "hard_shrink": hard_shrink,
    "soft_shrink": soft_shrink,
    "squareplus": squareplus,
    "sparse_plus": sparse_plus,
    "linear": linear,
}


def get(identifier):
    """The activation function for a name ('relu', …), None (linear) or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in ALL:
            raise ValueError(f"unknown activation {identifier!r}; known: {sorted(ALL)} or a callable")
        return ALL[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(f"unknown activation {identifier!r}; known: {sorted(ALL)} or a callable")


def serialize(activation):
    """The name of an activation function (what configs store)."""
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        get(activation)
        return activation
    for name, function in ALL.items():
        if function is activation:
            return name
    name = getattr(activation, "__name__", None)
    from mathdl.keras import saving

    registered = saving.get_registered_name(activation)
    if registered is not None:
        return registered
    raise ValueError(
        f"activation {activation!r} ({name}) is not a keras.activations function; register it with "
        f"keras.saving.register_keras_serializable() to save it"
    )


def deserialize(name, custom_objects=None):
    """The activation function called ``name`` (registered custom functions included)."""
    from mathdl.keras import saving

    if isinstance(name, str) and name not in ALL:
        found = saving.get_registered_object(name, custom_objects)
        if found is not None:
            return found
    return get(name)
