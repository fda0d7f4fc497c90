"""Trigonometric and hyperbolic functions, elementwise: y = f(x), ∂L/∂x = ȳ ⊙ f′(x).

    sin′ = cos          cos′ = −sin          tan′ = 1 + tan²
    asin′ = 1/√(1 − x²)   acos′ = −1/√(1 − x²)   atan′ = 1/(1 + x²)
    sinh′ = cosh        cosh′ = sinh
    atan2(y, x) = the angle of the point (x, y):  ∂/∂y = x/(x² + y²),  ∂/∂x = −y/(x² + y²)

Each backward is written with these same differentiable functions, so derivatives of any order
work. Integer inputs give floating outputs of the default dtype, as in PyTorch.
"""

import numpy as np

from mathdl.autograd.function import Function
from mathdl.ops.elementwise import _floating, _output, sqrt
from mathdl.ops.shape import grad_like


class Sin(Function):
    """y = sin x;  ∂L/∂x = ȳ ⊙ cos x."""

    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    """y = cos x;  ∂L/∂x = −ȳ ⊙ sin x."""

    def forward(self, x):
        return np.cos(x)

    def backward(self, gy):
        return -(gy * sin(self.inputs[0]))


class Tan(Function):
    """y = tan x;  ∂L/∂x = ȳ ⊙ (1 + y²)."""

    def forward(self, x):
        return np.tan(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (1.0 + y * y)


class Asin(Function):
    """y = arcsin x (|x| ≤ 1);  ∂L/∂x = ȳ / √(1 − x²)."""

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            return np.arcsin(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / sqrt(1.0 - x * x)


class Acos(Function):
    """y = arccos x (|x| ≤ 1);  ∂L/∂x = −ȳ / √(1 − x²)."""

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            return np.arccos(x)

    def backward(self, gy):
        x = self.inputs[0]
        return -(gy / sqrt(1.0 - x * x))


class Atan(Function):
    """y = arctan x;  ∂L/∂x = ȳ / (1 + x²)."""

    def forward(self, x):
        return np.arctan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (1.0 + x * x)


class Atan2(Function):
    """z = atan2(a, b), the angle of the point (b, a) in (−π, π];
    ∂L/∂a = z̄ b / (a² + b²),  ∂L/∂b = −z̄ a / (a² + b²)."""

    def forward(self, a, b):
        return np.arctan2(a, b)

    def backward(self, gz):
        a, b = self.inputs
        scale = gz / (a * a + b * b)
        return grad_like(scale * b, a), grad_like(-(scale * a), b)


class Sinh(Function):
    """y = sinh x;  ∂L/∂x = ȳ ⊙ cosh x."""

    def forward(self, x):
        return np.sinh(x)

    def backward(self, gy):
        return gy * cosh(self.inputs[0])


class Cosh(Function):
    """y = cosh x;  ∂L/∂x = ȳ ⊙ sinh x."""

    def forward(self, x):
        return np.cosh(x)

    def backward(self, gy):
        return gy * sinh(self.inputs[0])


def sin(input):
    """sin x elementwise (``torch.sin``); any shape.

    >>> import mathdl as md
    >>> md.sin(md.tensor([0.0]))
    tensor([0.])
    """
    return _floating(Sin(), input)


def cos(input):
    """cos x elementwise (``torch.cos``); any shape.

    >>> import mathdl as md
    >>> md.cos(md.tensor([0.0]))
    tensor([1.])
    """
    return _floating(Cos(), input)


def tan(input):
    """tan x elementwise (``torch.tan``); any shape.

    >>> import mathdl as md
    >>> md.tan(md.tensor([0.0]))
    tensor([0.])
    """
    return _floating(Tan(), input)


def asin(input):
    """arcsin x elementwise (``torch.asin``); NaN outside [−1, 1], as PyTorch.

    >>> import mathdl as md
    >>> md.asin(md.tensor([0.0]))
    tensor([0.])
    """
    return _floating(Asin(), input)


def acos(input):
    """arccos x elementwise (``torch.acos``); NaN outside [−1, 1], as PyTorch.

    >>> import mathdl as md
    >>> md.acos(md.tensor([1.0]))
    tensor([0.])
    """
    return _floating(Acos(), input)


def atan(input):
    """arctan x elementwise (``torch.atan``); any shape.

    >>> import mathdl as md
    >>> md.atan(md.tensor([0.0]))
    tensor([0.])
    """
    return _floating(Atan(), input)


def atan2(input, other):
    """atan2(input, other): the angle of the point (other, input), elementwise with broadcasting
    (``torch.atan2``; ``input`` is the y coordinate).

    >>> import mathdl as md
    >>> md.atan2(md.tensor([0.0]), md.tensor([1.0]))
    tensor([0.])
    """
    from mathdl.ops.arithmetic import _binary

    a, b = _binary(input, other, "atan2")
    if a.dtype.kind not in "fc":
        a, b = _floating(lambda t: t, a), _floating(lambda t: t, b)
    return Atan2()(a, b)


def sinh(input):
    """sinh x elementwise (``torch.sinh``); any shape.

    >>> import mathdl as md
    >>> md.sinh(md.tensor([0.0]))
    tensor([0.])
    """
    return _floating(Sinh(), input)


def cosh(input):
    """cosh x elementwise (``torch.cosh``); any shape.

    >>> import mathdl as md
    >>> md.cosh(md.tensor([0.0]))
    tensor([1.])
    """
    return _floating(Cosh(), input)
