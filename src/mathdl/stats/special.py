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
  Their one home is ``mathdl.ops.special`` (the ops); this module re-exports them.

- ``ndtri(p)``: the standard normal quantile Φ⁻¹(p), from Acklam's rational approximation
  (relative error 1.2e-9) polished by one Halley step on Φ(x) − p using ``erfc``, which brings it
  to full double precision; dΦ⁻¹/dp = √(2π) e^(x²/2).

All functions take arrays (vectorised) or Tensors (``erf``/``erfc``/``ndtri`` then record the
gradient).
"""

import math

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import exp
from mathdl.ops.special import TWO_OVER_SQRT_PI, Erf, Erfc, erf_array, erfc_array  # noqa: F401 (re-exported)

_LANCZOS_G = 7.0
_LANCZOS = np.array(
    [
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7,
    ]
)


def lgamma(x):
    """log Γ(x) elementwise for an array (or Tensor's data) of positive reals; shape preserved."""
    x = np.asarray(x.array if isinstance(x, Tensor) else x, dtype=np.float64)
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


_ACKLAM_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_ACKLAM_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_ACKLAM_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_ACKLAM_LOW = 0.02425


def _polynomial(coefficients, x):
    result = np.zeros_like(x)
    for c in coefficients:
        result = result * x + c
    return result


def ndtri_array(p):
    """Φ⁻¹(p) elementwise for p ∈ [0, 1] (±∞ at the ends)."""
    p = np.asarray(p, dtype=np.float64)
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError("ndtri: probabilities must lie in [0, 1]")
    x = np.empty_like(p)
    interior = (p > 0) & (p < 1)
    q = np.where(interior, p, 0.5)
    low, high = q < _ACKLAM_LOW, q > 1 - _ACKLAM_LOW
    middle = ~(low | high)
    t = q[middle] - 0.5
    r = t * t
    x[middle] = _polynomial(_ACKLAM_A, r) * t / (_polynomial(_ACKLAM_B, r) * r + 1.0)
    for mask, tail, sign in ((low, q[low], 1.0), (high, 1.0 - q[high], -1.0)):
        u = np.sqrt(-2.0 * np.log(tail))
        x[mask] = sign * _polynomial(_ACKLAM_C, u) / (_polynomial(_ACKLAM_D, u) * u + 1.0)
    # one Halley step on Φ(x) − p; the error of Φ is taken on the side where it is small
    error = np.where(
        x < 0, 0.5 * erfc_array(-x / math.sqrt(2.0)) - q, (1.0 - q) - 0.5 * erfc_array(x / math.sqrt(2.0))
    )  # Φ(x) − p
    u = error * math.sqrt(2.0 * math.pi) * np.exp(0.5 * x * x)
    x = x - u / (1.0 + 0.5 * x * u)
    x[p == 0] = -np.inf
    x[p == 1] = np.inf
    return x


class Ndtri(Function):
    """x = Φ⁻¹(p);  ∂L/∂p = x̄ · √(2π) e^(x²/2)  (the reciprocal of the normal density at x)."""

    def forward(self, p):
        return ndtri_array(p).astype(p.dtype, copy=False)

    def backward(self, gx):
        x = self.outputs[0]()
        x = x if x is not None else Ndtri()(self.inputs[0])
        return gx * exp(x * x * 0.5) * math.sqrt(2.0 * math.pi)


def ndtri(p):
    """The standard normal quantile Φ⁻¹(p), elementwise and differentiable."""
    return Ndtri()(_float_tensor(p))


def _float_tensor(x):
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = Tensor(x.array.astype(np.float64))
    return x


def erf(x):
    """The error function, elementwise and differentiable (a Tensor in, a Tensor out)."""
    return Erf()(_float_tensor(x))


def erfc(x):
    """The complementary error function 1 − erf(x), elementwise and differentiable."""
    return Erfc()(_float_tensor(x))
