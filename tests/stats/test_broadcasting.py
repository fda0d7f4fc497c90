"""Property tests: parameters of any broadcastable shapes give batch_shape = their broadcast, and
every entry equals the scalar distribution built from the matching entries."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mathdl import stats

shapes = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


@settings(max_examples=40, deadline=None)
@given(shapes=shapes, seed=st.integers(0, 2**32 - 1))
def test_normal_and_laplace_broadcast_like_numpy(shapes, seed):
    rng = np.random.default_rng(seed)
    loc_shape, scale_shape, x_shape = shapes.input_shapes
    loc = rng.standard_normal(loc_shape)
    scale = rng.uniform(0.5, 2.0, scale_shape)
    x = rng.standard_normal(x_shape)
    for family in (stats.Normal, stats.Laplace):
        d = family(loc, scale)
        assert d.batch_shape == np.broadcast_shapes(loc_shape, scale_shape)
        value = np.asarray(d.log_prob(x))
        assert value.shape == shapes.result_shape
        l, s, xx = np.broadcast_arrays(loc, scale, x)
        expected = [
            float(np.asarray(family(np.float64(a), np.float64(b)).log_prob(np.float64(c))))
            for a, b, c in zip(l.ravel(), s.ravel(), xx.ravel())
        ]
        np.testing.assert_allclose(value.ravel(), expected, rtol=1e-12)
        assert d.sample((2,)).shape == (2,) + d.batch_shape


@settings(max_examples=30, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_poisson_and_binomial_masses_broadcast(shapes, seed):
    rng = np.random.default_rng(seed)
    rate_shape, k_shape = shapes.input_shapes
    rate = rng.uniform(0.5, 5.0, rate_shape)
    k = rng.integers(0, 6, k_shape).astype(float)
    value = np.asarray(stats.Poisson(rate).log_prob(k))
    assert value.shape == shapes.result_shape
    r, kk = np.broadcast_arrays(rate, k)
    expected = (
        kk * np.log(r)
        - r
        - np.array([np.sum(np.log(np.arange(1, int(j) + 1))) for j in kk.ravel()]).reshape(kk.shape)
    )
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(stats.Poisson(rate).cdf(k)).shape, shapes.result_shape)
