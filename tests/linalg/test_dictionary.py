import numpy as np
import pytest

from mathdl import linalg
from mathdl.linalg.dictionary import soft_threshold


@pytest.fixture
def planted(rng):
    k, d, n = 10, 16, 300
    atoms = rng.standard_normal((k, d))
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    codes = np.zeros((n, k))
    for i in range(n):
        codes[i, rng.choice(k, 3, replace=False)] = rng.choice([-1, 1], 3) * rng.uniform(1, 3, 3)
    return atoms, codes, codes @ atoms


def test_omp_recovers_sparse_codes_in_a_known_dictionary(planted):
    atoms, codes, x = planted
    found = linalg.omp(x, atoms, n_nonzero_coefs=3)
    # random atoms are coherent enough that greedy selection sometimes errs; most codes are exact
    assert np.mean(np.all(np.isclose(found, codes, atol=1e-8), axis=1)) > 0.8
    assert np.all(np.count_nonzero(found, axis=1) <= 3)
    # with orthonormal atoms (coherence 0) OMP is exact for every sample
    orthonormal = np.linalg.qr(atoms.T)[0].T
    np.testing.assert_allclose(linalg.omp(codes @ orthonormal, orthonormal, 3), codes, atol=1e-10)


def test_fista_solves_the_lasso(planted, rng):
    atoms, codes, x = planted
    alpha = 0.05
    fast, _ = linalg.ista(x[:20], atoms, alpha=alpha, tol=1e-10)
    slow, _ = linalg.ista(x[:20], atoms, alpha=alpha, tol=1e-10, fast=False, max_iter=20000)
    np.testing.assert_allclose(fast, slow, atol=1e-6)
    # optimality (subgradient) conditions of the lasso: (X − C D) Dᵀ = α sign(C) on the support,
    # and |(X − C D) Dᵀ| ≤ α off it
    correlation = (x[:20] - fast @ atoms) @ atoms.T
    support = fast != 0
    np.testing.assert_allclose(correlation[support], alpha * np.sign(fast[support]), atol=1e-6)
    assert np.all(np.abs(correlation[~support]) <= alpha + 1e-6)
    np.testing.assert_allclose(soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0), [-2.0, 0.0, 1.0])


@pytest.mark.parametrize("fit_algorithm", ["ksvd", "mod"])
def test_dictionary_learning_recovers_planted_atoms(fit_algorithm):
    rng = np.random.default_rng(0)
    k, d, n = 10, 20, 300
    atoms = rng.standard_normal((k, d))
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    codes = np.zeros((n, k))
    for i in range(n):
        codes[i, rng.choice(k, 2, replace=False)] = rng.choice([-1, 1], 2) * rng.uniform(1, 3, 2)
    x = codes @ atoms
    # alternating minimisation has local minima: as in practice, keep the best of a few starts
    models = [
        linalg.DictionaryLearning(
            k, fit_algorithm=fit_algorithm, n_nonzero_coefs=2, max_iter=100, random_state=seed
        ).fit(x)
        for seed in range(4)
    ]
    for model in models:
        np.testing.assert_allclose(np.linalg.norm(model.components_, axis=1), 1.0, rtol=1e-12)
        assert min(model.error_) < 0.5 * model.error_[0]
    best = min(models, key=lambda m: min(m.error_))
    match = np.max(np.abs(best.components_ @ atoms.T), axis=0)  # best |cosine| per planted atom
    assert np.all(match > 0.999)
    codes_found = best.transform(x)
    assert codes_found.shape == (n, k)
    assert np.linalg.norm(x - codes_found @ best.components_) < 1e-6 * np.linalg.norm(x)


def test_dictionary_learning_with_ista_codes(planted):
    _, _, x = planted
    model = linalg.DictionaryLearning(
        10, code_algorithm="ista", fit_algorithm="mod", alpha=0.3, max_iter=15, random_state=1
    ).fit(x)
    codes = model.transform(x)
    assert np.mean(codes == 0) > 0.4  # the l1 penalty makes codes sparse
    assert model.error_[-1] < 0.7 * model.error_[0]
    assert np.linalg.norm(x - codes @ model.components_) < 0.3 * np.linalg.norm(x)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_components=0), "n_components must be a positive int"),
        (dict(n_components=3, fit_algorithm="lars"), "fit_algorithm must be one of"),
        (dict(n_components=3, code_algorithm="lasso"), "code_algorithm must be one of"),
        (dict(n_components=3, alpha=-1.0), "alpha must be non-negative"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        linalg.DictionaryLearning(**kwargs)


def test_sparse_encode_shape_mismatch():
    with pytest.raises(ValueError, match="features"):
        linalg.sparse_encode(np.ones((2, 3)), np.ones((4, 5)))
