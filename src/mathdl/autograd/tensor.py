"""The Tensor: a NumPy array with a place in a recorded computation graph.

A Tensor made by an op remembers the Function that made it (``creator``) and which of that
Function's outputs it is; the Function holds its inputs. Following ``creator`` links back from a
result therefore walks the whole graph, which is what reverse-mode differentiation needs.
Functions hold their outputs only by weak reference, so there are no reference cycles and a graph
is freed as soon as its result is no longer referenced.
"""

import numbers

import numpy as np

from mathdl import backend
from mathdl.autograd import grad_mode

xp = backend.xp


class AutogradError(RuntimeError, ValueError):
    """Misuse of differentiation (backward on a non-scalar without a gradient, on a tensor
    without a graph, an in-place write into a tensor that requires grad, …). A RuntimeError as
    in PyTorch, and a ValueError as every other misuse in mathdl, so either ``except`` catches it."""


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


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    Attributes: ``array`` (the NumPy array, shared), ``data`` (PyTorch's: a detached Tensor
    sharing memory), ``grad`` (a Tensor or None), ``requires_grad``,
    ``shape``, ``dtype``, ``ndim``. Arithmetic operators broadcast like NumPy and are recorded for
    ``backward`` when any operand requires a gradient and ``mathdl.no_grad`` is not active.
    """

    __slots__ = (
        "array",
        "grad",
        "requires_grad",
        "creator",
        "output_index",
        "_retain_grad",
        "name",
        "__weakref__",
    )
    # Make NumPy defer to our reflected operators (array + Tensor -> Tensor.__radd__).
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.array = _as_array(data, dtype)
        if requires_grad and self.array.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.array.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.creator = None
        self.output_index = 0
        self._retain_grad = False
        self.name = name

    # ----- array facts -------------------------------------------------------------------
    @property
    def data(self):
        """PyTorch's ``.data``: a Tensor sharing this one's memory, cut from the graph.

        Writing through it (``p.data.mul_(0.5)``, ``p.data[0] = 1``) changes this tensor without
        being recorded; assigning ``t.data = other`` makes ``t`` hold ``other``'s values (shared,
        shape and dtype included, as in PyTorch). The NumPy array itself is ``t.array`` (what
        ``t.numpy()`` and ``np.asarray(t)`` return): mathdl's own code works on that.
        """
        return Tensor(self.array)

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

    @property
    def size(self):
        return self.array.size

    @property
    def is_leaf(self):
        return self.creator is None

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __repr__(self):
        body = np.array2string(self.array, separator=", ", prefix="tensor(")
        extra = ""
        if self.array.dtype != backend.get_default_dtype():
            extra += f", dtype={self.array.dtype}"
        if self.requires_grad:
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

    # ----- conversions -------------------------------------------------------------------
    def numpy(self):
        """The underlying NumPy array (shared, not copied), like ``torch.Tensor.numpy``."""
        if self.requires_grad and self.creator is not None and grad_mode.is_grad_enabled():
            pass  # PyTorch refuses here; sharing a read-only view of the data is harmless in mathdl.
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

    def detach(self):
        """A new Tensor sharing the data, cut from the graph (no gradient flows through it)."""
        return Tensor(self.array)

    def clone(self):
        from mathdl.ops import arithmetic

        return arithmetic.Identity()(self)

    def astype(self, dtype):
        from mathdl.ops import arithmetic

        dtype = np.dtype(dtype)
        if dtype == self.array.dtype:
            return self
        if dtype.kind not in "fc":  # rounding to integers has no gradient (as torch)
            return Tensor(self.array.astype(dtype))
        return arithmetic.Cast(dtype)(self)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.array.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.array.dtype}"
            )
        if not self.is_leaf and not requires_grad:
            raise AutogradError("requires_grad_(False) is only allowed on leaf tensors; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after ``backward`` (leaves always keep theirs)."""
        self._retain_grad = True

    def zero_(self):
        self.array[...] = 0
        return self

    # ----- differentiation ---------------------------------------------------------------
    def backward(self, grad=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient.

        ``grad`` is the upstream gradient (dL/dself); it may be omitted only for one-element
        tensors, where it is 1. With ``create_graph=True`` the gradients themselves are recorded,
        so they can be differentiated again (higher-order derivatives).
        """
        from mathdl.autograd import engine

        engine.backward(self, grad, create_graph=create_graph)

    # ----- operators (the ops live in mathdl.ops; these are thin doors onto them) ---------
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

    def __getitem__(self, index):
        return _ops().getitem(self, index)

    def __setitem__(self, index, value):
        if self.requires_grad and grad_mode.is_grad_enabled():
            raise AutogradError(
                "in-place assignment to a tensor that requires grad would corrupt its "
                "gradient; do it under mathdl.no_grad() or on a detached tensor"
            )
        if isinstance(index, Tensor):
            index = index.array
        self.array[index] = value.array if isinstance(value, Tensor) else value

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

    # ----- methods mirroring the op functions ------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return _ops().sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops().mean(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, correction=1):
        return _ops().var(self, axis, keepdims, correction=correction)

    def max(self, axis=None, keepdims=False):
        return _ops().max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return _ops().min(self, axis, keepdims)

    def argmax(self, axis=None):
        return Tensor(self.array.argmax(axis=axis))

    def argmin(self, axis=None):
        return Tensor(self.array.argmin(axis=axis))

    def exp(self):
        return _ops().exp(self)

    def log(self):
        return _ops().log(self)

    def sqrt(self):
        return _ops().sqrt(self)

    def abs(self):
        return _ops().abs(self)

    def tanh(self):
        return _ops().tanh(self)

    def sigmoid(self):
        return _ops().sigmoid(self)

    def relu(self):
        return _ops().relu(self)

    def softmax(self, axis=-1):
        return _ops().softmax(self, axis)

    def log_softmax(self, axis=-1):
        return _ops().log_softmax(self, axis)

    def logsumexp(self, axis=None, keepdims=False):
        return _ops().logsumexp(self, axis, keepdims)

    def clip(self, lo=None, hi=None):
        return _ops().clip(self, lo, hi)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops().reshape(self, shape)

    def view(self, *shape):
        return self.reshape(*shape)

    def transpose(self, *axes):
        """``x.transpose(dim0, dim1)`` swaps two axes, as ``torch.Tensor.transpose`` (so the common
        ``k.transpose(-2, -1)`` works on any rank); any other form is a NumPy permutation:
        ``x.transpose()`` reverses the axes, ``x.transpose(2, 0, 1)`` / ``x.transpose((1, 0))``
        reorder them."""
        if len(axes) == 2 and all(isinstance(a, numbers.Integral) for a in axes):
            return _ops().swapaxes(self, axes[0], axes[1])
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops().transpose(self, axes if axes else None)

    def permute(self, *axes):
        """A permutation of the axes, as ``torch.Tensor.permute`` / ``np.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops().transpose(self, axes)

    def swapaxes(self, axis1, axis2):
        return _ops().swapaxes(self, axis1, axis2)

    @property
    def T(self):
        return _ops().transpose(self, None)

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops().flatten(self, start_dim, end_dim)

    def squeeze(self, axis=None):
        return _ops().squeeze(self, axis)

    def unsqueeze(self, axis):
        return _ops().unsqueeze(self, axis)

    def expand(self, *shape):
        """``torch.Tensor.expand``: broadcast to ``shape``, where -1 keeps the existing size."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        lead = len(shape) - self.array.ndim
        shape = tuple(self.array.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
        return _ops().broadcast_to(self, shape)

    def broadcast_to(self, shape):
        return _ops().broadcast_to(self, shape)

    def pow(self, exponent):
        return _ops().pow(self, exponent)

    def matmul(self, other):
        return _ops().matmul(self, other)


def _ops():
    # The op functions import Tensor, so Tensor reaches them lazily; after the first call this is
    # one dictionary look-up.
    import mathdl.ops as ops

    return ops


def is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, bool)
