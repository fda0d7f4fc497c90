"""nn.init: PyTorch's gains and fans, and the statistics of what each scheme draws."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.nn import init


def big(shape):
    return nn.Parameter(np.zeros(shape))


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans():
    assert init.calculate_fan_in_and_fan_out(big((30, 20))) == (20, 30)
    assert init.calculate_fan_in_and_fan_out(big((8, 3, 5, 5))) == (75, 200)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.calculate_fan_in_and_fan_out(big((5,)))


def test_uniform_normal_constant():
    md.manual_seed(0)
    t = init.uniform_(big((200, 300)), -2, 3)
    assert t.array.min() >= -2 and t.array.max() < 3 and t.dtype == np.float32
    assert t.array.mean() == pytest.approx(0.5, abs=0.02)
    t = init.normal_(big((200, 300)), 1.0, 2.0)
    assert t.array.mean() == pytest.approx(1.0, abs=0.02) and t.array.std() == pytest.approx(2.0, rel=0.01)
    assert np.all(init.zeros_(t).array == 0) and np.all(init.ones_(t).array == 1)
    assert np.all(init.constant_(t, 0.25).array == 0.25)
    with pytest.raises(ValueError, match="lower bound"):
        init.uniform_(t, 1, 0)
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.normal_(np.zeros(3))


@pytest.mark.parametrize(
    "scheme,shape,std",
    [
        ("xavier_uniform_", (300, 200), math.sqrt(2 / 500)),
        ("xavier_normal_", (300, 200), math.sqrt(2 / 500)),
        ("kaiming_normal_", (64, 16, 3, 3), math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(144)),
        ("kaiming_uniform_", (64, 16, 3, 3), math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(144)),
    ],
)
def test_scheme_standard_deviations(scheme, shape, std):
    md.manual_seed(1)
    t = getattr(init, scheme)(big(shape))
    assert t.array.std() == pytest.approx(std, rel=0.03)
    assert abs(t.array.mean()) < 0.05 * std
    if scheme.endswith("uniform_"):
        assert np.abs(t.array).max() <= math.sqrt(3) * std * (1 + 1e-6)


def test_kaiming_modes_and_gain():
    md.manual_seed(2)
    t = init.kaiming_normal_(big((400, 100)), mode="fan_out", nonlinearity="relu")
    assert t.array.std() == pytest.approx(math.sqrt(2 / 400), rel=0.03)
    t = init.xavier_uniform_(big((400, 100)), gain=init.calculate_gain("tanh"))
    assert t.array.std() == pytest.approx(5 / 3 * math.sqrt(2 / 500), rel=0.03)
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_uniform_(t, mode="fan_avg")


def test_orthogonal_and_trunc_normal():
    md.manual_seed(3)
    q = init.orthogonal_(big((6, 10))).array.astype(np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(6), atol=1e-5)
    q = init.orthogonal_(big((10, 6)), gain=2.0).array.astype(np.float64)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(6), atol=1e-4)
    t = init.trunc_normal_(big((300, 300)), std=1.0, a=-1.0, b=1.5).array
    assert t.min() >= -1 and t.max() <= 1.5
    # the mean of N(0, 1) truncated to [a, b] is (φ(a) − φ(b)) / (Φ(b) − Φ(a))
    phi = lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2)))  # noqa: E731
    assert t.mean() == pytest.approx((phi(-1) - phi(1.5)) / (cdf(1.5) - cdf(-1)), abs=0.01)


def test_same_seed_same_draws():
    md.manual_seed(5)
    a = init.xavier_normal_(big((4, 4))).array.copy()
    md.manual_seed(5)
    np.testing.assert_array_equal(a, init.xavier_normal_(big((4, 4))).array)


def test_zero_element_tensors_are_a_no_op():
    t = nn.Parameter(np.zeros((3, 0)))
    for scheme in (init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_):
        assert scheme(t) is t and t.shape == (3, 0)
    assert nn.Linear(0, 3)(md.zeros(2, 0)).shape == (2, 3)
