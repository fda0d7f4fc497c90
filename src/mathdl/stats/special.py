"""Special functions the distributions need, written from their series and continued fractions.

- ``lgamma(x)``: log Γ(x) for x > 0 by the Lanczos approximation (g = 7, nine coefficients),

      Γ(z + 1) = √(2π) (z + g + ½)^(z + ½) e^-(z + g + ½) A_g(z),
      A_g(z) = c₀ + Σₖ cₖ / (z + k),

  accurate to about 1e-15 relative. Values below ½ use the reflection Γ(x) Γ(1 − x) = π / sin(πx).
- ``erf(x)`` and ``erfc(x)``: for |x| < 1.5 the everywhere-positive series

      erf(x) = (2/√π) e^(−x²) Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1))

  (no cancellation, unlike the alternating Taylor series); for |x| ≥ 1.5 the continued fraction

      erfc(x) = (e^(−x²)/√π) · 1/(x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))))

  evaluated backwards from a fixed depth, which keeps erfc's relative accuracy in the far tail
  (where 1 − erf(x) would round to 0). ``Erf``/``Erfc`` are differentiable: d erf/dx = (2/√π) e^(−x²).

All functions take arrays (vectorised) or Tensors (``erf``/``erfc`` then record the gradient).
"""
import math

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import exp

_LANCZOS_G = 7.0
_LANCZOS = np.array([0.99999999999980993, 676.5203681218851, -1259.1392167224028,
                     771.32342877765313, -176.61502916214059, 12.507343278686905,
                     -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7])
_SERIES_TERMS = 90
_FRACTION_DEPTH = 120
_SWITCH = 1.5
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def lgamma(x):
    """log Γ(x) elementwise for an array (or Tensor's data) of positive reals; shape preserved."""
    x = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    if np.any(x <= 0):
        raise ValueError("lgamma: defined here for x > 0 only")
    out = np.empty_like(x)
    small = x < 0.5
    if np.any(small):
        xs = x[small]
        out[small] = np.log(np.pi / np.abs(np.sin(np.pi * xs))) - _lgamma_lanczos(1.0 - xs)
    out[~small] = _lgamma_lanczos(x[~small])
    return out


def _lgamma_lanczos(x):
    z = x - 1.0
    series = _LANCZOS[0] + (_LANCZOS[1:] / (z[..., None] + np.arange(1.0, 9.0))).sum(axis=-1)
    t = z + _LANCZOS_G + 0.5
    return 0.5 * np.log(2 * np.pi) + (z + 0.5) * np.log(t) - t + np.log(series)


def log_factorial(k):
    """log k! = log Γ(k + 1) for non-negative integers (as floats)."""
    return lgamma(np.asarray(k, dtype=np.float64) + 1.0)


def _erf_series(x):
    # Σ 2ⁿ x^(2n+1)/(2n+1)!!, summed in a vectorised loop over n (terms are all positive).
    term = x.copy()
    total = x.copy()
    x2 = 2.0 * x * x
    for n in range(1, _SERIES_TERMS):
        term = term * x2 / (2 * n + 1)
        total = total + term
    return TWO_OVER_SQRT_PI * np.exp(-x * x) * total


def _erfc_fraction(x):
    # x ≥ _SWITCH > 0: backward evaluation of the continued fraction (fixed depth; converged there).
    f = x.copy()
    for k in range(_FRACTION_DEPTH, 0, -1):
        f = x + (0.5 * k) / f
    return np.exp(-x * x) / (math.sqrt(math.pi) * f)


def erf_array(x):
    """erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt elementwise on a float array."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    out = np.empty_like(x)
    near = ax < _SWITCH
    out[near] = _erf_series(ax[near])
    out[~near] = 1.0 - _erfc_fraction(ax[~near])
    return np.sign(x) * out


def erfc_array(x):
    """erfc(x) = 1 − erf(x) elementwise, accurate in the right tail (relative error ~1e-15)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    tail = x >= _SWITCH
    out[tail] = _erfc_fraction(x[tail])
    out[~tail] = 1.0 - erf_array(x[~tail])
    return out


class Erf(Function):
    """y = erf(x);  ∂L/∂x = ȳ · (2/√π) e^(−x²)."""

    def forward(self, x):
        return erf_array(x).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, = self.inputs
        return gy * exp(-(x * x)) * TWO_OVER_SQRT_PI


class Erfc(Function):
    """y = erfc(x) = 1 − erf(x);  ∂L/∂x = −ȳ · (2/√π) e^(−x²)."""

    def forward(self, x):
        return erfc_array(x).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, = self.inputs
        return gy * exp(-(x * x)) * (-TWO_OVER_SQRT_PI)


def _float_tensor(x):
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = Tensor(x.data.astype(np.float64))
    return x


def erf(x):
    """The error function, elementwise and differentiable (a Tensor in, a Tensor out)."""
    return Erf()(_float_tensor(x))


def erfc(x):
    """The complementary error function 1 − erf(x), elementwise and differentiable."""
    return Erfc()(_float_tensor(x))
