"""Special functions as differentiable ops: the error function and its complement.

    erf(x)  = (2/√π) ∫₀ˣ e^(−t²) dt,        d erf/dx  =  (2/√π) e^(−x²)
    erfc(x) = 1 − erf(x),                   d erfc/dx = −(2/√π) e^(−x²)

Evaluated without SciPy: for |x| < 1.5 the everywhere-positive series

    erf(x) = (2/√π) e^(−x²) Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1))

(no cancellation, unlike the alternating Taylor series); for |x| ≥ 1.5 the continued fraction

    erfc(x) = (e^(−x²)/√π) · 1/(x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))))

evaluated backwards from a fixed depth, which keeps erfc's relative accuracy in the far tail
(where 1 − erf(x) would round to 0). ``mathdl.stats`` uses these same functions.
"""

import math

import numpy as np

from mathdl.autograd.function import Function
from mathdl.ops.elementwise import _floating, exp

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


def erf(input):
    """The error function erf(x) elementwise (``torch.erf``); any shape, integers become floats.

    >>> import mathdl as md
    >>> md.erf(md.tensor([0.0, 10.0]))
    tensor([0., 1.])
    """
    return _floating(Erf(), input)


def erfc(input):
    """The complementary error function 1 − erf(x) elementwise (``torch.erfc``), exact in the tail.

    >>> import mathdl as md
    >>> md.erfc(md.tensor([0.0]))
    tensor([1.])
    """
    return _floating(Erfc(), input)
