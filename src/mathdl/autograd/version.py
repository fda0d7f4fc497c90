"""In-place writes and the version check that keeps them from corrupting gradients.

A backward formula often reads values its forward saw (∂(a·b)/∂a = b). If ``b`` is overwritten in
place between the forward and the backward, the formula would silently use the new values. As in
PyTorch, mathdl counts in-place writes: every write ticks a global clock and stamps the buffer
(the root NumPy array: views share it, as PyTorch's views share a version counter); every recorded
Function keeps the tick at which it was made (``Function._stamp``). At backward, a Function whose
saved inputs (``Function.saves``) or output (``saves_output``, ``view``) live in a buffer stamped
later raises ``AutogradError`` naming it. Nothing is checked unless the clock moved since the
Function was recorded, so graphs without in-place writes pay one integer comparison per node.

A recorded in-place op on a non-leaf (``y.mul_(2)`` where ``y`` requires grad) is ``y ← f(y_old)``:
the old node is kept as a snapshot Tensor (a copy when ``f``'s backward needs the old values), the
new node is the Function that computed ``f``, and ``y`` takes its place. Functions that consumed
``y`` before the write still mean ``y_old``: ``y._history`` remembers (stamp, old node) so the
engine routes their gradients to the old node (``resolve``).
"""

import weakref

import numpy as np

from mathdl.autograd import function as _function
from mathdl.autograd import grad_mode
from mathdl.autograd.function import _wrap
from mathdl.autograd.tensor import AutogradError, Tensor

# id(root buffer) -> [weak reference to it, stamp of its last write, number of writes]
_stamps: dict[int, list] = {}

LEAF_MESSAGE = (
    "a leaf Variable that requires grad is being used in an in-place operation: {op} would "
    "overwrite a tensor whose gradient is being recorded. Do the update under `with mathdl.no_grad():` "
    "(as an optimiser step does) or write to `.data`"
)


def root(array):
    """The array that owns the memory ``array`` views (itself when it owns it)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _forget(key):
    return lambda _ref: _stamps.pop(key, None)


def bump(tensor, recorded=False):
    """Record an in-place write into ``tensor``'s memory: tick the clock and stamp the buffer.
    ``recorded``: the write is part of the graph (then other tensors sharing the memory went stale)."""
    if getattr(tensor, "_history", None) is False:  # a .data tensor: not counted, as in PyTorch
        return
    _function._clock += 1
    clock = _function._clock
    base = root(tensor.array)
    key = id(base)
    entry = _stamps.get(key)
    if entry is None or entry[0]() is not base:
        # [weak ref to the buffer, stamp of the last write, writes, stamp of the last recorded write]
        _stamps[key] = [weakref.ref(base, _forget(key)), clock, 1, clock if recorded else 0]
    else:
        entry[1] = clock
        entry[2] += 1
        if recorded:
            entry[3] = clock


def _recorded_at(function):
    stamp = function._stamp
    return -1 - stamp if stamp < 0 else stamp


def check_not_stale(x):
    """Refuse to record an op on ``x`` when a recorded in-place write changed x's memory through
    another tensor (a view of it, or the base it views) after x's creator computed it: x's values
    no longer match its graph. (PyTorch rebases the graph of every view; mathdl does not yet.)"""
    base = root(x.array)
    entry = _stamps.get(id(base))
    if entry is None or entry[0]() is not base or entry[3] <= _recorded_at(x.creator):
        return
    raise AutogradError(
        f"a tensor of shape {tuple(x.shape)} made by {x.creator.name()} was changed by an in-place "
        "operation on another tensor sharing its memory (a view of it, or the tensor it views) after "
        "it was computed, so its values no longer match its graph. PyTorch would rebase the graph; "
        "mathdl cannot yet: write through the tensor itself (t[index] = value) or clone() the view "
        "before writing into it."
    )


def check_view_of_leaf(tensor, op):
    """As PyTorch, refuse a recorded in-place op on a view of a leaf that requires grad."""
    base = tensor
    while base.creator is not None and base.creator.view:
        base = base.creator.inputs[0]
    if base is not tensor and base.creator is None and base.requires_grad:
        raise AutogradError(
            f"a view of a leaf Variable that requires grad is being used in an in-place operation "
            f"({op}). Do the update under `with mathdl.no_grad():`."
        )


def version_of(tensor):
    """How many in-place writes ``tensor``'s buffer has had (PyTorch's ``_version``)."""
    base = root(tensor.array)
    entry = _stamps.get(id(base))
    return 0 if entry is None or entry[0]() is not base else entry[2]


def _written_after(tensor, stamp):
    base = root(tensor.array)
    entry = _stamps.get(id(base))
    return entry is not None and entry[0]() is base and entry[1] > stamp


def check(function, stamp):
    """Raise if a value ``function``'s backward needs was overwritten in place after it was recorded
    (at clock tick ``stamp``)."""
    positions = range(len(function.inputs)) if function.saves is None else function.saves
    for position in positions:
        x = function.inputs[position]
        if _written_after(x, stamp):
            raise AutogradError(_message(function, f"{function.name()}'s input {position}", x))
    if function.saves_output:
        for position, ref in enumerate(function.outputs):
            y = ref()
            if y is not None and _written_after(y, stamp):
                raise AutogradError(_message(function, f"{function.name()}'s output {position}", y))


def _message(function, what, tensor):
    return (
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what}, of shape {tuple(tensor.shape)}, was written in place (version "
        f"{version_of(tensor)}) after {function.name()} recorded it. Write into a clone() instead, "
        f"or do the in-place update after backward."
    )


def resolve(x, stamp):
    """The node ``x`` was for a Function recorded at ``stamp``: before any later in-place write."""
    found = x
    entry = getattr(x, "_history", None)
    while entry:
        previous, written, old = entry
        if written <= stamp:
            break
        found = old
        entry = previous
    return found


# ----- applying an in-place op -----------------------------------------------------------------
def _requires_grad(args):
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            return True
    return False


def recording(tensor, args, op):
    """Whether an in-place op on ``tensor`` must be recorded; raises for a leaf that requires grad."""
    if not grad_mode._enabled:
        return False
    if tensor.requires_grad and tensor.creator is None:
        raise AutogradError(LEAF_MESSAGE.format(op=op))
    if tensor.creator is not None and tensor.creator.view:
        check_view_of_leaf(tensor, op)
    return tensor.requires_grad or _requires_grad(args)


def write(tensor, values, op):
    """Copy ``values`` (an array) into ``tensor``'s memory as PyTorch would: same shape, and a
    result that cannot be cast to the tensor's dtype (a float into an int tensor) is refused."""
    if values.shape != tensor.array.shape:
        raise ValueError(
            f"{op}: the result has shape {values.shape}, which does not match the shape "
            f"{tensor.array.shape} of the tensor written in place"
        )
    if values is tensor.array:
        return
    try:
        np.copyto(tensor.array, values, casting="same_kind")
    except TypeError:
        raise TypeError(
            f"{op}: result type {values.dtype} can't be cast to the desired output type "
            f"{tensor.array.dtype} (as in PyTorch)"
        ) from None
    except ValueError as error:
        raise ValueError(f"{op}: cannot write into this tensor in place ({error})") from None


def _snapshot(arg, tensor, old):
    """An argument as the op must see it: the old node for the tensor itself, and a copy (a
    differentiable clone) of any other tensor sharing its memory, whose values the write would
    otherwise change under the op's saved inputs (``y.mul_(y.detach())``, ``y.mul_(y[0])``)."""
    if arg is tensor:
        return old
    if isinstance(arg, Tensor) and root(arg.array) is root(tensor.array):
        return arg.clone() if arg.requires_grad else Tensor(arg.array.copy())
    return arg


def apply(tensor, compute, args, op, needs_old):
    """Run ``compute(tensor, *args)`` (an out-of-place op returning a Tensor) and make ``tensor``
    hold its result, recording the write in the graph when needed. ``needs_old``: the op's
    backward reads the old values of ``tensor`` (then they are copied before the write)."""
    if not recording(tensor, args, op):
        with grad_mode.no_grad():
            result = compute(tensor, *args)
        write(tensor, result.array, op)
        bump(tensor)
        return tensor
    old = _wrap(tensor.array.copy() if needs_old else tensor.array, tensor.requires_grad)
    old.creator, old.output_index = tensor.creator, tensor.output_index
    if tensor.creator is not None:
        tensor.creator.outputs[tensor.output_index] = weakref.ref(old)
    result = compute(old, *[_snapshot(a, tensor, old) for a in args])
    if result.dtype != tensor.dtype:
        if tensor.dtype.kind not in "fc":
            write(tensor, result.array, op)  # raises: a float result cannot go into an int tensor
        result = result.to(tensor.dtype)
    write(tensor, result.array, op)
    bump(tensor, recorded=True)
    node = result.creator
    node._stamp = _function._clock
    node.outputs[result.output_index] = weakref.ref(tensor)
    tensor._history = (getattr(tensor, "_history", None) or None, _function._clock, old)
    tensor.creator, tensor.output_index, tensor.requires_grad = node, result.output_index, True
    if tensor._retain_grad:
        node._retains = True  # (see Tensor.retain_grad)
    return tensor
