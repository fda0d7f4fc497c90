"""Principal component analysis and whitening, from the SVD of the centred data.

With X (n, d) centred, X_c = X − x̄ = U Σ Vᵀ: the rows of Vᵀ are the principal axes (the
eigenvectors of the sample covariance C = X_cᵀX_c/(n − 1) = V Σ²/(n − 1) Vᵀ), the variance
along axis i is σᵢ²/(n − 1) and its share of the total is σᵢ² / Σⱼ σⱼ².

    transform:          Z = (X − x̄) W_kᵀ          (W_k = first k rows of Vᵀ; ÷ √λ when whitening)
    inverse_transform:  X̂ = Z W_k + x̄               (the best rank-k reconstruction in ‖·‖_F)

Whitening maps the data to identity covariance: PCA whitening Z = X_c V Λ^(−½) and ZCA whitening
Z = X_c V Λ^(−½) Vᵀ (the whitening closest to the original coordinates).
"""

import numpy as np

from mathdl.linalg.eigh import jacobi_eigh
from mathdl.linalg.randomized_svd import randomized_svd
from mathdl.linalg.svd import svd_array

SVD_SOLVERS = ("auto", "full", "randomized")


def _data(x, op):
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: expected real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.ndim != 2 or min(array.shape) == 0:
        raise ValueError(f"{op}: expected data of shape (n_samples, n_features), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{op}: the data contains inf or nan")
    return array


class PCA:
    """``PCA(n_components=None, whiten=False, svd_solver='auto', random_state=None)`` with
    scikit-learn's attributes after ``fit(x)``: ``components_`` (k, d), ``explained_variance_`` (k,),
    ``explained_variance_ratio_`` (k,), ``singular_values_`` (k,), ``mean_`` (d,), ``n_components_``.

    n_components: an int k ≤ min(n, d), None for all, or a float in (0, 1) to keep the fewest
    components whose explained-variance ratio reaches it. svd_solver: 'full' (QR + Jacobi SVD of
    the centred data), 'randomized' (``randomized_svd``, for an int k on large data) or 'auto'
    (randomized when min(n, d) > 500 and k < 0.8 min(n, d), as scikit-learn). The ratio divides by
    the total variance Σ‖x − x̄‖²/(n − 1), so it is exact either way. Arrays out (NumPy float64).
    """

    def __init__(self, n_components=None, whiten=False, svd_solver="auto", random_state=None):
        if svd_solver not in SVD_SOLVERS:
            raise ValueError(f"PCA: svd_solver must be one of {SVD_SOLVERS}, got {svd_solver!r}")
        self.n_components = n_components
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.random_state = random_state

    def fit(self, x):
        x = _data(x, "PCA.fit")
        n, d = x.shape
        if n < 2:
            raise ValueError(f"PCA.fit: need at least 2 samples, got {n}")
        self.mean_ = x.mean(axis=0)
        centred = x - self.mean_
        total = np.sum(centred * centred) / (n - 1)
        limit = min(n, d)
        solver = self.svd_solver
        if solver == "auto":
            k = self.n_components
            integer = isinstance(k, (int, np.integer)) and not isinstance(k, bool)
            solver = "randomized" if integer and limit > 500 and k < 0.8 * limit else "full"
        if solver == "randomized":
            k = self.n_components
            if not isinstance(k, (int, np.integer)) or not 1 <= k <= limit:
                raise ValueError(
                    f"PCA: svd_solver='randomized' needs an int n_components in [1, {limit}], got {k!r}"
                )
            rng = None if self.random_state is None else np.random.default_rng(self.random_state)
            _, s, vt = randomized_svd(centred, int(k), rng=rng)
            vt = _flip_signs(vt)
        else:
            _, s, vt, _ = svd_array(centred)
        self.svd_solver_ = solver
        variance = s**2 / (n - 1)
        ratio = variance / total if total > 0 else np.zeros_like(variance)
        k = self._choose(ratio, limit) if solver == "full" else int(self.n_components)
        self.n_components_ = k
        self.components_ = vt[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = s[:k]
        self.n_features_in_ = d
        return self

    def _choose(self, ratio, limit):
        k = self.n_components
        if k is None:
            return limit
        if isinstance(k, float) and 0 < k < 1:
            return int(min(np.searchsorted(np.cumsum(ratio), k - 1e-12) + 1, limit))
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= limit:
            raise ValueError(
                f"PCA: n_components must be an int in [1, {limit}] (= min(n_samples, "
                f"n_features)), a float in (0, 1) or None, got {k!r}"
            )
        return int(k)

    def _check_fitted(self, op):
        if not hasattr(self, "components_"):
            raise ValueError(f"PCA.{op}: call fit first")

    def transform(self, x):
        """Scores Z = (X − x̄) W_kᵀ (n, k), divided by √explained_variance_ when whitening."""
        self._check_fitted("transform")
        x = _data(x, "PCA.transform")
        if x.shape[1] != self.n_features_in_:
            raise ValueError(f"PCA.transform: fitted on {self.n_features_in_} features, got {x.shape[1]}")
        z = (x - self.mean_) @ self.components_.T
        return z / np.sqrt(self.explained_variance_) if self.whiten else z

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        """X̂ = Z W_k + x̄ (n, d): back to feature space (exact when k = min(n, d))."""
        self._check_fitted("inverse_transform")
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 2 or z.shape[1] != self.n_components_:
            raise ValueError(
                f"PCA.inverse_transform: expected scores (n, {self.n_components_}), got {z.shape}"
            )
        if self.whiten:
            z = z * np.sqrt(self.explained_variance_)
        return z @ self.components_ + self.mean_


def _flip_signs(vt):
    index = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(vt.shape[0]), index])
    return vt * np.where(signs == 0, 1.0, signs)[:, None]


def whiten(x, method="zca", eps=1e-10):
    """Decorrelate and rescale data X (n, d) to identity sample covariance.

    ``method='pca'``: Z = X_c V Λ^(−½) (rotated onto the principal axes);
    ``method='zca'``: Z = X_c V Λ^(−½) Vᵀ (the symmetric whitening, closest to X_c).
    Λ, V from the covariance's eigendecomposition (Jacobi); ``eps`` guards tiny variances.
    Returns (Z, W) with Z = (X − x̄) W.
    """
    if method not in ("pca", "zca"):
        raise ValueError(f"whiten: method must be 'pca' or 'zca', got {method!r}")
    x = _data(x, "whiten")
    if x.shape[0] < 2:
        raise ValueError("whiten: need at least 2 samples")
    centred = x - x.mean(axis=0)
    covariance = centred.T @ centred / (x.shape[0] - 1)
    eigenvalues, vectors, _ = jacobi_eigh(covariance)
    eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
    transform = vectors / np.sqrt(np.maximum(eigenvalues, 0.0) + eps)
    if method == "zca":
        transform = transform @ vectors.T
    return centred @ transform, transform
