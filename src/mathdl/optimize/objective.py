"""A scalar objective f: Rⁿ → R seen through autograd: values, gradients, Hessians and
Hessian-vector products, with evaluation counts.

``fun`` receives a float64 Tensor shaped like x0 and returns a one-element Tensor. Its gradient is
∇f = grad(f, x); its Hessian ∇²f is built row by row as ∂(∇f)ᵢ/∂x (n extra backward passes over
the graph recorded with ``create_graph=True``) and a Hessian-vector product as ∇ₓ⟨∇f(x), v⟩ (one).
When ``jac`` is given (a callable receiving the same Tensor and returning ∇f, or ``True`` when
``fun`` returns (f, ∇f) as in SciPy), it is used instead; the Hessian then comes from central
differences of ``jac``.
"""

import numpy as np

from mathdl.autograd.engine import grad
from mathdl.autograd.grad_mode import no_grad
from mathdl.autograd.tensor import Tensor


def as_vector(x0, op="minimize"):
    """x0 as a flat float64 array (and the shape to give it back)."""
    array = np.asarray(getattr(x0, "data", x0))
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: x0 must be real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.size == 0:
        raise ValueError(f"{op}: x0 is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{op}: x0 must be finite")
    return array.reshape(-1).copy(), array.shape


def scalar_of(value, op):
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{op}: the objective must return a scalar, got shape {value.shape}")
        return float(value.array.reshape(()))
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"{op}: the objective must return a scalar, got shape {array.shape}")
    return float(array.reshape(()))


class Objective:
    """f with autograd derivatives on flat float64 vectors; counts nfev, njev, nhev."""

    def __init__(self, fun, shape, jac=None, hess=None, args=(), name="fun"):
        if not callable(fun):
            raise TypeError(f"minimize: {name} must be callable, got {type(fun).__name__}")
        if jac is True:
            # SciPy's convention: fun returns (f, ∇f) together
            combined = fun
            fun = lambda x, *a: combined(x, *a)[0]  # noqa: E731
            jac = lambda x, *a: combined(x, *a)[1]  # noqa: E731
        if jac is not None and not callable(jac):
            raise TypeError(
                "minimize: jac must be a callable returning the gradient, True when fun returns "
                "(f, gradient), or None for autograd"
            )
        self.fun, self.jac, self.hess, self.args = fun, jac, hess, tuple(args)
        self.shape = shape
        self.name = name
        self.nfev = self.njev = self.nhev = 0

    def _tensor(self, x, requires_grad=False):
        return Tensor(np.array(x, dtype=np.float64).reshape(self.shape), requires_grad=requires_grad)

    def value(self, x):
        self.nfev += 1
        with no_grad():
            return scalar_of(self.fun(self._tensor(x), *self.args), self.name)

    def value_and_grad(self, x):
        """(f(x), ∇f(x)) from one forward and one backward pass."""
        self.nfev += 1
        self.njev += 1
        if self.jac is not None:
            with no_grad():
                value = scalar_of(self.fun(self._tensor(x), *self.args), self.name)
                gradient = self.jac(self._tensor(x), *self.args)
            gradient = np.asarray(getattr(gradient, "data", gradient), dtype=np.float64).reshape(-1)
            if gradient.size != x.size:
                raise ValueError(f"minimize: jac returned {gradient.size} values for {x.size} variables")
            return value, gradient
        t = self._tensor(x, requires_grad=True)
        y = self.fun(t, *self.args)
        value = scalar_of(y, self.name)
        if not isinstance(y, Tensor):
            raise TypeError(
                f"minimize: {self.name} returned a {type(y).__name__}, not a Tensor computed from "
                f"its input, so autograd cannot differentiate it; use mathdl ops or pass jac="
            )
        if not y.requires_grad:  # f does not depend on x: a flat objective
            return value, np.zeros_like(x)
        (g,) = grad(y.reshape(()) if y.shape else y, [t], allow_unused=True)
        return value, (np.zeros_like(x) if g is None else np.asarray(g.array, dtype=np.float64).reshape(-1))

    def gradient(self, x):
        return self.value_and_grad(x)[1]

    def hessian(self, x):
        """∇²f(x) (n, n): autograd rows, the user's ``hess``, or central differences of ``jac``."""
        self.nhev += 1
        n = x.size
        if self.hess is not None:
            with no_grad():
                h = self.hess(self._tensor(x), *self.args)
            return np.asarray(getattr(h, "data", h), dtype=np.float64).reshape(n, n)
        if self.jac is not None:
            step = 1e-6 * np.maximum(1.0, np.abs(x))
            rows = []
            for i in range(n):
                e = np.zeros(n)
                e[i] = step[i]
                rows.append((self.gradient(x + e) - self.gradient(x - e)) / (2 * step[i]))
            h = np.array(rows)
            return 0.5 * (h + h.T)
        t = self._tensor(x, requires_grad=True)
        y = self.fun(t, *self.args)
        if not isinstance(y, Tensor) or not y.requires_grad:
            return np.zeros((n, n))
        (g,) = grad(y.reshape(()) if y.shape else y, [t], create_graph=True, allow_unused=True)
        if g is None or not g.requires_grad:
            return np.zeros((n, n))
        flat = g.reshape(-1)
        rows = []
        for i in range(n):
            (row,) = grad(flat[i], [t], retain_graph=True, allow_unused=True)
            rows.append(np.zeros(n) if row is None else np.asarray(row.array, dtype=np.float64).reshape(-1))
        h = np.array(rows)
        return 0.5 * (h + h.T)

    def hessian_vector_product(self, x, v):
        """(∇²f(x)) v = ∇ₓ⟨∇f(x), v⟩ exactly (one double-backward pass)."""
        if self.jac is not None or self.hess is not None:
            return self.hessian(x) @ v
        self.nhev += 1
        t = self._tensor(x, requires_grad=True)
        y = self.fun(t, *self.args)
        (g,) = grad(y.reshape(()) if y.shape else y, [t], create_graph=True, allow_unused=True)
        if g is None or not g.requires_grad:
            return np.zeros_like(x)
        inner = (g.reshape(-1) * Tensor(np.asarray(v, dtype=np.float64))).sum()
        (hv,) = grad(inner, [t], allow_unused=True)
        return np.zeros_like(x) if hv is None else np.asarray(hv.array, dtype=np.float64).reshape(-1)
