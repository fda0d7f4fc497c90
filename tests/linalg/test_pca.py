import numpy as np
import pytest

from mathdl import linalg


@pytest.fixture
def data(rng):
    latent = rng.standard_normal((200, 3)) * np.array([5.0, 2.0, 0.5])
    mixing = rng.standard_normal((3, 6))
    return latent @ mixing + 0.05 * rng.standard_normal((200, 6)) + 3.0


def test_pca_matches_an_svd_reference(data):
    pca = linalg.PCA(n_components=3).fit(data)
    centred = data - data.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(pca.explained_variance_, s[:3] ** 2 / 199, rtol=1e-12)
    np.testing.assert_allclose(pca.explained_variance_ratio_, s[:3] ** 2 / np.sum(s**2), rtol=1e-12)
    np.testing.assert_allclose(np.abs(np.sum(pca.components_ * vt[:3], axis=1)), 1.0, atol=1e-10)
    np.testing.assert_allclose(pca.singular_values_, s[:3], rtol=1e-12)
    np.testing.assert_allclose(pca.mean_, data.mean(axis=0))
    scores = pca.transform(data)
    np.testing.assert_allclose(np.abs(scores), np.abs(centred @ vt[:3].T), atol=1e-9)
    assert pca.explained_variance_ratio_.sum() > 0.999


def test_round_trip_and_rank_k_reconstruction(data):
    full = linalg.PCA().fit(data)
    np.testing.assert_allclose(full.inverse_transform(full.transform(data)), data, atol=1e-10)
    two = linalg.PCA(2).fit(data)
    error = np.sum((two.inverse_transform(two.transform(data)) - data) ** 2)
    # the discarded variance is exactly the squared reconstruction error (Eckart–Young)
    assert error == pytest.approx(full.explained_variance_[2:].sum() * 199, rel=1e-9)


def test_variance_fraction_and_whitening(data):
    pca = linalg.PCA(0.95).fit(data)
    assert (
        pca.n_components_
        == np.searchsorted(np.cumsum(linalg.PCA().fit(data).explained_variance_ratio_), 0.95) + 1
    )
    white = linalg.PCA(3, whiten=True).fit(data)
    z = white.transform(data)
    np.testing.assert_allclose(np.cov(z.T), np.eye(3), atol=1e-10)
    np.testing.assert_allclose(
        white.inverse_transform(z),
        linalg.PCA(3).fit(data).inverse_transform(linalg.PCA(3).fit(data).transform(data)),
        atol=1e-9,
    )


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whiten_gives_identity_covariance(method, data):
    z, w = linalg.whiten(data, method=method)
    np.testing.assert_allclose(np.cov(z.T), np.eye(6), atol=1e-6)
    if method == "zca":
        np.testing.assert_allclose(w, w.T, atol=1e-10)  # the symmetric whitening


def test_pca_bad_input(data):
    with pytest.raises(ValueError, match="n_components must be"):
        linalg.PCA(7).fit(data)
    with pytest.raises(ValueError, match="call fit first"):
        linalg.PCA(2).transform(data)
    with pytest.raises(ValueError, match="fitted on 6 features"):
        linalg.PCA(2).fit(data).transform(data[:, :4])
    with pytest.raises(ValueError, match="n_samples, n_features"):
        linalg.PCA(2).fit(np.ones(5))


def test_randomized_solver_matches_the_full_svd_on_large_data(rng):
    low_rank = rng.standard_normal((300, 8)) * np.linspace(10, 3, 8) @ rng.standard_normal((8, 150))
    x = low_rank + 0.1 * rng.standard_normal((300, 150))
    pca = linalg.PCA(5, svd_solver="randomized", random_state=0).fit(x)
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(pca.explained_variance_, s[:5] ** 2 / 299, rtol=1e-8)
    np.testing.assert_allclose(pca.explained_variance_ratio_, s[:5] ** 2 / np.sum(s**2), rtol=1e-8)
    np.testing.assert_allclose(np.abs(np.sum(pca.components_ * vt[:5], axis=1)), 1.0, atol=1e-8)
    # 'auto' follows scikit-learn's rule: randomized for a small int k on data wider than 500
    assert linalg.PCA(3, random_state=0).fit(rng.standard_normal((510, 505))).svd_solver_ == "randomized"
    assert linalg.PCA(3).fit(x[:40, :30]).svd_solver_ == "full"
    with pytest.raises(ValueError, match="needs an int n_components"):
        linalg.PCA(0.9, svd_solver="randomized").fit(x)
    with pytest.raises(ValueError, match="svd_solver must be one of"):
        linalg.PCA(2, svd_solver="arpack")


def test_randomized_svd_top_singular_triplets(rng):
    a = rng.standard_normal((120, 12)) @ rng.standard_normal((12, 90))
    u, s, vt = linalg.randomized_svd(a, 12, rng=np.random.default_rng(1))
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False)[:12], rtol=1e-10)
    np.testing.assert_allclose((u * s) @ vt, a, atol=1e-9)  # rank 12: the sketch is exact
