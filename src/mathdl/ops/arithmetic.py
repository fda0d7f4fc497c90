"""Arithmetic with NumPy broadcasting, and matrix multiplication.

When broadcasting stretched an input, its gradient is summed back over the stretched axes
(``grad_like``), because each input element contributed to every output it was copied into.
"""

import sys
from typing import cast

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap, as_tensor
from mathdl.autograd.tensor import Tensor, _bind_operators
from mathdl.backend import get_default_dtype
from mathdl.ops.shape import _sum_to_array, grad_like, reshape, swapaxes, unsqueeze
from mathdl.typing import TensorLike


def _array_grad(g, x):
    """A first-order gradient computed on arrays (no graph is being recorded), reduced to the
    shape and dtype of input ``x`` as ``grad_like`` does for Tensors; None when x needs none."""
    if not x.requires_grad:
        return None
    shape, dtype = x.shape, x.dtype
    if g.shape != shape:
        g = _sum_to_array(g, shape)
    if g.dtype is not dtype and g.dtype != dtype and dtype.kind == "f":
        g = g.astype(dtype)
    return _wrap(g, False)


def _promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's rule for mixed dtypes: an integer or boolean operand takes the floating dtype of
    the other (NumPy would make int64 ⊙ float32 float64); two floating dtypes give the wider."""
    float_a, float_b = a.dtype.kind == "f", b.dtype.kind == "f"
    if float_a and not float_b and b.dtype.kind != "b":  # NumPy already keeps float ⊙ bool
        b = Tensor(b.array.astype(a.dtype))
    elif float_b and not float_a and a.dtype.kind != "b":
        a = Tensor(a.array.astype(b.dtype))
    return a, b


def _binary(a: TensorLike, b: TensorLike, op: str) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors (numbers take the Tensor operand's dtype), shapes checked."""
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):  # (tested here: one call fewer on the hot path)
            b = as_tensor(b, like=a)
    else:
        b = as_tensor(b)
        a = as_tensor(a, like=b)
    dtype_a, dtype_b = a.array.dtype, b.array.dtype
    if dtype_a is not dtype_b and dtype_a != dtype_b:  # (builtin dtypes are singletons: `is` first)
        a, b = _promote(a, b)
    shape_a, shape_b = a.array.shape, b.array.shape
    if shape_a != shape_b:
        # NumPy's rule, aligned from the right: sizes agree or one of them is 1 (a Python loop over
        # a few axes is several times cheaper than np.broadcast_shapes on this hot path)
        for m, n in zip(reversed(shape_a), reversed(shape_b)):
            if m != n and m != 1 and n != 1:
                raise ValueError(f"{op}: cannot broadcast shapes {shape_a} and {shape_b}")
    return a, b


# (a needs a gradient, b needs one) -> the inputs a product's backward reads
# _SAVES_OF_PRODUCT[a needs a gradient][b needs one]: a product keeps each factor only when the
# other needs a gradient (nested tuples indexed by bools: no key tuple to build and hash per op)
_SAVES_OF_PRODUCT = (((), (0,)), ((1,), (0, 1)))


class Add(Function):
    """z = a + b;  ∂z/∂a = 1, ∂z/∂b = 1."""

    holds_state = False
    saves = ()

    def forward(self, a, b):
        return a + b

    def backward(self, gz):
        a, b = self.inputs
        if not grad_mode._enabled:  # first order: arrays, no Tensor op per gradient
            return _array_grad(gz.array, a), _array_grad(gz.array, b)
        return grad_like(gz, a), grad_like(gz, b)


class Sub(Function):
    """z = a − b;  ∂z/∂a = 1, ∂z/∂b = −1."""

    holds_state = False
    saves = ()

    def forward(self, a, b):
        return a - b

    def backward(self, gz):
        a, b = self.inputs
        if not grad_mode._enabled:
            return _array_grad(gz.array, a), _array_grad(-gz.array, b)
        return grad_like(gz, a), grad_like(-gz, b)


class Mul(Function):
    """z = a ⊙ b (elementwise);  ∂L/∂a = z̄ ⊙ b, ∂L/∂b = z̄ ⊙ a."""

    holds_state = False

    @property
    def saves(self):  # ∂/∂a needs b and ∂/∂b needs a: save each only when the other needs a gradient
        a, b = self.inputs
        return _SAVES_OF_PRODUCT[a.requires_grad][b.requires_grad]

    def forward(self, a, b):
        return a * b

    def backward(self, gz):
        a, b = self.inputs
        if not grad_mode._enabled:  # first order: on arrays (a Tensor made only for each result)
            g = gz.array
            ga = gb = None
            if a.requires_grad:
                ga = g * b.array
                ga = _wrap(ga, False) if ga.shape == a.shape and ga.dtype is a.dtype else _array_grad(ga, a)
            if b.requires_grad:
                gb = g * a.array
                gb = _wrap(gb, False) if gb.shape == b.shape and gb.dtype is b.dtype else _array_grad(gb, b)
            return ga, gb
        return (
            grad_like(gz * b, a) if a.requires_grad else None,
            grad_like(gz * a, b) if b.requires_grad else None,
        )


class Div(Function):
    """z = a / b;  ∂L/∂a = z̄ / b, ∂L/∂b = −z̄ a / b²."""

    holds_state = False

    @property
    def saves(self):  # ∂/∂a needs b; ∂/∂b needs a and b
        a, b = self.inputs
        return (0, 1) if b.requires_grad else (1,)

    def forward(self, a, b):
        return a / b

    def backward(self, gz):
        a, b = self.inputs
        ga = grad_like(gz / b, a) if a.requires_grad else None
        gb = grad_like(-gz * a / (b * b), b) if b.requires_grad else None
        return ga, gb


class Neg(Function):
    """z = −x;  ∂L/∂x = −z̄."""

    holds_state = False
    saves = ()

    def forward(self, x):
        return -x

    def backward(self, gz):
        return -gz


class PowConstant(Function):
    """z = xᶜ for a constant exponent c;  ∂L/∂x = z̄ · c · xᶜ⁻¹  (0 for c = 0, also at x = 0, as
    PyTorch)."""

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, x):
        if self.exponent == 2:
            return x * x
        return np.power(x, self.exponent)

    def backward(self, gz):
        (x,) = self.inputs
        c = self.exponent
        if c == 2:
            return gz * x * 2.0
        if c == 0:  # x⁰ = 1 is constant; c · x⁻¹ would give 0 · inf = nan at 0
            return gz * 0.0
        return gz * c * x ** (c - 1)


class Pow(Function):
    """z = aᵇ with both differentiable;  ∂L/∂a = z̄ · b · aᵇ⁻¹,  ∂L/∂b = z̄ · aᵇ · ln a.

    As PyTorch: ∂L/∂a = 0 where b = 0 (a⁰ is constant, even at a = 0), and ∂L/∂b = 0 where
    a = 0 ≤ b (the limit of aᵇ ln a as a → 0⁺).
    """

    saves_output = True

    def forward(self, a, b):
        return np.power(a, b)

    def backward(self, gz):
        from mathdl.ops.elementwise import log, where

        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            exponent_zero = b.array == 0
            if exponent_zero.any():  # b · aᵇ⁻¹ with b = 0 is 0, even where aᵇ⁻¹ = inf
                ga = gz * b * a ** (where(exponent_zero, 1.0, b) - 1.0)
            else:
                ga = gz * b * a ** (b - 1.0)
            ga = grad_like(ga, a)
        if b.requires_grad:
            z = self.outputs[0]()
            z = z if z is not None else a**b
            limit_zero = (a.array == 0) & (b.array >= 0)
            if limit_zero.any():
                gb = where(limit_zero, 0.0, gz * z * log(where(limit_zero, 1.0, a)))
            else:
                gb = gz * z * log(a)
            gb = grad_like(gb, b)
        return ga, gb


class MatMul(Function):
    """Z = A B (batched over leading axes, NumPy's matmul rules);
    ∂L/∂A = Z̄ Bᵀ and ∂L/∂B = Aᵀ Z̄, each summed back over broadcast batch axes.

    A 1-D left operand is a row vector and a 1-D right operand a column vector, as in NumPy.
    """

    @property
    def saves(self):  # ∂/∂a needs b and ∂/∂b needs a: save each only when the other needs a gradient
        a, b = self.inputs
        return _SAVES_OF_PRODUCT[a.requires_grad][b.requires_grad]

    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, gz):
        a, b = self.inputs
        if a.ndim == 2 and b.ndim == 2:  # the common case, kept short and fast
            return (gz @ b.T if a.requires_grad else None, a.T @ gz if b.requires_grad else None)
        a2 = a if a.ndim > 1 else reshape(a, (1, a.shape[0]))
        b2 = b if b.ndim > 1 else reshape(b, (b.shape[0], 1))
        g = gz  # restore the axes that 1-D operands dropped from Z
        if b.ndim == 1:
            g = unsqueeze(g, -1)
        if a.ndim == 1:
            g = unsqueeze(g, -2)
        ga = gb = None
        if a.requires_grad:
            ga = reshape(grad_like(matmul(g, swapaxes(b2, -1, -2)), a2), a.shape)
        if b.requires_grad:
            gb = reshape(grad_like(matmul(swapaxes(a2, -1, -2), g), b2), b.shape)
        return ga, gb


class Identity(Function):
    """z = x (a copy);  ∂L/∂x = z̄."""

    saves = ()

    def forward(self, x):
        return x.copy()

    def backward(self, gz):
        return gz


class Cast(Function):
    """z = x converted to another floating dtype;  ∂L/∂x = z̄ converted back."""

    saves = ()

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gz):
        (x,) = self.inputs
        return gz.astype(x.dtype) if x.dtype.kind == "f" else None


def add(a: TensorLike, b: TensorLike) -> Tensor:
    """a + b with broadcasting.

    >>> import mathdl as md
    >>> md.add(md.tensor([1.0, 2.0]), 10.0).tolist()
    [11.0, 12.0]
    """
    if (  # (the common case, two Tensors of one dtype and shape, checked here: a call fewer per op)
        type(a) is not Tensor
        or type(b) is not Tensor
        or a.array.dtype is not b.array.dtype
        or a.array.shape != b.array.shape
    ):
        a, b = _binary(a, b, "add")
    return Add()._apply2(a, b)


def sub(a: TensorLike, b: TensorLike) -> Tensor:
    """a − b with broadcasting.

    >>> import mathdl as md
    >>> md.sub(md.tensor([5.0, 2.0]), md.tensor([1.0, 4.0])).tolist()
    [4.0, -2.0]
    """
    if (  # (the common case, two Tensors of one dtype and shape, checked here: a call fewer per op)
        type(a) is not Tensor
        or type(b) is not Tensor
        or a.array.dtype is not b.array.dtype
        or a.array.shape != b.array.shape
    ):
        a, b = _binary(a, b, "sub")
    return Sub()._apply2(a, b)


def mul(a: TensorLike, b: TensorLike) -> Tensor:
    """a ⊙ b (elementwise) with broadcasting.

    >>> import mathdl as md
    >>> md.mul(md.tensor([1.0, 2.0]), md.tensor([3.0, 4.0])).tolist()
    [3.0, 8.0]
    """
    if (  # (the common case, two Tensors of one dtype and shape, checked here: a call fewer per op)
        type(a) is not Tensor
        or type(b) is not Tensor
        or a.array.dtype is not b.array.dtype
        or a.array.shape != b.array.shape
    ):
        a, b = _binary(a, b, "mul")
    return Mul()._apply2(a, b)


def div(a: TensorLike, b: TensorLike) -> Tensor:
    """a / b (true division) with broadcasting; integer operands give the default float dtype.

    >>> import mathdl as md
    >>> md.div(md.tensor([1.0, 3.0]), 2.0).tolist()
    [0.5, 1.5]
    """
    a, b = _binary(a, b, "div")
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        dtype = get_default_dtype()
        a, b = Tensor(a.array.astype(dtype)), Tensor(b.array.astype(dtype))
    return Div()._apply2(a, b)


def neg(x: TensorLike) -> Tensor:
    """−x.

    >>> import mathdl as md
    >>> md.neg(md.tensor([1.0, -2.0])).tolist()
    [-1.0, 2.0]
    """
    return Neg()(as_tensor(x))


def pow(a: TensorLike, b: TensorLike) -> Tensor:
    """aᵇ. A constant Python-number exponent uses the cheaper one-input rule.

    >>> import mathdl as md
    >>> md.pow(md.tensor([2.0, 3.0]), 2).tolist()
    [4.0, 9.0]
    """
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and np.ndim(b) == 0:
        b = cast(float, b)  # a Python or NumPy number here (0-d)
        return PowConstant(float(b) if not float(b).is_integer() else int(b))(a)
    return Pow()(*_binary(a, b, "pow"))


def matmul(a: TensorLike, b: TensorLike) -> Tensor:
    """Matrix product with NumPy's rules: (…, n, k) @ (…, k, m) -> (…, n, m); 1-D operands are
    vectors.

    >>> import mathdl as md
    >>> md.matmul(md.tensor([[1.0, 2.0], [3.0, 4.0]]), md.tensor([1.0, 1.0])).tolist()
    [3.0, 7.0]
    """
    if isinstance(a, Tensor):
        b = as_tensor(b, like=a)
    else:
        b = as_tensor(b)
        a = as_tensor(a, like=b)
    if a.dtype != b.dtype:
        a, b = _promote(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least one dimension, got shapes {a.shape} and {b.shape}"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: cannot multiply {a.shape} by {b.shape}: inner sizes {inner_a} != {inner_b}"
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
        except ValueError:
            raise ValueError(
                f"matmul: batch dimensions of {a.shape} and {b.shape} do not broadcast"
            ) from None
    return MatMul()(a, b)


_bind_operators(sys.modules[__name__])
