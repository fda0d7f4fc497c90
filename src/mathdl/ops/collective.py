"""``all_reduce`` as a differentiable op: the Function behind
``mathdl.distributed.nn.functional.all_reduce`` (``torch.distributed.nn.functional.all_reduce``).

Forward, on every rank r:   y_r = Σ_s x_s.
Backward: every y_r depends on every x_s with ∂y_r/∂x_s = I, and the loss being differentiated
is the sum of the ranks' losses, L = Σ_r L_r, so

    ∂L/∂x_s = Σ_r (∂y_r/∂x_s)ᵀ ȳ_r = Σ_r ȳ_r

— the backward of a sum-allreduce is a sum-allreduce of the incoming gradients. It is written with
this same Function (through the public ``all_reduce``), so the grad of a grad works (and costs one
more allreduce). Every rank must run the backward pass through the same collectives in the same order.

The communicator and the public function are imported when the op runs, not when ``mathdl.ops`` is
imported: ``mathdl.distributed`` builds on the ops, so importing it here would be a cycle.
"""

import numpy as np

from mathdl.autograd.function import Function


class AllReduceSum(Function):
    """y = Σ_ranks x (a new tensor, the input is left alone); x̄ = Σ_ranks ȳ. Shapes: y has x's."""

    def forward(self, x):
        from mathdl.distributed import collectives

        result = np.array(x, copy=True, order="C")
        collectives.all_reduce(result, collectives.ReduceOp.SUM)
        return result

    def backward(self, gy):
        from mathdl.distributed.nn.functional import all_reduce

        return all_reduce(gy)
