import math

import numpy as np
import pytest

import mathdl as md
from mathdl import stats
from mathdl.autograd.gradcheck import gradcheck

P_XY = np.array([[0.10, 0.20, 0.05], [0.30, 0.00, 0.35]])


def value(t):
    return float(np.asarray(t))


def test_entropy_of_known_distributions():
    assert value(stats.entropy([0.5, 0.5], base=2)) == pytest.approx(1.0)
    assert value(stats.entropy(np.full(8, 1 / 8), base=2)) == pytest.approx(3.0)
    assert value(stats.entropy([1.0, 0.0, 0.0])) == 0.0
    assert value(stats.entropy(np.full(4, 0.25))) == pytest.approx(math.log(4))
    np.testing.assert_allclose(
        np.asarray(stats.entropy(np.array([[0.5, 0.5], [1.0, 0.0]]), base=2)), [1.0, 0.0]
    )


def test_entropy_kl_cross_entropy_match_scipy(rng):
    scipy_stats = pytest.importorskip("scipy.stats", reason="SciPy is a test extra")
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    assert value(stats.entropy(p)) == pytest.approx(scipy_stats.entropy(p), rel=1e-12)
    assert value(stats.entropy(p, base=2)) == pytest.approx(scipy_stats.entropy(p, base=2), rel=1e-12)
    assert value(stats.kl_divergence(p, q)) == pytest.approx(scipy_stats.entropy(p, q), rel=1e-12)
    assert value(stats.cross_entropy(p, q)) == pytest.approx(
        scipy_stats.entropy(p) + scipy_stats.entropy(p, q), rel=1e-12
    )


def test_chain_rule_and_mutual_information_identities():
    p_x, p_y = P_XY.sum(axis=1), P_XY.sum(axis=0)
    h_xy = value(stats.joint_entropy(P_XY))
    # H(X, Y) = H(X) + H(Y | X) = H(Y) + H(X | Y)
    assert h_xy == pytest.approx(
        value(stats.entropy(p_x)) + value(stats.conditional_entropy(P_XY)), rel=1e-13
    )
    assert h_xy == pytest.approx(
        value(stats.entropy(p_y)) + value(stats.conditional_entropy(P_XY.T)), rel=1e-13
    )
    # I(X; Y) = H(X) − H(X | Y) = H(Y) − H(Y | X) = KL(p(x, y) ‖ p(x) p(y))
    mi = value(stats.mutual_information(P_XY))
    assert mi == pytest.approx(
        value(stats.entropy(p_x)) - value(stats.conditional_entropy(P_XY.T)), rel=1e-12
    )
    assert mi == pytest.approx(value(stats.entropy(p_y)) - value(stats.conditional_entropy(P_XY)), rel=1e-12)
    assert mi == pytest.approx(
        value(stats.kl_divergence(P_XY.ravel(), np.outer(p_x, p_y).ravel())), rel=1e-12
    )
    assert mi > 0.1


def test_independent_variables_share_no_information():
    p_xy = np.outer([0.2, 0.8], [0.1, 0.6, 0.3])
    assert abs(value(stats.mutual_information(p_xy))) < 1e-15
    assert value(stats.conditional_entropy(p_xy)) == pytest.approx(value(stats.entropy([0.1, 0.6, 0.3])))


def test_bits_are_nats_over_log_two():
    for f in (stats.joint_entropy, stats.conditional_entropy, stats.mutual_information):
        assert value(f(P_XY, base=2)) == pytest.approx(value(f(P_XY)) / math.log(2), rel=1e-14)


def test_self_information_and_infinite_divergence():
    np.testing.assert_allclose(np.asarray(stats.self_information([0.5, 0.25], base=2)), [1.0, 2.0])
    assert np.isinf(value(stats.self_information(0.0)))
    assert np.isinf(value(stats.kl_divergence([0.5, 0.5], [1.0, 0.0])))
    assert np.isinf(value(stats.cross_entropy([0.5, 0.5], [1.0, 0.0])))
    assert value(stats.kl_divergence([1.0, 0.0], [0.5, 0.5])) == pytest.approx(math.log(2))


def test_gibbs_inequality_on_random_pairs(rng):
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        assert value(stats.kl_divergence(p, q)) >= 0
        assert value(stats.cross_entropy(p, q)) >= value(stats.entropy(p))


def test_gradients_through_the_simplex():
    logits = md.tensor(np.array([0.3, -1.0, 0.8, 0.1]), requires_grad=True)
    other = np.array([0.1, 0.2, 0.3, 0.4])
    assert gradcheck(lambda l: stats.entropy(md.softmax(l)), [logits])
    assert gradcheck(lambda l: stats.kl_divergence(md.softmax(l), other), [logits])
    assert gradcheck(lambda l: stats.kl_divergence(other, md.softmax(l)), [logits])
    joint = md.tensor(np.array([0.2, -0.4, 1.0, 0.5, 0.0, -1.0]), requires_grad=True)
    assert gradcheck(lambda j: stats.mutual_information(md.softmax(j).reshape(2, 3)), [joint])
    assert gradcheck(lambda j: stats.conditional_entropy(md.softmax(j).reshape(2, 3)), [joint])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: stats.entropy([0.5, 0.6]), "must sum to 1"),
        (lambda: stats.entropy([1.2, -0.2]), "non-negative"),
        (lambda: stats.kl_divergence([0.5, 0.5], [0.3, 0.3, 0.4]), "same shape"),
        (lambda: stats.conditional_entropy([0.5, 0.5]), "2-D joint table"),
        (lambda: stats.entropy([0.5, 0.5], base=1), "base must be"),
        (lambda: stats.self_information(1.5), r"\[0, 1\]"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()
