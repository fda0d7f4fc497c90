"""Dictionary learning and sparse coding: X (n, d) ≈ C D with a dictionary D (k, d) of unit-norm
atoms (rows) and sparse codes C (n, k).

Sparse coding, D fixed:
- **ISTA/FISTA** solves the lasso min_C ½‖X − C D‖²_F + α‖C‖₁ by proximal gradient steps
  C ← S_{α/L}(C − (C D − X) Dᵀ / L), with L = σ_max(D)² the Lipschitz constant of the gradient and
  S_t(z) = sign(z) max(|z| − t, 0) soft thresholding; FISTA adds Nesterov's momentum
  (t ← (1 + √(1 + 4t²))/2), which improves the rate from O(1/k) to O(1/k²).
- **OMP** (orthogonal matching pursuit) greedily adds the atom most correlated with the residual,
  j = argmax |r Dᵀ|, then refits the coefficients on the chosen atoms by least squares
  (normal equations D_S D_Sᵀ c = D_S x), until ``n_nonzero_coefs`` atoms are used.

Dictionary update, C fixed:
- **MOD** (method of optimal directions): D = argmin ‖X − C D‖_F = (CᵀC)⁻¹ CᵀX, then renormalise.
- **K-SVD**: for each atom j in turn, take the samples ω that use it and the residual without it,
  E = X_ω − C_ω D + c_ωj d_j; the best rank-one fit E ≈ σ₁ u₁ v₁ᵀ (the leading singular pair,
  found by power iteration on EᵀE warm-started at the old atom) gives the new atom d_j = v₁ and
  codes c_ωj = σ₁ u₁ = E v₁, keeping the sparsity pattern.
"""

import numpy as np

from mathdl.linalg.lu import solve_array
from mathdl.linalg.svd import svd_array

CODE_ALGORITHMS = ("omp", "ista")
FIT_ALGORITHMS = ("ksvd", "mod")


def soft_threshold(z, threshold):
    """S_t(z) = sign(z) max(|z| − t, 0) elementwise: the proximal map of t‖·‖₁."""
    return np.sign(z) * np.maximum(np.abs(z) - threshold, 0.0)


def ista(x, dictionary, alpha=1.0, max_iter=1000, tol=1e-8, fast=True):
    """Codes C (n, k) minimising ½‖X − C D‖²_F + α‖C‖₁ by (F)ISTA. Returns (C, iterations)."""
    x, dictionary = np.asarray(x, np.float64), np.asarray(dictionary, np.float64)
    lipschitz = svd_array(dictionary)[1][0] ** 2
    if lipschitz == 0:
        return np.zeros((x.shape[0], dictionary.shape[0])), 0
    gram, target = dictionary @ dictionary.T, x @ dictionary.T
    codes = np.zeros((x.shape[0], dictionary.shape[0]))
    point, t = codes, 1.0
    for iteration in range(1, max_iter + 1):
        new = soft_threshold(point - (point @ gram - target) / lipschitz, alpha / lipschitz)
        change = np.max(np.abs(new - codes))
        if fast:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            point = new + ((t - 1.0) / t_new) * (new - codes)
            t = t_new
        else:
            point = new
        codes = new
        if change <= tol * max(1.0, np.max(np.abs(codes))):
            return codes, iteration
    return codes, max_iter


def omp(x, dictionary, n_nonzero_coefs):
    """Codes C (n, k) with at most ``n_nonzero_coefs`` non-zeros per row by orthogonal matching
    pursuit, vectorised over the samples (dictionary rows should have unit norm)."""
    x, dictionary = np.asarray(x, np.float64), np.asarray(dictionary, np.float64)
    n, k = x.shape[0], dictionary.shape[0]
    if not 1 <= n_nonzero_coefs <= k:
        raise ValueError(f"omp: n_nonzero_coefs must be in [1, {k}], got {n_nonzero_coefs}")
    rows = np.arange(n)
    support = np.zeros((n, 0), dtype=np.int64)
    residual = x.copy()
    coefficients = np.zeros((n, 0))
    for _ in range(n_nonzero_coefs):
        correlation = np.abs(residual @ dictionary.T)
        correlation[rows[:, None], support] = -1.0  # never pick an atom twice
        support = np.hstack([support, np.argmax(correlation, axis=1)[:, None]])
        atoms = dictionary[support]  # (n, s, d)
        gram = atoms @ np.swapaxes(atoms, 1, 2)
        gram += 1e-12 * np.eye(support.shape[1])  # guards duplicate atoms
        coefficients = solve_array(gram, (atoms @ x[:, :, None]))[:, :, 0]
        residual = x - np.einsum("ns,nsd->nd", coefficients, atoms)
    codes = np.zeros((n, k))
    codes[rows[:, None], support] = coefficients
    return codes


def sparse_encode(x, dictionary, algorithm="omp", n_nonzero_coefs=None, alpha=1.0, max_iter=1000):
    """Sparse codes of X (n, d) in the dictionary (k, d) by ``'omp'`` or ``'ista'`` (FISTA)."""
    x = _data(x, "sparse_encode")
    dictionary = _data(dictionary, "sparse_encode")
    if x.shape[1] != dictionary.shape[1]:
        raise ValueError(
            f"sparse_encode: data has {x.shape[1]} features, dictionary atoms {dictionary.shape[1]}"
        )
    if algorithm == "omp":
        if n_nonzero_coefs is None:
            n_nonzero_coefs = max(1, min(dictionary.shape[0], x.shape[1] // 10))
        return omp(x, dictionary, n_nonzero_coefs)
    if algorithm == "ista":
        return ista(x, dictionary, alpha, max_iter)[0]
    raise ValueError(f"sparse_encode: algorithm must be one of {CODE_ALGORITHMS}, got {algorithm!r}")


def _data(x, op):
    array = np.asarray(x, dtype=np.float64)
    if array.ndim != 2 or min(array.shape) == 0:
        raise ValueError(f"{op}: expected a 2-D array (rows are samples/atoms), got shape {array.shape}")
    return array


def _normalise(dictionary, x, rng):
    norms = np.sqrt(np.sum(dictionary**2, axis=1))
    dead = norms < 1e-12
    if np.any(dead):  # an unused atom restarts at a random sample
        dictionary[dead] = x[rng.integers(0, len(x), dead.sum())]
        norms[dead] = np.sqrt(np.sum(dictionary[dead] ** 2, axis=1))
    return dictionary / np.maximum(norms, 1e-300)[:, None]


def _replace_redundant_atoms(dictionary, codes, residual, coherence=0.99, min_uses=1):
    """Aharon et al.'s escape from poor local minima: an atom nearly parallel to another
    (|dᵢ·dⱼ| > ``coherence``) or used by fewer than ``min_uses`` samples is replaced by the
    normalised worst-represented sample residual. Returns how many were replaced."""
    overlap = np.abs(dictionary @ dictionary.T)
    np.fill_diagonal(overlap, 0.0)
    redundant = np.any(np.triu(overlap > coherence), axis=0) | (np.count_nonzero(codes, axis=0) < min_uses)
    errors = np.sum(residual**2, axis=1)
    worst = np.argsort(-errors)
    count = 0
    for j in np.flatnonzero(redundant):
        sample = residual[worst[count % len(worst)]]
        norm = np.sqrt(sample @ sample)
        if norm < 1e-12:
            break
        dictionary[j] = sample / norm
        count += 1
    return count


def _restart_weakest_atom(dictionary, codes, residual):
    weakest = np.argmin(np.sum(codes**2, axis=0))
    sample = residual[np.argmax(np.sum(residual**2, axis=1))]
    norm = np.sqrt(sample @ sample)
    if norm > 1e-12:
        dictionary[weakest] = sample / norm


def _leading_right_singular_vector(error, start, iterations=50, tol=1e-12):
    """v₁ of E by power iteration on EᵀE warm-started at the old atom (which is already close, so a
    few steps suffice; a full SVD per atom would cost far more). Then σ₁u₁ = E v₁."""
    gram = error.T @ error
    v = start / max(np.sqrt(start @ start), 1e-300)
    for _ in range(iterations):
        w = gram @ v
        norm = np.sqrt(w @ w)
        if norm == 0:
            return v
        w /= norm
        if np.max(np.abs(w - v)) <= tol:
            return w
        v = w
    return v


class DictionaryLearning:
    """``DictionaryLearning(n_components, alpha=1.0, max_iter=50, tol=1e-6, fit_algorithm='ksvd',
    code_algorithm='omp', n_nonzero_coefs=None, random_state=None)``.

    ``fit(x)`` alternates sparse coding and dictionary updates; afterwards ``components_`` (k, d)
    holds the unit-norm atoms, ``error_`` the Frobenius reconstruction error per iteration and
    ``n_iter_`` the iterations run. ``transform(x)`` returns the codes (n, k); X ≈ codes @ components_.
    """

    def __init__(
        self,
        n_components,
        alpha=1.0,
        max_iter=50,
        tol=1e-6,
        fit_algorithm="ksvd",
        code_algorithm="omp",
        n_nonzero_coefs=None,
        random_state=None,
    ):
        if not isinstance(n_components, (int, np.integer)) or n_components < 1:
            raise ValueError(f"DictionaryLearning: n_components must be a positive int, got {n_components!r}")
        if fit_algorithm not in FIT_ALGORITHMS:
            raise ValueError(
                f"DictionaryLearning: fit_algorithm must be one of {FIT_ALGORITHMS}, got {fit_algorithm!r}"
            )
        if code_algorithm not in CODE_ALGORITHMS:
            raise ValueError(
                f"DictionaryLearning: code_algorithm must be one of {CODE_ALGORITHMS}, got {code_algorithm!r}"
            )
        if alpha < 0:
            raise ValueError(f"DictionaryLearning: alpha must be non-negative, got {alpha}")
        self.n_components = int(n_components)
        self.alpha, self.max_iter, self.tol = alpha, max_iter, tol
        self.fit_algorithm, self.code_algorithm = fit_algorithm, code_algorithm
        self.n_nonzero_coefs = n_nonzero_coefs
        self.random_state = random_state

    def _rng(self):
        if self.random_state is None:
            from mathdl.random import generator

            return generator()
        return np.random.default_rng(self.random_state)

    def _encode(self, x, dictionary):
        return sparse_encode(x, dictionary, self.code_algorithm, self.n_nonzero_coefs, self.alpha)

    def fit(self, x):
        x = _data(x, "DictionaryLearning.fit")
        rng = self._rng()
        k = self.n_components
        start = rng.choice(len(x), size=k, replace=len(x) < k)
        dictionary = _normalise(x[start] + 1e-3 * rng.standard_normal((k, x.shape[1])), x, rng)
        self.error_ = []
        best_error, best_dictionary, restarts = np.inf, dictionary.copy(), 0
        for iteration in range(1, self.max_iter + 1):
            codes = self._encode(x, dictionary)
            if self.fit_algorithm == "mod":
                gram = codes.T @ codes + 1e-10 * np.eye(k)
                dictionary = _normalise(solve_array(gram, codes.T @ x), x, rng)
            else:
                dictionary, codes = self._ksvd_update(x, dictionary, codes, rng)
            residual = x - codes @ dictionary
            error = float(np.sqrt(np.sum(residual**2)))
            self.error_.append(error)
            if error < best_error:
                best_error, best_dictionary = error, dictionary.copy()
            replaced = _replace_redundant_atoms(dictionary, codes, residual)
            stalled = iteration > 1 and abs(self.error_[-2] - error) <= self.tol * max(
                self.error_[-2], 1e-300
            )
            if stalled and not replaced:
                if error <= self.tol * self.error_[0] or restarts >= self.n_components:
                    break
                # a stall above zero error is usually a local minimum where one atom mixes two true
                # ones: restart the least-used atom at the worst-represented sample and go on
                restarts += 1
                _restart_weakest_atom(dictionary, codes, residual)
        dictionary = best_dictionary
        self.components_ = dictionary
        self.n_iter_ = iteration
        return self

    @staticmethod
    def _ksvd_update(x, dictionary, codes, rng):
        residual = x - codes @ dictionary
        for j in range(dictionary.shape[0]):
            users = np.flatnonzero(codes[:, j])
            if users.size == 0:
                worst = np.argmax(np.sum(residual**2, axis=1))
                dictionary[j] = x[worst] / max(np.sqrt(np.sum(x[worst] ** 2)), 1e-300)
                continue
            error = residual[users] + np.outer(codes[users, j], dictionary[j])
            atom = _leading_right_singular_vector(error, dictionary[j])
            dictionary[j] = atom
            codes[users, j] = error @ atom
            residual[users] = error - np.outer(codes[users, j], dictionary[j])
        return dictionary, codes

    def transform(self, x):
        if not hasattr(self, "components_"):
            raise ValueError("DictionaryLearning.transform: call fit first")
        return self._encode(_data(x, "DictionaryLearning.transform"), self.components_)

    def fit_transform(self, x):
        return self.fit(x).transform(x)
