"""Function: one differentiable operation, with its forward and backward formulas side by side.

A subclass implements ``forward(*arrays) -> array or tuple of arrays`` on NumPy arrays and
``backward(*grad_outputs) -> gradient or tuple of gradients, one per input`` on Tensors. Writing
``backward`` with differentiable Tensor operations is what makes higher-order derivatives work:
when the engine runs backward with ``create_graph=True`` those operations are recorded too.

Two class attributes tell the version check (``mathdl.autograd.version``) what ``backward`` reads:
``saves`` lists the positions of the inputs whose *values* it needs (None: all of them; ``()``:
none, as for add or reshape), and ``saves_output`` says whether it reads its output's values (exp,
tanh, softmax). ``view = True`` marks ops whose output shares its input's memory (reshape, basic
indexing): an in-place write through one of them changes the other's values behind its graph, so
an op that later consumes the other is refused (and a view of a leaf that requires grad may not be
written, as in PyTorch).
"""

import weakref
from typing import TYPE_CHECKING

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor, _as_array

if TYPE_CHECKING:
    from mathdl.typing import TensorLike

# The in-place clock: every in-place write ticks it and stamps the buffer it wrote; every recorded
# Function keeps the tick it was made at. A buffer stamped later than a Function that saved it was
# overwritten after the Function read it (see mathdl.autograd.version).
_clock = 0
# Anomaly detection (mathdl.autograd.anomaly): when True every forward and backward is checked for
# nan/inf. One global read per op when off.
_anomaly = False


_new = object.__new__
_ndarray = np.ndarray
_ref = weakref.ref


def _wrap(array, requires_grad):
    # The hot path of every op: a Tensor without _as_array's conversions (forward gave an array).
    tensor = _new(Tensor)
    tensor.array = array if type(array) is _ndarray else np.asarray(array)
    tensor.requires_grad = requires_grad
    tensor.grad = None
    tensor.creator = None
    tensor.output_index = 0
    tensor._retain_grad = False
    tensor.name = None
    return tensor


class Unsaved(Tensor):
    """Stands in a recorded Function's ``inputs`` for a non-leaf input whose values its backward
    does not read (``saves``): it keeps the graph edge (creator, output index), the shape and the
    dtype, and lets the array itself be freed once nothing else needs it, as PyTorch keeps only the
    tensors a node saves. Its ``array`` is a read-only broadcast of zeros of the right shape."""

    # ``shape`` and ``dtype`` are plain slots here (Tensor's are properties of the array): the
    # engine reads an input's shape once per graph edge
    __slots__ = ("shape", "dtype")
    # (a stand-in is never a leaf, never holds a gradient and is never named, and a non-leaf
    # always requires grad: class defaults)
    grad = None
    name = None
    _retain_grad = False
    requires_grad = True

    @property
    def array(self):
        return np.broadcast_to(np.zeros((), dtype=self.dtype), self.shape)

    @property
    def ndim(self):
        return len(self.shape)


def _unsaved(x):
    stand_in = _new(Unsaved)
    array = x.array  # (x is a Tensor, not a stand-in: its array, not the shape/dtype properties)
    stand_in.shape = array.shape
    stand_in.dtype = array.dtype
    stand_in.creator = x.creator
    stand_in.output_index = x.output_index
    return stand_in


def _keep_saved(inputs, saves):
    """``inputs`` with each non-leaf whose values backward does not need replaced by ``Unsaved``
    (kept: leaves, the positions in ``saves``, and outputs of Functions that read their output)."""
    kept = inputs
    position = -1
    for x in inputs:
        position += 1
        creator = x.creator
        if creator is None or creator.saves_output or type(x) is Unsaved or position in saves:
            continue
        if kept is inputs:
            kept = list(inputs)
        kept[position] = _unsaved(x)
    return kept


def _check_inputs_current(inputs):
    """After an in-place write, an input made before it may hold values its graph does not know
    (written through a view): refuse it (see ``version.check_not_stale``). Inputs made since the last
    write pass with one comparison."""
    for x in inputs:
        creator = x.creator
        if creator is not None and creator._stamp != _clock:
            from mathdl.autograd.version import check_not_stale

            check_not_stale(x)


class Function:
    """Base class of every differentiable op. Call an instance on Tensors (or array-likes).

    After a recorded call, ``inputs`` holds the input Tensors whose values ``backward`` reads
    (``saves``; the others are ``Unsaved`` stand-ins keeping the graph's edges), ``outputs`` weak
    references to the outputs, and for several outputs ``output_meta`` their shapes and dtypes
    (so a gradient of zeros can be made for an output nobody used).
    """

    inputs = ()
    outputs = ()
    saves: tuple[int, ...] | None = None  # positions of the inputs backward reads (None: all)
    saves_output = False  # whether backward reads the output's values
    view = False  # whether the output shares the input's memory
    _stamp = 0  # the in-place clock when recorded; -1 - that once a backward freed it
    _retains = False  # whether an output may have asked for retain_grad (the engine looks only then)
    # whether forward (or __init__) may store values on the instance; False (add, mul, …) spares
    # the engine looking through the instance's attributes when it frees the node
    holds_state = True

    def __call__(self, *inputs):
        for x in inputs:
            if not isinstance(x, Tensor):
                inputs = tuple(x if isinstance(x, Tensor) else Tensor(_as_array(x)) for x in inputs)
                break
        if len(inputs) == 2:  # (the binary ops' path, also taken directly by the arithmetic operators)
            return self._apply2(inputs[0], inputs[1])
        if len(inputs) == 1:
            outputs = self.forward(inputs[0].array)
        else:
            outputs = self.forward(*[x.array for x in inputs])
        if _anomaly:
            from mathdl.autograd.anomaly import check_forward

            check_forward(self, inputs, outputs)
        record = False
        if grad_mode._enabled:
            for x in inputs:
                if x.requires_grad:
                    record = True
                    break
        if not isinstance(outputs, tuple):  # the common single-output case, kept short
            y = _wrap(outputs, record)
            if record:
                self.outputs = [weakref.ref(y)]
                self._record(inputs)
                y.creator = self
            return y
        return self._several(inputs, outputs, record)

    def _apply2(self, a, b):
        """``__call__`` for two Tensors: the path of every binary op, written out in full (it runs
        once per op, and each call, loop or tuple saved here is a measurable share of a small op)."""
        outputs = self.forward(a.array, b.array)
        if _anomaly:
            from mathdl.autograd.anomaly import check_forward

            check_forward(self, (a, b), outputs)
        record = (a.requires_grad or b.requires_grad) and grad_mode._enabled
        if type(outputs) is not _ndarray:
            if isinstance(outputs, tuple):
                return self._several((a, b), outputs, record)
            outputs = np.asarray(outputs)
        y = _new(Tensor)  # (_wrap inlined)
        y.array = outputs
        y.grad = None
        y.output_index = 0
        y._retain_grad = False
        y.name = None
        if not record:
            y.requires_grad = False
            y.creator = None
            return y
        y.requires_grad = True
        self.outputs = [_ref(y)]
        self.inputs = inputs = (a, b)
        if _clock:  # (the class default 0 is right until the first in-place write)
            self._stamp = _clock
            _check_inputs_current(inputs)
        saves = self.saves
        if saves is not None:  # (_keep_saved unrolled for two inputs)
            creator = a.creator
            if creator is not None and 0 not in saves and not creator.saves_output and type(a) is not Unsaved:
                a = _unsaved(a)
            creator = b.creator
            if creator is not None and 1 not in saves and not creator.saves_output and type(b) is not Unsaved:
                b = _unsaved(b)
            if a is not inputs[0] or b is not inputs[1]:
                self.inputs = (a, b)
        y.creator = self
        return y

    def _several(self, inputs, outputs, record):
        """The Tensors for a tuple of outputs (recorded when ``record``)."""
        results = [_wrap(y, record) for y in outputs]
        if record:
            self.outputs = [weakref.ref(y) for y in results]
            self.output_meta = [(y.shape, y.dtype) for y in results]
            self._record(inputs)
            for index, y in enumerate(results):
                y.creator = self
                y.output_index = index
        return tuple(results)

    def _record(self, inputs):
        self.inputs = inputs
        if _clock:  # (the class default 0 is right until the first in-place write)
            self._stamp = _clock
            _check_inputs_current(inputs)
        saves = self.saves
        if saves is not None:
            self.inputs = _keep_saved(inputs, saves)

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{type(self).__name__}.backward")

    # ----- what PyTorch shows of a grad_fn ------------------------------------------------------
    def name(self):
        """The node's name, as ``torch``'s ``grad_fn.name()`` (``MulBackward`` for ``Mul``)."""
        return f"{type(self).__name__}Backward"

    @property
    def next_functions(self):
        """``((node, output_index), …)`` per input, as PyTorch: the creator of each input, an
        ``AccumulateGrad`` for a leaf that requires grad, ``(None, 0)`` for a constant."""
        edges = []
        for x in self.inputs:
            if x.creator is not None:
                edges.append((x.creator, x.output_index))
            elif x.requires_grad:
                edges.append((AccumulateGrad(x), 0))
            else:
                edges.append((None, 0))
        return tuple(edges)

    def __repr__(self):
        return f"<{self.name()}>"


class AccumulateGrad:
    """The node PyTorch shows where a gradient reaches a leaf (``.variable`` is the leaf)."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def as_tensor(value: "TensorLike", like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor; a Python number or float array takes the floating dtype of ``like``.

    This keeps float32 computations float32: NumPy 2 would promote ``float32_array * np.float64(2)``
    to float64, PyTorch would not, and neither do we.
    """
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value) if like is not None else _as_array(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"expected a number, an array or a Tensor, got {type(value).__name__} (dtype {array.dtype})"
        )
    if like is not None:
        if like.dtype.kind == "f" and array.dtype.kind in "biuf":
            return Tensor(array.astype(like.dtype, copy=False))
        if array.dtype == np.float64 and not isinstance(value, (np.ndarray, np.generic)):
            array = _as_array(value)  # Python floats: the default dtype
    return Tensor(array)
