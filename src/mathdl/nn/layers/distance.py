"""``nn.CosineSimilarity`` and ``nn.PairwiseDistance``: modules over ``nn.functional.distance``."""

from mathdl.nn.functional.distance import cosine_similarity, pairwise_distance
from mathdl.nn.module import Module


class CosineSimilarity(Module):
    """cos(x₁, x₂) along ``dim`` (which is removed), with ε guarding zero norms."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x₁ − x₂ + ε‖_p over the last dimension."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
