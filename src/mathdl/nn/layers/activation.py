"""Activation layers: modules wrapping the elementwise functions (no parameters)."""

from mathdl.autograd.tensor import Tensor
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

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)


class Sigmoid(Module):
    """y = σ(x) = 1 / (1 + e⁻ˣ) elementwise; any shape.

    >>> import mathdl as md
    >>> md.nn.Sigmoid()(md.tensor([0.0])).tolist()
    [0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """y = tanh x elementwise; any shape.

    >>> import mathdl as md
    >>> md.nn.Tanh()(md.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Softmax(Module):
    """yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``dim`` (computed stably); same shape as the input.
    ``dim=None`` is PyTorch's implicit choice (0 for 0-, 1-, 3-d inputs, else 1), with its warning.

    >>> import mathdl as md
    >>> md.nn.Softmax(dim=-1)(md.zeros(2)).tolist()
    [0.5, 0.5]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """yᵢ = xᵢ − log Σⱼ exp(xⱼ) along ``dim``; same shape as the input (``dim=None`` as Softmax).

    >>> import mathdl as md
    >>> round(md.nn.LogSoftmax(dim=1)(md.zeros(1, 2)).tolist()[0][1], 6)
    -0.693147
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LeakyReLU(Module):
    """y = x for x > 0, negative_slope·x otherwise; any shape.

    >>> import mathdl as md
    >>> md.nn.LeakyReLU(0.1)(md.tensor([-10.0, 1.0])).tolist()
    [-1.0, 1.0]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """y = x for x > 0, α(eˣ − 1) otherwise; any shape.

    >>> import mathdl as md
    >>> md.nn.ELU()(md.tensor([0.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """y = (1/β) log(1 + e^(βx)) (linear above ``threshold``); any shape.

    >>> import mathdl as md
    >>> round(md.nn.Softplus()(md.tensor([0.0])).item(), 6)
    0.693147
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLU(_Inplace):
    """y = x σ(x) (swish); any shape.

    >>> import mathdl as md
    >>> md.nn.SiLU()(md.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)


class GELU(Module):
    """y = x Φ(x), exact (``approximate='none'``) or its tanh approximation (``'tanh'``).

    >>> import mathdl as md
    >>> md.nn.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Hardtanh(Module):
    """y = clip(x, min_val, max_val); any shape.

    >>> import mathdl as md
    >>> md.nn.Hardtanh()(md.tensor([-2.0, 0.5, 2.0])).tolist()
    [-1.0, 0.5, 1.0]
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(_Inplace):
    """y = min(max(x, 0), 6); any shape.

    >>> import mathdl as md
    >>> md.nn.ReLU6()(md.tensor([-1.0, 3.0, 9.0])).tolist()
    [0.0, 3.0, 6.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input, self.inplace)


class Hardsigmoid(_Inplace):
    """y = relu6(x + 3) / 6; any shape.

    >>> import mathdl as md
    >>> md.nn.Hardsigmoid()(md.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_Inplace):
    """y = x relu6(x + 3) / 6; any shape.

    >>> import mathdl as md
    >>> md.nn.Hardswish()(md.tensor([-4.0, 0.0, 4.0])).tolist()
    [-0.0, 0.0, 4.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class Mish(_Inplace):
    """y = x tanh(softplus(x)); any shape.

    >>> import mathdl as md
    >>> md.nn.Mish()(md.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, self.inplace)


class SELU(_Inplace):
    """y = λ elu(x, α) with PyTorch's self-normalising constants; any shape.

    >>> import mathdl as md
    >>> md.nn.SELU()(md.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)


class CELU(Module):
    """y = x for x > 0, α (e^(x/α) − 1) otherwise; any shape.

    >>> import mathdl as md
    >>> md.nn.CELU()(md.tensor([0.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softsign(Module):
    """y = x / (1 + |x|); any shape.

    >>> import mathdl as md
    >>> md.nn.Softsign()(md.tensor([1.0, -3.0])).tolist()   # x / (1 + |x|)
    [0.5, -0.75]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class LogSigmoid(Module):
    """y = log σ(x); any shape.

    >>> import mathdl as md
    >>> round(md.nn.LogSigmoid()(md.tensor([0.0])).item(), 6)   # ln ½
    -0.693147
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Tanhshrink(Module):
    """y = x − tanh x; any shape.

    >>> import mathdl as md
    >>> md.nn.Tanhshrink()(md.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Softmin(Softmax):
    """yᵢ = exp(−xᵢ) / Σⱼ exp(−xⱼ) along ``dim``.

    >>> import mathdl as md
    >>> md.nn.Softmin(dim=-1)(md.tensor([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)


class GLU(Module):
    """y = a ⊙ σ(b) for the halves a, b of x along ``dim``: that size halves.

    >>> import mathdl as md
    >>> md.nn.GLU()(md.tensor([[1.0, 0.0]])).tolist()   # a ⊙ σ(b)
    [[0.5]]
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Threshold(Module):
    """y = x where x > threshold, else value; any shape.

    >>> import mathdl as md
    >>> md.nn.Threshold(1.0, -5.0)(md.tensor([0.5, 2.0])).tolist()
    [-5.0, 2.0]
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")
