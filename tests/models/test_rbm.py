import itertools

import numpy as np
import pytest

import mathdl as md
from mathdl import optim
from mathdl.models.rbm import BernoulliRBM
from mathdl.random import generator
from mathdl.train import ContrastiveDivergence, Trainer
from training_helpers import fit_model


def train_rbm(rbm, data, epochs, learning_rate, persistent=False, momentum=0.0, batch_size=20):
    """CD-k (PCD-k) through the Trainer: the ContrastiveDivergence strategy and SGD with momentum."""
    optimizer = optim.SGD(rbm.parameters(), lr=learning_rate, momentum=momentum)
    return fit_model(
        rbm, data, epochs, batch_size, strategy=ContrastiveDivergence(persistent), optimizer=optimizer
    )


def all_binary(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def small_rbm(n_visible=5, n_hidden=3, seed=0, **kwargs):
    md.manual_seed(seed)
    rbm = BernoulliRBM(n_visible, n_hidden, dtype=np.float64, **kwargs)
    rng = np.random.default_rng(seed)
    rbm.weight.array[...] = rng.normal(scale=0.8, size=rbm.weight.shape)
    rbm.visible_bias.array[...] = rng.normal(scale=0.5, size=n_visible)
    rbm.hidden_bias.array[...] = rng.normal(scale=0.5, size=n_hidden)
    return rbm


def energy(rbm, v, h):
    w, b, c = rbm.weight.array, rbm.visible_bias.array, rbm.hidden_bias.array
    return -(v @ b) - (h @ c) - np.einsum("nh,hd,nd->n", h, w, v)


def exact_log_likelihood(rbm, data):
    """log p(v) = −F(v) − log Z with Z summed over every (v, h)."""
    vs, hs = all_binary(rbm.n_visible), all_binary(rbm.n_hidden)
    v_all = np.repeat(vs, len(hs), axis=0)
    h_all = np.tile(hs, (len(vs), 1))
    log_z = np.logaddexp.reduce(-energy(rbm, v_all, h_all))
    return -rbm.free_energy(data) - log_z


def exact_gradient(rbm, data):
    """E_data[p(h|v) vᵀ] − E_model[h vᵀ], the model term by enumerating p(v)."""
    vs = all_binary(rbm.n_visible)
    p_v = np.exp(exact_log_likelihood(rbm, vs))
    ph_model = rbm.hidden_probabilities(vs)
    ph_data = rbm.hidden_probabilities(data)
    grad_w = ph_data.T @ data / len(data) - (ph_model * p_v[:, None]).T @ vs
    grad_b = data.mean(axis=0) - p_v @ vs
    grad_c = ph_data.mean(axis=0) - p_v @ ph_model
    return grad_w, grad_b, grad_c


def test_free_energy_is_minus_log_sum_over_hidden_states():
    rbm = small_rbm()
    v = all_binary(5)
    hs = all_binary(3)
    brute = np.array([-np.logaddexp.reduce(-energy(rbm, np.tile(row, (len(hs), 1)), hs)) for row in v])
    np.testing.assert_allclose(rbm.free_energy(v), brute, rtol=1e-12)
    assert exact_log_likelihood(rbm, v).shape == (32,)
    assert np.exp(exact_log_likelihood(rbm, v)).sum() == pytest.approx(1.0, rel=1e-12)


def test_conditionals_match_the_joint_distribution():
    rbm = small_rbm()
    v = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    hs = all_binary(3)
    weights = np.exp(-energy(rbm, np.tile(v, (len(hs), 1)), hs))
    p_h_given_v = (weights[:, None] * hs).sum(axis=0) / weights.sum()
    np.testing.assert_allclose(rbm.hidden_probabilities(v)[0], p_h_given_v, rtol=1e-12)


def test_cd1_update_equals_direct_computation():
    rbm = small_rbm()
    v0 = np.array([[1, 0, 1, 1, 0], [0, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=np.float64)
    w, b, c = (p.array.copy() for p in (rbm.weight, rbm.visible_bias, rbm.hidden_bias))
    md.manual_seed(42)
    # one step of the strategy: θ.grad = −ΔCD, then SGD: θ ← θ + lr·ΔCD
    strategy = ContrastiveDivergence(persistent=False)
    Trainer(rbm, optim.SGD(rbm.parameters(), lr=0.3), strategy=strategy, verbose=0)
    strategy.train_step(v0)
    # the same chain, unit by unit with scalar loops, from the same random numbers
    md.manual_seed(42)
    sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    u_h = generator().random((3, 3))
    u_v = generator().random((3, 5))
    dw, db, dc = np.zeros_like(w), np.zeros_like(b), np.zeros_like(c)
    for n in range(3):
        ph0 = np.array([sig(c[j] + sum(w[j, i] * v0[n, i] for i in range(5))) for j in range(3)])
        h0 = (u_h[n] < ph0).astype(float)
        pv1 = np.array([sig(b[i] + sum(w[j, i] * h0[j] for j in range(3))) for i in range(5)])
        v1 = (u_v[n] < pv1).astype(float)
        ph1 = np.array([sig(c[j] + sum(w[j, i] * v1[i] for i in range(5))) for j in range(3)])
        for j in range(3):
            for i in range(5):
                dw[j, i] += (ph0[j] * v0[n, i] - ph1[j] * v1[i]) / 3
        db += (v0[n] - v1) / 3
        dc += (ph0 - ph1) / 3
    np.testing.assert_allclose(rbm.weight.array, w + 0.3 * dw, rtol=1e-12)
    np.testing.assert_allclose(rbm.visible_bias.array, b + 0.3 * db, rtol=1e-12)
    np.testing.assert_allclose(rbm.hidden_bias.array, c + 0.3 * dc, rtol=1e-12)


def test_cd_with_long_chains_estimates_the_exact_likelihood_gradient():
    rbm = small_rbm(k=30)
    data = np.array([[1, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=np.float64)
    batch = np.repeat(data, 4000, axis=0)
    estimate, chain = rbm.contrastive_divergence(batch)
    assert chain.shape == batch.shape
    for got, want in zip(estimate, exact_gradient(rbm, data)):
        np.testing.assert_allclose(got, want, atol=0.03)


def test_pseudo_likelihood_exact_and_stochastic():
    rbm = small_rbm()
    v = all_binary(5)[[3, 10, 17, 31]]
    direct = np.zeros(len(v))
    for i in range(5):
        flipped = v.copy()
        flipped[:, i] = 1 - flipped[:, i]
        direct += np.log(1 / (1 + np.exp(-(rbm.free_energy(flipped) - rbm.free_energy(v)))))
    np.testing.assert_allclose(rbm.pseudo_likelihood(v, exact=True), direct, rtol=1e-10)
    md.manual_seed(0)
    # the one-bit estimate D·log σ(ΔF) is unbiased for the exact sum
    stochastic = rbm.pseudo_likelihood(np.repeat(v[:1], 20000, axis=0)).mean()
    assert stochastic == pytest.approx(direct[0], abs=0.05 * abs(direct[0]))


# PCD needs a smaller step than CD: its chain must keep mixing while the weights move
@pytest.mark.parametrize("persistent, learning_rate, epochs", [(False, 0.1, 40), (True, 0.02, 100)])
def test_training_raises_the_exact_log_likelihood(persistent, learning_rate, epochs):
    md.manual_seed(0)
    # four prototypes of 8 bits with 5% bit noise
    prototypes = np.array(
        [
            [1, 1, 1, 1, 0, 0, 0, 0],
            [0, 0, 0, 0, 1, 1, 1, 1],
            [1, 0, 1, 0, 1, 0, 1, 0],
            [0, 1, 0, 1, 0, 1, 0, 1],
        ],
        dtype=np.float64,
    )
    rng = np.random.default_rng(0)
    data = prototypes[rng.integers(0, 4, 400)]
    data = np.abs(data - (rng.random(data.shape) < 0.05))
    rbm = BernoulliRBM(8, 6, k=1, dtype=np.float64)
    before = exact_log_likelihood(rbm, data).mean()
    history = train_rbm(rbm, data, epochs, learning_rate, persistent=persistent, momentum=0.5)
    after = exact_log_likelihood(rbm, data).mean()
    assert before == pytest.approx(8 * np.log(0.5), abs=0.05)  # ≈ uniform at init
    # the source's entropy, log 4 + 8·H(0.05) ≈ 2.97 nats, bounds what any model can reach
    assert after > -3.5
    assert history["reconstruction_error"][-1] < history["reconstruction_error"][0]
    samples = rbm.sample(200, n_steps=200) > 0.5
    matches = (samples[:, None, :] == prototypes[None].astype(bool)).all(axis=2).any(axis=1)
    assert matches.mean() > 0.6


def test_float32_is_kept_and_misuse_raises():
    rbm = BernoulliRBM(6, 4)
    assert rbm.weight.dtype == np.float32
    x = (np.random.default_rng(0).random((30, 6)) > 0.5).astype(np.float32)
    assert rbm.free_energy(x).dtype == np.float32
    assert rbm.pseudo_likelihood(x).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(N, 6\)"):
        rbm.free_energy(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="binary"):
        train_rbm(rbm, x * 0.5, 1, 0.1)
    with pytest.raises(ValueError, match="n_hidden"):
        BernoulliRBM(6, 0)


def test_agrees_with_scikit_learn():
    neural_network = pytest.importorskip(
        "sklearn.neural_network", reason="scikit-learn is optional (extra 'compare')"
    )
    rng = np.random.default_rng(0)
    prototypes = (rng.random((5, 30)) > 0.5).astype(np.float64)
    data = np.abs(prototypes[rng.integers(0, 5, 600)] - (rng.random((600, 30)) < 0.05))
    sk = neural_network.BernoulliRBM(
        n_components=16, learning_rate=0.05, batch_size=10, n_iter=15, random_state=0
    ).fit(data)
    # the same parameters give the same free energy and (in expectation) pseudo-likelihood
    ours = BernoulliRBM(30, 16, dtype=np.float64)
    ours.load_state_dict(
        {"weight": sk.components_, "visible_bias": sk.intercept_visible_, "hidden_bias": sk.intercept_hidden_}
    )
    np.testing.assert_allclose(ours.free_energy(data), sk._free_energy(data), rtol=1e-10)
    np.testing.assert_allclose(ours.transform(data), sk.transform(data), rtol=1e-10)
    # scikit-learn's score_samples flips bit RandomState(random_state).randint(0, D, N)[n] of row n
    # and returns D·log σ(F(ṽ) − F(v)); the same bits give the same numbers from our free energy
    flip = np.random.RandomState(0).randint(0, 30, len(data))
    flipped = data.copy()
    flipped[np.arange(len(data)), flip] = 1 - flipped[np.arange(len(data)), flip]
    expected = -30 * np.logaddexp(0, -(ours.free_energy(flipped) - ours.free_energy(data)))
    np.testing.assert_allclose(sk.score_samples(data), expected, rtol=1e-10)
    # trained by us with the same algorithm (PCD-1) and hyper-parameters: a comparable model
    md.manual_seed(0)
    mine = BernoulliRBM(30, 16, k=1, dtype=np.float64)
    train_rbm(mine, data, 15, 0.05, persistent=True, batch_size=10)
    ours_pl = mine.pseudo_likelihood(data, exact=True).mean()
    sk_exact = ours.pseudo_likelihood(data, exact=True).mean()
    assert ours_pl > sk_exact - 0.1 * abs(sk_exact)
