"""``all_reduce`` as a differentiable op (``torch.distributed.nn.functional.all_reduce``).

Forward, on every rank r:   y_r = Σ_s x_s.
Backward: every y_r depends on every x_s with ∂y_r/∂x_s = I, and the loss being differentiated
is the sum of the ranks' losses, L = Σ_r L_r, so

    ∂L/∂x_s = Σ_r (∂y_r/∂x_s)ᵀ ȳ_r = Σ_r ȳ_r

— the backward of a sum-allreduce is a sum-allreduce of the incoming gradients. It is written with
this same Function, so the grad of a grad works (and costs one more allreduce). Every rank must
run the backward pass through the same collectives in the same order. The Function, ``AllReduceSum``,
lives in ``mathdl.ops.collective`` with every other derivative; ``all_reduce`` here checks and calls it.
"""

from mathdl.autograd.function import as_tensor
from mathdl.distributed import collectives, process_group
from mathdl.ops.collective import AllReduceSum


def all_reduce(tensor, op=collectives.ReduceOp.SUM, group=None):
    """The sum over all ranks of ``tensor``, as a new tensor that gradients flow through.

    Only ``ReduceOp.SUM`` and ``ReduceOp.AVG`` (the sum divided by the world size) are
    differentiable this way; for the others use ``mathdl.distributed.all_reduce`` (in place, no
    gradient). It needs an initialised process group (with one rank it is a copy of the input).

    In a script run as ``mpiexec -n 2 python script.py`` (not a doctest: it needs the ranks)::

        x = md.tensor([1.0, 2.0] if dist.get_rank() == 0 else [3.0, 4.0], requires_grad=True)
        total = all_reduce(x)   # [4, 6] on both ranks
        total.sum().backward()  # x.grad == [2, 2]: the gradient is summed over the ranks too
    """
    process_group._check_group(group)
    if op not in (collectives.ReduceOp.SUM, collectives.ReduceOp.AVG):
        raise ValueError(f"distributed.nn.functional.all_reduce: op must be SUM or AVG, got {op!r}")
    tensor = as_tensor(tensor)
    process_group._comm("distributed.nn.functional.all_reduce")
    total = AllReduceSum()(tensor)
    if op is collectives.ReduceOp.AVG:
        return total * (1.0 / process_group.get_world_size())
    return total
