"""Special functions as differentiable ops: the error function and its complement.

    erf(x)  = (2/√π) ∫₀ˣ e^(−t²) dt,        d erf/dx  =  (2/√π) e^(−x²)
    erfc(x) = 1 − erf(x),                   d erfc/dx = −(2/√π) e^(−x²)

Evaluated without SciPy: for |x| < 1.5 the everywhere-positive series

    erf(x) = (2/√π) e^(−x²) Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1))

(no cancellation, unlike the alternating Taylor series); for |x| ≥ 1.5 the continued fraction

    erfc(x) = (e^(−x²)/√π) · 1/(x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))))

evaluated backwards from a fixed depth, which keeps erfc's relative accuracy in the far tail
(where 1 − erf(x) would round to 0). ``mathdl.stats`` uses these same functions.

The standard normal quantile x = Φ⁻¹(p) (``Ndtri``, public as ``mathdl.stats.ndtri``): Acklam's
rational approximation (relative error 1.2e-9) polished by one Halley step on Φ(x) − p using
``erfc``, which brings it to full double precision;  dΦ⁻¹/dp = √(2π) e^(x²/2).
"""

import math

import numpy as np

from mathdl.autograd.function import Function
from mathdl.autograd.tensor import Tensor
from mathdl.ops.elementwise import _floating, exp
from mathdl.typing import TensorLike

_SERIES_TERMS = 90
_FRACTION_DEPTH = 120
_SWITCH = 1.5
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


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
    """erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt elementwise on a float array (computed in float64)."""
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
        (x,) = self.inputs
        return gy * exp(-(x * x)) * TWO_OVER_SQRT_PI


class Erfc(Function):
    """y = erfc(x) = 1 − erf(x);  ∂L/∂x = −ȳ · (2/√π) e^(−x²)."""

    def forward(self, x):
        return erfc_array(x).astype(x.dtype, copy=False)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * exp(-(x * x)) * (-TWO_OVER_SQRT_PI)


def erf(input: TensorLike) -> Tensor:
    """The error function erf(x) elementwise (``torch.erf``); any shape, integers become floats.

    >>> import mathdl as md
    >>> md.erf(md.tensor([0.0, 10.0]))
    tensor([0., 1.])
    """
    return _floating(Erf(), input)


def erfc(input: TensorLike) -> Tensor:
    """The complementary error function 1 − erf(x) elementwise (``torch.erfc``), exact in the tail.

    >>> import mathdl as md
    >>> md.erfc(md.tensor([0.0]))
    tensor([1.])
    """
    return _floating(Erfc(), input)


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

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, p):
        return ndtri_array(p).astype(p.dtype, copy=False)

    def backward(self, gx):
        x = self.outputs[0]()
        x = x if x is not None else Ndtri()(self.inputs[0])
        return gx * exp(x * x * 0.5) * math.sqrt(2.0 * math.pi)
