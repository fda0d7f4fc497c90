"""Dropout layers: random zeroing during training, the identity in evaluation mode."""

from mathdl.nn.functional import activation as F
from mathdl.nn.module import Module


class Dropout(Module):
    """Inverted dropout: in training, y = x ⊙ m / (1 − p) with mᵢ ~ Bernoulli(1 − p); in
    evaluation, y = x. Any shape. ``p`` is the probability of zeroing an element."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = F._check_p(p, "Dropout")
        self.inplace = bool(inplace)

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Module):
    """Channel dropout for (N, C, H, W) (or (N, C, L)) inputs: each whole channel x[n, c] is
    zeroed with probability ``p`` in training, the others scaled by 1/(1 − p); identity in eval."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = F._check_p(p, "Dropout2d")
        self.inplace = bool(inplace)

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
