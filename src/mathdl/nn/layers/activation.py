"""Activation layers: modules wrapping the elementwise functions (no parameters)."""
from mathdl.nn.functional import activation as F
from mathdl.nn.module import Module


class ReLU(Module):
    """y = max(x, 0) elementwise; any shape."""

    def forward(self, input):
        return F.relu(input)


class Sigmoid(Module):
    """y = σ(x) = 1 / (1 + e⁻ˣ) elementwise; any shape."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """y = tanh x elementwise; any shape."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``dim`` (computed stably); same shape as the input."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """yᵢ = xᵢ − log Σⱼ exp(xⱼ) along ``dim``; same shape as the input."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
