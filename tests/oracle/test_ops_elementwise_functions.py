"""The elementwise functions of issue 10 against PyTorch: values and vector-Jacobian products in
float64 over random shapes (sin … softplus), zero gradients of the rounding functions."""

import numpy as np
import pytest

import mathdl as md
from torch_oracle import compare_with_torch


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


CASES = {
    # name: (mathdl function, torch function of (torch, x), sampler)
    "sin": (md.sin, lambda t, x: t.sin(x), _uniform(-4, 4)),
    "cos": (md.cos, lambda t, x: t.cos(x), _uniform(-4, 4)),
    "tan": (md.tan, lambda t, x: t.tan(x), _uniform(-1.3, 1.3)),
    "asin": (md.asin, lambda t, x: t.asin(x), _uniform(-0.95, 0.95)),
    "acos": (md.acos, lambda t, x: t.acos(x), _uniform(-0.95, 0.95)),
    "atan": (md.atan, lambda t, x: t.atan(x), _uniform(-5, 5)),
    "sinh": (md.sinh, lambda t, x: t.sinh(x), _uniform(-3, 3)),
    "cosh": (md.cosh, lambda t, x: t.cosh(x), _uniform(-3, 3)),
    "erf": (md.erf, lambda t, x: t.erf(x), _uniform(-4, 4)),
    "erfc": (md.erfc, lambda t, x: t.erfc(x), _uniform(-4, 6)),
    "log1p": (md.log1p, lambda t, x: t.log1p(x), _uniform(-0.9, 5)),
    "expm1": (md.expm1, lambda t, x: t.expm1(x), _uniform(-3, 3)),
    "square": (md.square, lambda t, x: t.square(x), _uniform(-3, 3)),
    "rsqrt": (md.rsqrt, lambda t, x: t.rsqrt(x), _uniform(0.2, 4)),
    "reciprocal": (md.reciprocal, lambda t, x: t.reciprocal(x), _uniform(0.2, 4)),
    "softplus": (md.softplus, lambda t, x: t.nn.functional.softplus(x), _uniform(-30, 30)),
    "softplus beta": (
        lambda x: md.softplus(x, beta=0.5, threshold=5.0),
        lambda t, x: t.nn.functional.softplus(x, beta=0.5, threshold=5.0),
        _uniform(-30, 30),
    ),
    "floor": (md.floor, lambda t, x: t.floor(x), _uniform(-3, 3)),
    "ceil": (md.ceil, lambda t, x: t.ceil(x), _uniform(-3, 3)),
    "round": (md.round, lambda t, x: t.round(x), lambda rng, s: rng.integers(-6, 6, s) / 2.0),
    "round decimals": (
        lambda x: md.round(x, decimals=1),
        lambda t, x: t.round(x, decimals=1),
        _uniform(-3, 3),
    ),
    "sign": (md.sign, lambda t, x: t.sign(x), lambda rng, s: rng.integers(-2, 3, s) * 1.0),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
def test_like_torch(torch, name, shape):
    function, torch_function, sample = CASES[name]
    x = sample(np.random.default_rng(len(name) + len(shape)), shape)
    rtol = 1e-7 if name == "round decimals" else 1e-10  # decimals: both scale by 10, round, unscale
    compare_with_torch(torch, function, lambda t: torch_function(torch, t), [x], rtol=rtol)


def test_atan2_like_torch(torch):
    rng = np.random.default_rng(3)
    y, x = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    compare_with_torch(torch, md.atan2, torch.atan2, [y, x])
