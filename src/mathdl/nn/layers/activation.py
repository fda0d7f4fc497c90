"""Activation layers: modules wrapping the elementwise functions (no parameters)."""

from mathdl.nn.functional import activation as F
from mathdl.nn.module import Module


class _Inplace(Module):
    """An activation with PyTorch's ``inplace`` flag (see ``nn.functional.activation``)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """y = max(x, 0) elementwise; any shape.

    >>> import mathdl as md
    >>> md.nn.ReLU()(md.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def forward(self, input):
        return F.relu(input, self.inplace)


class Sigmoid(Module):
    """y = σ(x) = 1 / (1 + e⁻ˣ) elementwise; any shape."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """y = tanh x elementwise; any shape."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``dim`` (computed stably); same shape as the input.
    ``dim=None`` is PyTorch's implicit choice (0 for 0-, 1-, 3-d inputs, else 1), with its warning."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """yᵢ = xᵢ − log Σⱼ exp(xⱼ) along ``dim``; same shape as the input (``dim=None`` as Softmax)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LeakyReLU(Module):
    """y = x for x > 0, negative_slope·x otherwise; any shape."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, bool(inplace)

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """y = x for x > 0, α(eˣ − 1) otherwise; any shape."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, bool(inplace)

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """y = (1/β) log(1 + e^(βx)) (linear above ``threshold``); any shape."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLU(_Inplace):
    """y = x σ(x) (swish); any shape."""

    def forward(self, input):
        return F.silu(input, self.inplace)


class GELU(Module):
    """y = x Φ(x), exact (``approximate='none'``) or its tanh approximation (``'tanh'``).

    >>> import mathdl as md
    >>> md.nn.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Hardtanh(Module):
    """y = clip(x, min_val, max_val); any shape."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, bool(inplace)

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(_Inplace):
    """y = min(max(x, 0), 6); any shape."""

    def forward(self, input):
        return F.relu6(input, self.inplace)


class Hardsigmoid(_Inplace):
    """y = relu6(x + 3) / 6; any shape."""

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_Inplace):
    """y = x relu6(x + 3) / 6; any shape."""

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Mish(_Inplace):
    """y = x tanh(softplus(x)); any shape."""

    def forward(self, input):
        return F.mish(input, self.inplace)


class SELU(_Inplace):
    """y = λ elu(x, α) with PyTorch's self-normalising constants; any shape."""

    def forward(self, input):
        return F.selu(input, self.inplace)


class CELU(Module):
    """y = x for x > 0, α (e^(x/α) − 1) otherwise; any shape."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, bool(inplace)

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softsign(Module):
    """y = x / (1 + |x|); any shape."""

    def forward(self, input):
        return F.softsign(input)


class LogSigmoid(Module):
    """y = log σ(x); any shape."""

    def forward(self, input):
        return F.logsigmoid(input)


class Tanhshrink(Module):
    """y = x − tanh x; any shape."""

    def forward(self, input):
        return F.tanhshrink(input)


class Softmin(Softmax):
    """yᵢ = exp(−xᵢ) / Σⱼ exp(−xⱼ) along ``dim``."""

    def forward(self, input):
        return F.softmin(input, self.dim)


class GLU(Module):
    """y = a ⊙ σ(b) for the halves a, b of x along ``dim``: that size halves."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Threshold(Module):
    """y = x where x > threshold, else value; any shape."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, bool(inplace)

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")
