"""Loss modules: the functions of ``mathdl.nn.functional.loss`` with their options stored."""

from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional import loss as F
from mathdl.nn.module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        F._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class CrossEntropyLoss(_Loss):
    """Cross entropy of logits (N, C, …) against int targets (N, …) or probabilities; see
    ``F.cross_entropy``: ℓₙ = w_{tₙ} (logsumexp(zₙ) − z_{n,tₙ}).

    >>> import mathdl as md
    >>> round(md.nn.CrossEntropyLoss()(md.zeros(2, 4), md.tensor([0, 3])).item(), 6)
    1.386294
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C, …) at int targets (N, …).

    >>> import mathdl as md
    >>> md.nn.NLLLoss()(md.tensor([[-1.0, -2.0]]), md.tensor([1])).item()
    2.0
    """

    def __init__(
        self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """Mean squared error: ℓ = (x − y)² elementwise, then reduced.

    >>> import mathdl as md
    >>> md.nn.MSELoss(reduction='sum')(md.tensor([1.0, 2.0]), md.tensor([0.0, 0.0])).item()
    5.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ℓ = |x − y| elementwise, then reduced.

    >>> import mathdl as md
    >>> md.nn.L1Loss()(md.tensor([1.0, 2.0]), md.tensor([0.0, 0.0])).item()
    1.5
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross entropy of probabilities: ℓ = −w (y log p + (1 − y) log(1 − p)), logs ≥ −100.

    >>> import mathdl as md
    >>> round(md.nn.BCELoss()(md.tensor([0.5]), md.tensor([1.0])).item(), 6)
    0.693147
    """

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of σ(x) from logits x, stable: max(x, 0) − x y + log(1 + e^(−|x|)).

    >>> import mathdl as md
    >>> round(md.nn.BCEWithLogitsLoss()(md.tensor([0.0]), md.tensor([0.0])).item(), 6)
    0.693147
    """

    def __init__(
        self, weight: Tensor | None = None, reduction: str = "mean", pos_weight: Tensor | None = None
    ) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class HuberLoss(_Loss):
    """Huber loss: ½ d² for |d| ≤ δ, δ(|d| − ½δ) beyond (d = x − y), then reduced.

    >>> import mathdl as md
    >>> md.nn.HuberLoss(delta=1.0)(md.tensor([3.0]), md.tensor([0.0])).item()
    2.5
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Smooth L1: ½ d²/β for |d| < β, |d| − ½β beyond, then reduced.

    >>> import mathdl as md
    >>> md.nn.SmoothL1Loss()(md.tensor([0.5]), md.tensor([0.0])).item()
    0.125
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class KLDivLoss(Module):
    """KL divergence p (log p − input) with input = log q; see ``F.kl_div``.

    >>> import mathdl as md
    >>> md.nn.KLDivLoss(reduction='batchmean')(md.tensor([[0.5, 0.5]]).log(), md.tensor([[0.5, 0.5]])).item()
    0.0
    """

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        if reduction not in F.REDUCTIONS + ("batchmean",):
            raise ValueError(
                f"KLDivLoss: reduction must be one of {F.REDUCTIONS + ('batchmean',)}, got {reduction!r}"
            )
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, self.reduction, self.log_target)
