import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck
from mathdl.stats.special import erf, erf_array, erfc, erfc_array, lgamma


def test_erf_and_erfc_match_scipy_including_the_far_tail():
    special = pytest.importorskip("scipy.special", reason="SciPy is a test extra")
    x = np.linspace(-8, 26, 4001)
    np.testing.assert_allclose(erf_array(x), special.erf(x), rtol=0, atol=2e-15)
    np.testing.assert_allclose(erfc_array(x), special.erfc(x), rtol=1e-13, atol=0)


def test_lgamma_matches_scipy():
    special = pytest.importorskip("scipy.special", reason="SciPy is a test extra")
    x = np.concatenate([np.linspace(1e-3, 12, 500), np.geomspace(12, 1e7, 50)])
    np.testing.assert_allclose(lgamma(x), special.gammaln(x), rtol=1e-13, atol=1e-13)


def test_lgamma_of_integers_is_log_factorial():
    np.testing.assert_allclose(
        lgamma(np.arange(1, 15)), np.log(np.cumprod(np.r_[1, np.arange(1, 14)])), rtol=1e-14, atol=1e-14
    )


def test_lgamma_rejects_non_positive():
    with pytest.raises(ValueError, match="x > 0"):
        lgamma([1.0, 0.0])


def test_erf_gradients():
    x = md.tensor(np.array([-2.0, -0.3, 0.0, 0.7, 1.6, 3.0]), requires_grad=True)
    assert gradcheck(erf, [x])
    assert gradcheck(erfc, [x])
