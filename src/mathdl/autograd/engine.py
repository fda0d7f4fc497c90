"""Reverse-mode differentiation over a recorded graph: topological order, chain rule, accumulate.

For a result y and every tensor v in its graph, the adjoint  v̄ = ∂y/∂v  obeys the chain rule

    v̄ = Σ_{f consumes v}  (∂f/∂v)ᵀ f̄

so visiting the Functions from the result back to the leaves in reverse topological order, and
summing each Function's contributions into its inputs' adjoints, gives every gradient exactly once.
The sort is iterative (graphs of any depth).

As in PyTorch, a pass frees the graph unless ``retain_graph=True`` (the default is
``create_graph``): a second backward through a Function whose formula needs saved values raises
(so a loop that forgets to ``detach()`` a carried state fails loudly instead of backpropagating
into earlier iterations); Functions that save nothing (add, sum, reshape) may be traversed again,
as in PyTorch. Before each Function runs, the version check refuses values overwritten in place
since it was recorded (``mathdl.autograd.version``), and anomaly mode checks its gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mathdl.autograd import backward_hooks, grad_mode
from mathdl.autograd import function as _function
from mathdl.autograd.function import Unsaved, _keep_saved, _unsaved, _wrap
from mathdl.autograd.tensor import AutogradError, Tensor

if TYPE_CHECKING:
    from mathdl.typing import TensorLike

_EMIT = object()  # on the sort's stack: the Function below this marker has all its inputs ordered


def topological_order(roots):
    """The Functions reachable from ``roots`` ordered so that each comes before those it consumes.

    The edges are the ones the backward pass follows: an input written in place after a Function
    was recorded leads to the node that Function saw (``version.resolve``), not to the write."""
    clock = _function._clock
    order = []
    expanded = set()  # (Functions hash by identity)
    stack = list(roots)
    pop, push, expand, emit = stack.pop, stack.append, expanded.add, order.append
    while stack:
        function = pop()
        if function is _EMIT:
            emit(pop())
            continue
        if function in expanded:
            continue
        expand(function)
        push(function)
        push(_EMIT)
        inputs = function.inputs
        stamp = function._stamp
        if stamp != clock:  # (rare: recorded before an in-place write, or freed)
            inputs = _as_recorded(inputs, -1 - stamp if stamp < 0 else stamp)
        for x in inputs:
            creator = x.creator
            if creator is not None and creator not in expanded:
                push(creator)
    order.reverse()
    return order


def _add(a, b):
    return b if a is None else a + b


_GRAPH_ATTRIBUTES = frozenset(("inputs", "outputs", "output_meta", "_stamp", "view", "_retains"))


def _drop_saved(function):
    """After a backward pass that does not retain the graph, delete what a Function that saves
    values stored for its backward (its instance attributes beyond the graph's own). With
    ``_release_inputs`` (its non-leaf inputs' values) this frees a node as PyTorch frees saved
    tensors: each activation is released as soon as the last backward that reads it has run."""
    if _saves_something(function):
        state = function.__dict__
        for name in [name for name in state if name not in _GRAPH_ATTRIBUTES]:
            del state[name]


def _release_inputs(function):
    inputs = _keep_saved(function.inputs, ())
    for position, x in enumerate(inputs):
        creator = x.creator
        if creator is not None and creator.saves_output and type(x) is not Unsaved:
            # The output of a Function whose backward reads it (it holds outputs weakly): hand it
            # to that Function until its own backward has run, then it is freed with the rest.
            creator.__dict__.setdefault("_outputs_kept", {})[x.output_index] = x
            if inputs is function.inputs:
                inputs = list(inputs)
            inputs[position] = _unsaved(x)
    function.inputs = inputs


def _saves_something(function):
    return function.saves is None or len(function.saves) > 0 or function.saves_output


def _recorded_at(function, clock):
    """The checks for a Function that was freed or recorded before an in-place write (the rare
    path); returns the clock tick at which it was recorded."""
    stamp = function._stamp
    if stamp < 0:  # freed by an earlier backward: -1 - stamp is the tick it was recorded at
        stamp = -1 - stamp
        if _saves_something(function):
            raise AutogradError(
                f"Trying to backward through the graph a second time: {function.name()}'s saved values "
                "were freed by the first backward. Pass retain_graph=True to the first backward if you "
                "need a second one, or detach() values carried from one iteration to the next."
            )
    if stamp != clock:
        from mathdl.autograd import version

        version.check(function, stamp)
    return stamp


def _multi_output_grads(function, grads, create_graph, keep_retained):
    """The gradients of a multi-output Function's outputs, zeros for unused ones (None: nothing to
    do); also stores them on outputs that asked for ``retain_grad``."""
    if all(g is None for g in grads):
        return None
    if keep_retained:
        for ref, g in zip(function.outputs, grads):
            y = ref()
            if y is not None and y._retain_grad and g is not None:
                y.grad = _add(y.grad, g if create_graph else _wrap(g.array.copy(), False))
    return [
        g if g is not None else _wrap(np.zeros(shape, dtype), False)
        for g, (shape, dtype) in zip(grads, function.output_meta)
    ]


def _as_recorded(inputs, stamp):
    from mathdl.autograd.version import resolve

    return [resolve(x, stamp) if getattr(x, "_history", None) else x for x in inputs]


def _check_input_grads(function, input_grads, anomaly):
    if anomaly:
        from mathdl.autograd.anomaly import check_backward

        check_backward(function, input_grads)
    if len(input_grads) != len(function.inputs):
        raise RuntimeError(
            f"{type(function).__name__}.backward returned {len(input_grads)} "
            f"gradients for {len(function.inputs)} inputs"
        )


def _run(outputs, grad_outputs, create_graph, targets=None, retain_graph=None):
    """One backward pass. Returns {id(leaf or target): (tensor, gradient Tensor)}.

    Without ``targets`` every leaf that requires a gradient is collected; with ``targets`` only
    those tensors (leaves or not) are.
    """
    target_ids = None if targets is None else {_target_key(t): t for t in targets}
    retain_graph = create_graph if retain_graph is None else retain_graph
    if _function._anomaly:
        from mathdl.autograd.anomaly import in_backward

        with in_backward():
            return _pass(outputs, grad_outputs, create_graph, target_ids, retain_graph)
    return _pass(outputs, grad_outputs, create_graph, target_ids, retain_graph)


def _target_key(x):
    """A leaf is itself; a non-leaf is the output (creator, index) it is, which a Function's
    ``Unsaved`` stand-in for it shares."""
    return id(x) if x.creator is None else (id(x.creator), x.output_index)


def _deliverer(pending, collected, target_ids):
    """deliver(x, gx): add gx to x's creator's pending output gradients, or collect it for x."""

    def deliver(x, gx):
        if target_ids is not None:
            target = target_ids.get(_target_key(x))
            if target is not None:
                entry = collected.setdefault(id(target), [target, None])
                entry[1] = _add(entry[1], gx)
                if x.creator is None:
                    return
        creator = x.creator
        if creator is not None:
            slots = pending.get(creator)
            if slots is None:
                slots = pending[creator] = [None] * len(creator.outputs)
            previous = slots[x.output_index]  # (the sum inlined: this runs once per graph edge)
            slots[x.output_index] = gx if previous is None else previous + gx
        elif target_ids is None:
            entry = collected.setdefault(id(x), [x, None])
            entry[1] = _add(entry[1], gx)

    return deliver


def _pass(outputs, grad_outputs, create_graph, target_ids, retain_graph):
    pending = {}  # Function -> [gradient of each output]  (Functions hash by identity)
    collected = {}  # id(tensor) -> [tensor, gradient]
    deliver = _deliverer(pending, collected, target_ids)
    clock, anomaly = _function._clock, _function._anomaly
    with grad_mode.set_grad_enabled(create_graph):
        for y, gy in zip(outputs, grad_outputs):
            deliver(y, gy)
        roots = [y.creator for y in outputs if y.creator is not None]
        for function in topological_order(roots):
            grads = pending.pop(function, None)
            stamp = function._stamp
            if stamp == clock and grads is not None and len(grads) == 1 and grads[0] is not None:
                # the common case: a single-output op recorded since the last in-place write
                if not retain_graph:
                    function._stamp = -1 - stamp
                g = grads[0]
                if function._retains and target_ids is None:
                    _retain(function.outputs[0](), g, create_graph)
                input_grads = function.backward(g)
                inputs = function.inputs
            else:
                input_grads = _backward_rare(
                    function, grads, stamp, clock, create_graph, target_ids, retain_graph
                )
                if input_grads is None:
                    continue
                input_grads, inputs = input_grads
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if anomaly or len(input_grads) != len(inputs):
                _check_input_grads(function, input_grads, anomaly)
            holds_values = False  # whether an input is a non-leaf Tensor (not a stand-in)
            for x, gx in zip(inputs, input_grads):
                creator = x.creator
                if creator is not None and type(x) is not Unsaved:
                    holds_values = True
                if gx is None or not x.requires_grad:
                    continue
                if gx.array.shape != x.shape:
                    _wrong_shape(function, gx, x)
                if creator is None or target_ids is not None:
                    deliver(x, gx)
                    continue
                slots = pending.get(creator)  # (deliver inlined: once per graph edge)
                if slots is None:
                    pending[creator] = slots = [None] * len(creator.outputs)
                    slots[x.output_index] = gx
                else:
                    previous = slots[x.output_index]
                    slots[x.output_index] = gx if previous is None else previous + gx
            if not retain_graph:  # free the node: its inputs' values, then what it stored
                if holds_values:
                    _release_inputs(function)
                if function.holds_state and not _GRAPH_ATTRIBUTES.issuperset(function.__dict__):
                    _drop_saved(function)
    return collected


def _wrong_shape(function, gx, x):
    raise RuntimeError(
        f"{type(function).__name__}.backward gave a gradient of shape {gx.shape} for an input of shape {x.shape}"
    )


def _retain(y, g, create_graph):
    """``y.grad`` += g for an output that asked for ``retain_grad`` (a copy unless recording)."""
    if y is not None and y._retain_grad:
        y.grad = _add(y.grad, g if create_graph else _wrap(g.array.copy(), False))


def _backward_rare(function, grads, stamp, clock, create_graph, target_ids, retain_graph):
    """``_pass``'s step for a Function off the common path (no gradient reached it, several
    outputs, recorded before an in-place write or freed): None when there is nothing to do, else
    (its input gradients, the inputs they are for)."""
    if grads is None:
        function.__dict__.pop("_outputs_kept", None)
        return None
    rare = stamp != clock  # freed, or recorded before an in-place write
    if rare:
        stamp = _recorded_at(function, clock)
    if not retain_graph:
        function._stamp = -1 - stamp
    if len(grads) == 1:
        g = grads[0]
        if g is None:
            function.__dict__.pop("_outputs_kept", None)
            return None
        if target_ids is None:
            _retain(function.outputs[0](), g, create_graph)
        input_grads = function.backward(g)
    else:
        grads = _multi_output_grads(function, grads, create_graph, target_ids is None)
        if grads is None:
            function.__dict__.pop("_outputs_kept", None)
            return None
        input_grads = function.backward(*grads)
    inputs = function.inputs
    if rare:  # inputs written in place since this Function: the nodes it saw
        inputs = _as_recorded(inputs, stamp)
    return input_grads, inputs


def _root_buffer(array):
    while array.base is not None and isinstance(array.base, np.ndarray):
        array = array.base
    return id(array)


def _read_only(array):
    """A view of ``array`` that cannot be written through."""
    view = array.view()
    view.flags.writeable = False
    return view


def _check_grad_output(y, gy, where):
    if gy is None:
        if y.array.size != 1:
            raise AutogradError(
                f"{where}: backward on a non-scalar needs a gradient: the output has "
                f"shape {y.shape}; pass grad= (the upstream gradient) of that shape"
            )
        return _wrap(np.ones(y.shape, dtype=y.dtype), False)
    if not isinstance(gy, Tensor):
        gy = Tensor(np.asarray(gy, dtype=y.dtype))
    if gy.shape != y.shape:
        raise ValueError(f"{where}: gradient of shape {gy.shape} does not match the output's shape {y.shape}")
    return gy


def backward(
    y: Tensor,
    grad: TensorLike | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate ∂y/∂leaf (times ``grad``) into ``leaf.grad`` for every leaf requiring a gradient
    (only into the tensors ``inputs`` when given, as PyTorch)."""
    if not isinstance(y, Tensor):
        raise TypeError(f"backward: expected a Tensor, got {type(y).__name__}")
    if not y.requires_grad:
        raise AutogradError(
            "backward: this tensor does not require grad and has no graph: did you "
            "compute it under no_grad, or from tensors without requires_grad=True?"
        )
    gy = _check_grad_output(y, grad, "backward")
    if grad is not None and not create_graph:
        # The caller keeps its array: the pass reads it through a read-only view (no copy, in the
        # caller's memory layout), and a gradient that reaches a leaf unchanged is copied there
        # (the handout below copies read-only arrays), so no .grad ever aliases the caller's array.
        gy = _wrap(_read_only(gy.array), False)
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise ValueError("backward: inputs= is an empty sequence")
    collected = _run([y], [gy], create_graph, targets=inputs, retain_graph=retain_graph)
    handed_out = set()
    for leaf, g in collected.values():
        if create_graph and g.requires_grad:
            # A recorded gradient: keep its graph, but still give every leaf its own buffer.
            buffer = _root_buffer(g.array)
            if buffer in handed_out:
                g = g.clone()
            else:
                handed_out.add(buffer)
            if g.dtype != leaf.dtype:
                g = g.astype(leaf.dtype)
            leaf.grad = g if leaf.grad is None else leaf.grad + g
            continue
        data = g.array
        if leaf.grad is None:
            # Each .grad owns its buffer: formulas may pass one gradient array to several inputs.
            buffer = _root_buffer(data)
            if buffer in handed_out or not data.flags.writeable:
                data = data.copy()
            else:
                handed_out.add(buffer)
            if data.dtype != leaf.dtype:
                data = data.astype(leaf.dtype)
            leaf.grad = _wrap(data, False)
        elif leaf.grad.requires_grad or not leaf.grad.array.flags.writeable:
            leaf.grad = _wrap((leaf.grad.array + data).astype(leaf.dtype, copy=False), False)
        else:
            leaf.grad.array += data  # reuse the buffer, as PyTorch accumulates in place
    backward_hooks.run_post_backward_hooks(leaf for leaf, _ in collected.values())  # e.g. DDP's averaging


def _check_grad_arguments(outputs, inputs):
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(x).__name__}")
        if not x.requires_grad:
            raise AutogradError(
                "grad: one of the inputs does not require grad; create it with requires_grad=True"
            )
    for y in outputs:
        if not isinstance(y, Tensor) or not y.requires_grad:
            raise AutogradError("grad: an output does not require grad and has no graph")


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> list[Tensor | None]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated into .grad).

    ``outputs`` and ``inputs`` are Tensors or sequences of them; ``grad_outputs`` gives the upstream
    gradients for non-scalar outputs. With ``create_graph=True`` the results are themselves
    differentiable, which gives exact higher-order derivatives (Hessian-vector products,
    gradient penalties). Returns a list with one Tensor per input (None for an unused input when
    ``allow_unused``, zeros with ``materialize_grads``). ``retain_graph`` as in ``backward``.
    """
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    _check_grad_arguments(outputs, inputs)
    grad_outputs = [_check_grad_output(y, g, "grad") for y, g in zip(outputs, grad_outputs)]
    collected = _run(outputs, grad_outputs, create_graph, targets=inputs, retain_graph=retain_graph)
    results = []
    handed_out = {_root_buffer(g.array) for g in grad_outputs}
    for position, x in enumerate(inputs):
        entry = collected.get(id(x))
        if entry is None:
            if not allow_unused:
                raise AutogradError(
                    f"grad: input {position} (shape {x.shape}) was not used to compute "
                    f"the outputs; pass allow_unused=True to get None for it"
                )
            results.append(Tensor(np.zeros(x.shape, dtype=x.dtype)) if materialize_grads else None)
            continue
        g = entry[1]
        if not create_graph:
            # plain arrays the caller may modify: no read-only broadcast views, no shared buffers
            data = g.array
            buffer = _root_buffer(data)
            if buffer in handed_out or not data.flags.writeable:
                data = data.copy()
            handed_out.add(buffer)
            g = _wrap(data, False) if (data is not g.array or g.requires_grad) else g
        results.append(g)
    return results
