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
  to full double precision; dΦ⁻¹/dp = √(2π) e^(x²/2). ``Ndtri`` and ``ndtri_array`` also live in
  ``mathdl.ops.special``; ``ndtri`` here calls them.

All functions take arrays (vectorised) or Tensors (``erf``/``erfc``/``ndtri`` then record the
gradient).
"""

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.special import (  # noqa: F401 (re-exported)
    TWO_OVER_SQRT_PI,
    Erf,
    Erfc,
    Ndtri,
    erf_array,
    erfc_array,
    ndtri_array,
)

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
