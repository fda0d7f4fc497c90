"""Dropout layers: random zeroing during training, the identity in evaluation mode."""

from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional import activation as F
from mathdl.nn.module import Module


class Dropout(Module):
    """Inverted dropout: in training, y = x ⊙ m / (1 − p) with mᵢ ~ Bernoulli(1 − p); in
    evaluation, y = x. Any shape. ``p`` is the probability of zeroing an element.

    >>> import mathdl as md
    >>> md.nn.Dropout(0.5).eval()(md.ones(3)).tolist()   # the identity in eval mode
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._check_p(p, "Dropout")
        self.inplace = bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Module):
    """Channel dropout for (N, C, H, W) (or (N, C, L)) inputs: each whole channel x[n, c] is
    zeroed with probability ``p`` in training, the others scaled by 1/(1 − p); identity in eval.

    >>> import mathdl as md
    >>> md.nn.Dropout2d(0.5).eval()(md.ones(1, 2, 2, 2)).shape
    (1, 2, 2, 2)
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._check_p(p, "Dropout2d")
        self.inplace = bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
