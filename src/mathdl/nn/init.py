"""Parameter initialisation (``mathdl.nn.init``), PyTorch's formulas, filling tensors in place.

For a weight of shape (out, in, k₁, k₂, …) the receptive field is r = Πkᵢ, and
fan_in = in · r, fan_out = out · r. The schemes keep the variance of activations (or gradients)
roughly constant from layer to layer:

    xavier (Glorot & Bengio, 2010):  std = gain · √(2 / (fan_in + fan_out))
    kaiming (He et al., 2015):       std = gain / √fan,   fan = fan_in (default) or fan_out

and the uniform variants draw from U(−√3·std, √3·std), which has that standard deviation.
Every draw comes from ``mathdl.random.generator()``, so ``mathdl.manual_seed`` fixes them.
"""

import math
import numbers

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.autograd.version import bump
from mathdl.random import generator

_LINEAR = (
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)
NONLINEARITIES = _LINEAR + ("tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh, √2 for
    relu, √(2 / (1 + slope²)) for leaky_relu (slope ``param``, default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of {NONLINEARITIES}"
    )


def _array(tensor, where):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: expected a Tensor (e.g. a Parameter), got {type(tensor).__name__}")
    return tensor.array


def _fill(tensor, values):
    # an in-place write, counted as PyTorch counts it: a graph that saved the old values refuses
    # to run backward afterwards
    tensor.array[...] = values
    bump(tensor)
    return tensor


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) = (shape[1]·r, shape[0]·r) with r = Π shape[2:]; needs ≥ 2 dimensions."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out cannot be computed for a tensor with fewer than 2 "
            f"dimensions (shape {tuple(shape)})"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _empty(tensor):
    # PyTorch: initialising a zero-element tensor is a no-op (and its fans may be 0)
    return tensor.array.size == 0


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples of U(a, b); returns the tensor."""
    data = _array(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: lower bound a={a} is greater than upper bound b={b}")
    return _fill(tensor, generator().uniform(a, b, size=data.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples of N(mean, std²); returns the tensor."""
    data = _array(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _fill(tensor, generator().normal(mean, std, size=data.shape))


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
) -> Tensor:
    """Fill with N(mean, std²) conditioned on [a, b]: out-of-range draws are redrawn (rejection
    sampling, vectorised over the rejected elements); a and b are absolute bounds, as in PyTorch."""
    data = _array(tensor, "trunc_normal_")
    if std <= 0 or a >= b:
        raise ValueError(f"trunc_normal_: need std > 0 and a < b, got std={std}, a={a}, b={b}")
    values = generator().normal(mean, std, size=data.shape)
    outside = (values < a) | (values > b)
    for _ in range(1000):
        count = int(outside.sum())
        if count == 0:
            break
        values[outside] = generator().normal(mean, std, size=count)
        outside = (values < a) | (values > b)
    else:
        raise ValueError(
            f"trunc_normal_: [a, b] = [{a}, {b}] holds too little of N({mean}, {std}²) to sample"
        )
    return _fill(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``; returns the tensor."""
    _array(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0; returns the tensor."""
    return constant_(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1; returns the tensor."""
    return constant_(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(−a, a), a = gain · √(6 / (fan_in + fan_out))."""
    _array(tensor, "xavier_uniform_")
    if _empty(tensor):
        return tensor
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return _fill(tensor, generator().uniform(-bound, bound, size=tensor.shape))


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std²), std = gain · √(2 / (fan_in + fan_out))."""
    _array(tensor, "xavier_normal_")
    if _empty(tensor):
        return tensor
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, generator().normal(0.0, std, size=tensor.shape))


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He uniform: U(−b, b), b = √3 · gain / √fan with gain = calculate_gain(nonlinearity, a).

    ``nn.Linear``'s default, a = √5 with leaky_relu, gives b = 1/√fan_in."""
    _array(tensor, "kaiming_uniform_")
    if _empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return _fill(tensor, generator().uniform(-bound, bound, size=tensor.shape))


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He normal: N(0, std²), std = gain / √fan with gain = calculate_gain(nonlinearity, a)."""
    _array(tensor, "kaiming_normal_")
    if _empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return _fill(tensor, generator().normal(0.0, std, size=tensor.shape))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill the tensor, viewed as (shape[0], Π shape[1:]), with a (semi-)orthogonal matrix times
    ``gain``: Q of the QR factorisation of a Gaussian matrix, signs fixed by diag(R) so that Q is
    uniformly distributed (Saxe et al., 2013)."""
    data = _array(tensor, "orthogonal_")
    if data.ndim < 2:
        raise ValueError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {data.shape}"
        )
    rows = data.shape[0]
    cols = data.size // rows
    flat = generator().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(data.shape))
