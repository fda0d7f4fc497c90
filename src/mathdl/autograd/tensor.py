"""The Tensor: a NumPy array with a place in a recorded computation graph.

A Tensor made by an op remembers the Function that made it (``creator``, PyTorch's ``grad_fn``)
and which of that Function's outputs it is; the Function holds its inputs. Following ``creator``
links back from a result therefore walks the whole graph, which is what reverse-mode
differentiation needs. Functions hold their outputs only by weak reference, so there are no
reference cycles and a graph is freed as soon as its result is no longer referenced.

The methods are grouped by concept: this file has the attributes, conversions to Python and
NumPy, ``backward`` and the operators; ``tensor_methods`` the methods that mirror the op
functions (``x.sum(dim=1)``), ``tensor_inplace`` the in-place ones (``add_``, ``+=``),
``tensor_convert`` dtype and device conversions (``to``, ``long``, ``new_zeros``).
"""

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor_convert import ConversionMethods
from mathdl.autograd.tensor_inplace import InPlaceMethods
from mathdl.autograd.tensor_methods import OpMethods

xp = backend.xp


class AutogradError(RuntimeError, ValueError):
    """Misuse of differentiation (backward on a non-scalar without a gradient, on a tensor
    without a graph, an in-place write into a tensor that requires grad, …). A RuntimeError as
    in PyTorch, and a ValueError as every other misuse in mathdl, so either ``except`` catches it."""


class Size(tuple):
    """The shape of a tensor, as ``torch.Size``: a tuple of ints with ``numel()``."""

    def numel(self):
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self):
        return f"mathdl.Size({list(self)})"


def _as_array(data, dtype=None):
    """Convert ``data`` to an array; Python floats (and lists of them) take the default dtype."""
    if isinstance(data, Tensor):
        data = data.array
    if isinstance(data, xp.ndarray):
        array = data
    else:
        array = xp.asarray(data)
        if array.dtype == np.float64 and dtype is None and not isinstance(data, np.generic):
            # Python floats carry no precision of their own: give them the default dtype, as PyTorch does.
            array = array.astype(backend.get_default_dtype())
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    if array.dtype == object:
        raise TypeError(f"tensor: cannot make a tensor from objects of type {type(data).__name__}")
    return array


def _constructor_array(data, sizes, dtype):
    """What ``Tensor(...)`` holds. As ``torch.Tensor``: ``Tensor(2, 3)`` (integers) is a tensor of
    that shape (zeros: PyTorch leaves it uninitialised), ``Tensor()`` is empty, and Python data
    (lists, tuples) become floating point; a NumPy array keeps its dtype."""
    if data is None or sizes or (type(data) is int):
        shape = () if data is None and not sizes else (data, *sizes)
        if data is None:
            shape = (0,)
        if not all(type(s) is int and s >= 0 for s in shape):
            raise TypeError(
                f"Tensor(*sizes): sizes must be non-negative ints, got {shape}; "
                "to make a tensor from data use Tensor(data) or mathdl.tensor(data)"
            )
        return np.zeros(shape, dtype=backend.get_default_dtype() if dtype is None else dtype)
    array = _as_array(data, dtype)
    if dtype is None and isinstance(data, (list, tuple)) and array.dtype.kind in "biu":
        array = array.astype(backend.get_default_dtype())  # torch.Tensor([1, 2]) is float32
    return array


class Tensor(OpMethods, InPlaceMethods, ConversionMethods):
    """A multi-dimensional array that records the operations applied to it.

    Attributes: ``array`` (the NumPy array, shared), ``data`` (PyTorch's: a detached Tensor
    sharing memory), ``grad`` (a Tensor or None), ``requires_grad``, ``grad_fn``,
    ``shape``, ``dtype``, ``ndim``, ``device``. Arithmetic operators broadcast like NumPy and are
    recorded for ``backward`` when any operand requires a gradient and ``mathdl.no_grad`` is not
    active. ``Tensor(2, 3)`` is a (2, 3) tensor of zeros and ``Tensor([1, 2])`` float data, as
    ``torch.Tensor``; ``mathdl.tensor(data)`` infers the dtype as ``torch.tensor`` does.
    """

    __slots__ = (
        "array",
        "grad",
        "requires_grad",
        "creator",
        "output_index",
        "_retain_grad",
        "_history",
        "name",
        "__weakref__",
    )
    # Make NumPy defer to our reflected operators (array + Tensor -> Tensor.__radd__).
    __array_priority__ = 1000

    if TYPE_CHECKING:  # what the mixins' conversions return, for a type checker (no runtime effect)

        def to(self, *args: Any, **kwargs: Any) -> "Tensor": ...
        def astype(self, dtype: Any) -> "Tensor": ...
        def reshape(self, *shape: Any) -> "Tensor": ...

    def __init__(self, data=None, *sizes, requires_grad=False, dtype=None, name=None, device=None):
        if device is not None:
            from mathdl.devices import check_device

            check_device(device)
        self.array = _constructor_array(data, sizes, None if dtype is None else np.dtype(dtype))
        if requires_grad and self.array.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.array.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.creator = None
        self.output_index = 0
        self._retain_grad = False
        self._history = None
        self.name = name

    # ----- array facts -------------------------------------------------------------------
    @property
    def data(self):
        """PyTorch's ``.data``: a Tensor sharing this one's memory, cut from the graph.

        Writing through it (``p.data.mul_(0.5)``, ``p.data[0] = 1``) changes this tensor without
        being recorded or counted by the version check (as in PyTorch); assigning ``t.data = other``
        makes ``t`` hold ``other``'s values (shared, shape and dtype included, as in PyTorch). The
        NumPy array itself is ``t.array`` (what ``t.numpy()`` and ``np.asarray(t)`` return).
        """
        detached = Tensor(self.array)
        detached._history = False  # untracked by the version counter, as PyTorch's .data
        return detached

    @data.setter
    def data(self, value):
        self.array = value.array if isinstance(value, Tensor) else _as_array(value)

    @property
    def shape(self):
        return self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def ndim(self):
        return self.array.ndim

    def size(self, dim=None):
        """The shape (``x.size()``, a tuple) or the length of one dimension (``x.size(-1)``), as
        ``torch.Tensor.size``. (NumPy's element count is ``numel()``.)"""
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_dim_index(dim, self.array.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return self.array.size

    nelement = numel

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return self.array.ndim

    ndimension = dim

    @property
    def device(self):
        """Where the data lives: always ``device('cpu')`` (mathdl computes with NumPy)."""
        from mathdl.devices import CPU

        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def is_leaf(self):
        return self.creator is None

    @property
    def grad_fn(self):
        """The Function that made this tensor (None for a leaf), as PyTorch's ``grad_fn``."""
        return self.creator

    @property
    def _version(self):
        """How many in-place writes this tensor's memory has had (PyTorch's ``_version``)."""
        from mathdl.autograd import version

        return version.version_of(self)

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __repr__(self):
        body = np.array2string(self.array, separator=", ", prefix="tensor(")
        extra = ""
        if self.array.dtype != backend.get_default_dtype() and not (
            self.array.dtype == np.int64 or self.array.dtype == np.bool_
        ):
            extra += f", dtype={self.array.dtype}"
        if self.creator is not None:
            extra += f", grad_fn={self.creator!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __array__(self, dtype=None, copy=None):
        # NumPy 2 passes copy=True for np.array(t) and trusts us to copy: without it the result
        # would alias the tensor's data
        if dtype is not None and np.dtype(dtype) != self.array.dtype:
            return self.array.astype(dtype)
        return self.array.copy() if copy else self.array

    def __bool__(self):
        if self.array.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.array.size} elements is ambiguous")
        return bool(self.array)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.array)

    __hash__ = object.__hash__

    # ----- conversions to Python and NumPy -----------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The underlying NumPy array (shared, not copied), like ``torch.Tensor.numpy``."""
        return self.array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to Python scalars, "
                f"got shape {self.array.shape}"
            )
        return self.array.reshape(()).item()

    def tolist(self):
        return self.array.tolist()

    def detach(self) -> "Tensor":
        """A new Tensor sharing the data, cut from the graph (no gradient flows through it).
        It shares the version counter, as in PyTorch: writing into it in place is noticed by a
        backward that needs the original values."""
        return Tensor(self.array)

    def clone(self) -> "Tensor":
        from mathdl.ops import arithmetic

        return arithmetic.Identity()(self)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self.array.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.array.dtype}"
            )
        if not self.is_leaf and not requires_grad:
            raise AutogradError("requires_grad_(False) is only allowed on leaf tensors; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after ``backward`` (leaves always keep theirs)."""
        self._retain_grad = True
        if self.creator is not None:
            self.creator._retains = True  # (the engine checks the outputs of these Functions only)

    # ----- differentiation ---------------------------------------------------------------
    def backward(
        self,
        gradient: Any | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any | None = None,
        grad: Any | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient.

        ``gradient`` is the upstream gradient (dL/dself); it may be omitted only for one-element
        tensors, where it is 1 (``grad=`` is accepted as an older name). With ``create_graph=True``
        the gradients themselves are recorded, so they can be differentiated again. As in PyTorch,
        a backward frees the graph's saved values unless ``retain_graph=True`` (default:
        ``create_graph``): a second backward through a node that needs them raises.
        """
        from mathdl.autograd import engine

        if grad is not None:
            if gradient is not None:
                raise TypeError("backward: got both gradient and grad; pass one")
            gradient = grad
        engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    # ----- operators (the ops live in mathdl.ops; these are thin doors onto them) ---------
    # (+ - * / are replaced by the op functions themselves once mathdl.ops.arithmetic is
    # imported: see _bind_operators at the end of this file)
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().sub(self, other)

    def __rsub__(self, other):
        return _ops().sub(other, self)

    def __mul__(self, other):
        return _ops().mul(self, other)

    def __rmul__(self, other):
        return _ops().mul(other, self)

    def __truediv__(self, other):
        return _ops().div(self, other)

    def __rtruediv__(self, other):
        return _ops().div(other, self)

    def __neg__(self):
        return _ops().neg(self)

    def __pos__(self):
        return self

    def __pow__(self, other):
        return _ops().pow(self, other)

    def __rpow__(self, other):
        return _ops().pow(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __abs__(self):
        return _ops().abs(self)

    def __getitem__(self, index) -> "Tensor":
        return _ops().getitem(self, index)

    # comparisons: no gradient, a boolean Tensor
    def _compare(self, other, op):
        other_data = other.array if isinstance(other, Tensor) else other
        return Tensor(op(self.array, other_data))

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        # elementwise, as in PyTorch (identity stays the hash, so Tensors still work as dict keys)
        if other is None:
            return NotImplemented
        return self._compare(other, np.equal)

    def __ne__(self, other):
        if other is None:
            return NotImplemented
        return self._compare(other, np.not_equal)

    def eq(self, other):
        return self._compare(other, np.equal)

    def ne(self, other):
        return self._compare(other, np.not_equal)

    def lt(self, other):
        return self._compare(other, np.less)

    def le(self, other):
        return self._compare(other, np.less_equal)

    def gt(self, other):
        return self._compare(other, np.greater)

    def ge(self, other):
        return self._compare(other, np.greater_equal)

    def logical_not(self):
        return Tensor(np.logical_not(self.array))

    def __invert__(self):
        if self.array.dtype.kind not in "biu":
            raise TypeError(f"~ (bitwise not) needs a boolean or integer tensor, got dtype {self.dtype}")
        return Tensor(np.invert(self.array))

    def __and__(self, other):
        return self._compare(other, np.bitwise_and)

    def __or__(self, other):
        return self._compare(other, np.bitwise_or)

    def __xor__(self, other):
        return self._compare(other, np.bitwise_xor)


def _dim_index(dim, ndim, op):
    """``dim`` as an index into the shape, negative counted from the end (IndexError out of range,
    as PyTorch)."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -max(ndim, 1) <= dim < max(ndim, 1) or ndim == 0:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
        )
    return int(dim) % ndim


_OPS: list[Any] = []


def _bind_operators(arithmetic):
    """Make ``+ - * /`` the op functions themselves, once ``mathdl.ops.arithmetic`` exists (it calls
    this): the methods above are only their lazy stand-ins, and a small op pays for every call on
    its way (a door and a module lookup fewer per operator)."""
    Tensor.__add__ = arithmetic.add
    Tensor.__sub__ = arithmetic.sub
    Tensor.__mul__ = arithmetic.mul
    Tensor.__truediv__ = arithmetic.div


def _ops():
    # The op functions import Tensor, so Tensor reaches them lazily (imported on the first call,
    # then kept: the operators run once per op).
    if _OPS:
        return _OPS[0]
    import mathdl.ops as ops

    _OPS.append(ops)
    return ops


def is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, bool)
