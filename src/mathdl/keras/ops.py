"""``keras.ops``: the NumPy-like op set of Keras 3, differentiable, on ``mathdl.ops``.

Every function takes Tensors, arrays or numbers and returns a Tensor that autograd follows
(comparisons, ``argmax``/``argsort`` and other integer results are constants). Called on
``keras.Input`` tensors they record a node of a functional model instead (``OpLayer``).
Reductions take ``axis=None``/an int/a tuple and ``keepdims``; ``var``/``std`` are population
statistics (divide by n), as in NumPy and Keras. The neural-network ops (``relu``, ``softmax``,
``categorical_crossentropy``, ``moments`` …) and control flow (``cond``, ``fori_loop``, ``scan``
…) are in ``mathdl.keras.ops_nn`` and re-exported here.

    >>> from mathdl.keras import ops
    >>> ops.sum(ops.square(ops.arange(4.0))).item()
    14.0
"""

import builtins
import functools

import numpy as np

from mathdl import backend
from mathdl import ops as md
from mathdl.autograd.tensor import Tensor

OPS = {}
_slice = builtins.slice  # ``slice`` below is keras.ops.slice


def op(function):
    """Register ``function`` as ``keras.ops.<name>``; KerasTensor arguments make an OpLayer node."""
    name = function.__name__.rstrip("_")
    OPS[name] = function

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from mathdl.keras.functional import any_symbolic

        if any_symbolic((args, kwargs)):
            from mathdl.keras.ops_layer import OpLayer

            return OpLayer(name)(*args, **kwargs)
        return function(*args, **kwargs)

    return wrapper


def _t(x):
    if isinstance(x, Tensor):
        return x
    array = np.asarray(x)
    if array.dtype == np.float64 and not isinstance(x, np.ndarray):
        array = array.astype(backend.get_default_dtype())
    return Tensor(array)


def _pair(a, b):
    a, b = _t(a), _t(b)
    if a.dtype.kind == "f" and b.dtype.kind in "iub":
        b = Tensor(b.array.astype(a.dtype))
    elif b.dtype.kind == "f" and a.dtype.kind in "iub":
        a = Tensor(a.array.astype(b.dtype))
    elif a.dtype.kind == b.dtype.kind == "f" and a.dtype != b.dtype:
        wide = np.promote_types(a.dtype, b.dtype)
        a, b = a.astype(wide), b.astype(wide)
    return a, b


# ----- creation and conversion ------------------------------------------------------------------
def convert_to_tensor(x, dtype=None, sparse=None):
    """``x`` as a Tensor (of ``dtype`` if given)."""
    t = _t(x)
    return t if dtype is None else cast(t, dtype)


def convert_to_numpy(x):
    """``x`` as a NumPy array."""
    return np.array(x.array) if isinstance(x, Tensor) else np.asarray(x)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (differentiable between float types)."""
    return _t(x).astype(np.dtype(dtype))


def zeros(shape, dtype=None):
    return Tensor(np.zeros(shape, dtype=dtype or backend.get_default_dtype()))


def ones(shape, dtype=None):
    return Tensor(np.ones(shape, dtype=dtype or backend.get_default_dtype()))


def full(shape, fill_value, dtype=None):
    return Tensor(np.full(shape, fill_value, dtype=dtype or backend.get_default_dtype()))


def zeros_like(x, dtype=None):
    return Tensor(np.zeros_like(convert_to_numpy(x), dtype=dtype))


def ones_like(x, dtype=None):
    return Tensor(np.ones_like(convert_to_numpy(x), dtype=dtype))


def full_like(x, fill_value, dtype=None):
    return Tensor(np.full_like(convert_to_numpy(x), fill_value, dtype=dtype))


def arange(start, stop=None, step=1, dtype=None):
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None and values.dtype.kind == "f":
        dtype = backend.get_default_dtype()
    return Tensor(values.astype(dtype) if dtype is not None else values)


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    return Tensor(
        np.linspace(start, stop, num, endpoint=endpoint).astype(dtype or backend.get_default_dtype())
    )


def eye(N, M=None, k=0, dtype=None):
    return Tensor(np.eye(N, M, k, dtype=dtype or backend.get_default_dtype()))


identity = functools.partial(eye)


def shape(x):
    """The shape as a tuple."""
    return tuple(x.shape)


def ndim(x):
    return len(shape(_t(x)))


def size(x):
    return int(np.prod(shape(_t(x))))


def stop_gradient(x):
    """The value of ``x`` with no gradient flowing back."""
    return _t(x).detach()


def copy(x):
    return Tensor(np.array(convert_to_numpy(x)))


# ----- elementwise --------------------------------------------------------------------------------
@op
def add(x1, x2):
    a, b = _pair(x1, x2)
    return a + b


@op
def subtract(x1, x2):
    a, b = _pair(x1, x2)
    return a - b


@op
def multiply(x1, x2):
    a, b = _pair(x1, x2)
    return a * b


@op
def divide(x1, x2):
    a, b = _pair(x1, x2)
    if a.dtype.kind != "f":
        a, b = a.astype(backend.get_default_dtype()), b.astype(backend.get_default_dtype())
    return a / b


true_divide = divide


@op
def negative(x):
    return -_t(x)


@op
def power(x1, x2):
    a = _t(x1)
    return a ** (x2 if np.isscalar(x2) else _pair(a, x2)[1])


def _unary(name, function):
    def f(x):
        return function(_t(x))

    f.__name__ = name
    f.__doc__ = f"Elementwise {name}."
    return op(f)


abs = _unary("abs", md.abs)
absolute = abs
square = _unary("square", md.square)
sqrt = _unary("sqrt", md.sqrt)
rsqrt = _unary("rsqrt", md.rsqrt)
exp = _unary("exp", md.exp)
expm1 = _unary("expm1", md.expm1)
log = _unary("log", md.log)
log1p = _unary("log1p", md.log1p)
sin = _unary("sin", md.sin)
cos = _unary("cos", md.cos)
tan = _unary("tan", md.tan)
sinh = _unary("sinh", md.sinh)
cosh = _unary("cosh", md.cosh)
tanh = _unary("tanh", md.tanh)
arcsin = _unary("arcsin", md.asin)
arccos = _unary("arccos", md.acos)
arctan = _unary("arctan", md.atan)
sign = _unary("sign", md.sign)
floor = _unary("floor", md.floor)
ceil = _unary("ceil", md.ceil)
reciprocal = _unary("reciprocal", md.reciprocal)
erf = _unary("erf", md.erf)


@op
def round(x, decimals=0):
    return md.round(_t(x), decimals)


@op
def log2(x):
    return md.log(_t(x)) / float(np.log(2.0))


@op
def log10(x):
    return md.log(_t(x)) / float(np.log(10.0))


@op
def arctan2(x1, x2):
    a, b = _pair(x1, x2)
    return md.atan2(a, b)


@op
def clip(x, x_min, x_max):
    return md.clip(_t(x), x_min, x_max)


@op
def maximum(x1, x2):
    a, b = _pair(x1, x2)
    return md.maximum(a, b)


@op
def minimum(x1, x2):
    a, b = _pair(x1, x2)
    return md.minimum(a, b)


@op
def where(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return Tensor(np.stack(np.nonzero(convert_to_numpy(condition))))
    a, b = _pair(x1, x2)
    return md.where(convert_to_numpy(condition), a, b)


def _compare(name, function):
    def f(x1, x2):
        return Tensor(function(convert_to_numpy(x1), convert_to_numpy(x2)))

    f.__name__ = name
    return op(f)


equal = _compare("equal", np.equal)
not_equal = _compare("not_equal", np.not_equal)
greater = _compare("greater", np.greater)
greater_equal = _compare("greater_equal", np.greater_equal)
less = _compare("less", np.less)
less_equal = _compare("less_equal", np.less_equal)
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)


@op
def logical_not(x):
    return Tensor(np.logical_not(convert_to_numpy(x)))


@op
def isnan(x):
    return Tensor(np.isnan(convert_to_numpy(x)))


@op
def isfinite(x):
    return Tensor(np.isfinite(convert_to_numpy(x)))


# ----- reductions ---------------------------------------------------------------------------------
def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


@op
def sum(x, axis=None, keepdims=False):
    return md.sum(_t(x), _axis(axis), keepdims=keepdims)


@op
def mean(x, axis=None, keepdims=False):
    x = _t(x)
    return md.mean(
        x if x.dtype.kind == "f" else x.astype(backend.get_default_dtype()), _axis(axis), keepdims=keepdims
    )


@op
def max(x, axis=None, keepdims=False, initial=None):
    return md.amax(_t(x), () if axis is None else _axis(axis), keepdims=keepdims)


@op
def min(x, axis=None, keepdims=False, initial=None):
    return md.amin(_t(x), () if axis is None else _axis(axis), keepdims=keepdims)


amax, amin = max, min


@op
def var(x, axis=None, keepdims=False):
    return md.var(_t(x), _axis(axis), keepdims=keepdims, correction=0)


@op
def std(x, axis=None, keepdims=False):
    return md.sqrt(md.var(_t(x), _axis(axis), keepdims=keepdims, correction=0))


@op
def prod(x, axis=None, keepdims=False, dtype=None):
    x = _t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    result = md.getitem(x, (_slice(None),) * axis + (_slice(0, 1),))
    for i in range(1, x.shape[axis]):
        result = result * md.getitem(x, (_slice(None),) * axis + (_slice(i, i + 1),))
    return result if keepdims else md.squeeze(result, axis)


@op
def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (a product with a triangular matrix, so differentiable)."""
    x = _t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    moved = md.swapaxes(x, axis, -1)
    n = moved.shape[-1]
    triangle = Tensor(np.triu(np.ones((n, n), dtype=x.dtype if x.dtype.kind == "f" else np.float64)))
    summed = md.matmul(moved if moved.dtype.kind == "f" else moved.astype(np.float64), triangle)
    return md.swapaxes(summed, axis, -1)


@op
def logsumexp(x, axis=None, keepdims=False):
    return md.logsumexp(_t(x), _axis(axis), keepdims=keepdims)


@op
def argmax(x, axis=None, keepdims=False):
    return Tensor(np.argmax(convert_to_numpy(x), axis=axis, keepdims=keepdims))


@op
def argmin(x, axis=None, keepdims=False):
    return Tensor(np.argmin(convert_to_numpy(x), axis=axis, keepdims=keepdims))


@op
def all(x, axis=None, keepdims=False):
    return Tensor(np.all(convert_to_numpy(x), axis=axis, keepdims=keepdims))


@op
def any(x, axis=None, keepdims=False):
    return Tensor(np.any(convert_to_numpy(x), axis=axis, keepdims=keepdims))


@op
def count_nonzero(x, axis=None):
    return Tensor(np.count_nonzero(convert_to_numpy(x), axis=axis))


@op
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms over ``axis`` (ord None/2: Euclidean/Frobenius, 1, inf)."""
    x = _t(x)
    if ord in (None, 2, "fro"):
        return md.sqrt(md.sum(x * x, _axis(axis), keepdims=keepdims))
    if ord == 1:
        return md.sum(md.abs(x), _axis(axis), keepdims=keepdims)
    if ord == np.inf:
        return md.amax(md.abs(x), () if axis is None else _axis(axis), keepdims=keepdims)
    raise ValueError(f"norm: ord must be None, 1, 2, 'fro' or inf, got {ord!r}")


from mathdl.keras.ops_extra import *  # noqa: E402,F401,F403  (more helpers)
from mathdl.keras.ops_extra import __all__ as _extra_names  # noqa: E402
from mathdl.keras.ops_nn import *  # noqa: E402,F401,F403  (neural-network ops and control flow)
from mathdl.keras.ops_nn import __all__ as _nn_names  # noqa: E402
from mathdl.keras.ops_shape import *  # noqa: E402,F401,F403  (shapes, indexing and products)
from mathdl.keras.ops_shape import __all__ as _shape_names  # noqa: E402

__all__ = sorted(
    set(OPS)
    | set(_nn_names)
    | set(_shape_names)
    | set(_extra_names)
    | {
        "convert_to_tensor",
        "convert_to_numpy",
        "cast",
        "zeros",
        "ones",
        "full",
        "zeros_like",
        "ones_like",
        "full_like",
        "arange",
        "linspace",
        "eye",
        "identity",
        "shape",
        "ndim",
        "size",
        "stop_gradient",
        "copy",
        "absolute",
        "true_divide",
        "amax",
        "amin",
    }
)
