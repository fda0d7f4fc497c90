"""``nn.CosineSimilarity`` and ``nn.PairwiseDistance``: modules over ``nn.functional.distance``."""

from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.distance import cosine_similarity, pairwise_distance
from mathdl.nn.module import Module


class CosineSimilarity(Module):
    """cos(x₁, x₂) along ``dim`` (which is removed), with ε guarding zero norms.

    >>> import mathdl as md
    >>> md.nn.CosineSimilarity(dim=1)(md.tensor([[1.0, 0.0]]), md.tensor([[2.0, 0.0]])).tolist()
    [1.0]
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x₁ − x₂ + ε‖_p over the last dimension.

    >>> import mathdl as md
    >>> md.nn.PairwiseDistance(eps=0.0)(md.tensor([[0.0, 0.0]]), md.tensor([[3.0, 4.0]])).tolist()
    [5.0]
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
