"""Gaussian-process regression, the surrogate of Bayesian optimisation (Rasmussen & Williams, 2006).

Prior f ~ GP(0, k), observations y = f(X) + ε, ε ~ N(0, σ_n² I). With K = k(X, X) + σ_n² I = L Lᵀ
(Cholesky, ``mathdl.linalg``), α = K⁻¹ y = L⁻ᵀ(L⁻¹ y) and k_* = k(X, x_*), the posterior of f(x_*) is

    μ(x_*) = k_*ᵀ α,        σ²(x_*) = k(x_*, x_*) − vᵀ v,   v = L⁻¹ k_*          (R&W eq. 2.25–2.26)

The kernels are stationary with one length scale per input (ARD), r² = Σ_j (x_j − x'_j)² / ℓ_j²:

    RBF           k = σ_f² exp(−r²/2)
    Matérn 5/2    k = σ_f² (1 + √5 r + 5r²/3) exp(−√5 r)

Hyper-parameters θ = (log ℓ_1 … log ℓ_d, log σ_f², log σ_n²) maximise the log marginal likelihood

    log p(y | X, θ) = −½ yᵀα − Σ_i log L_ii − (n/2) log 2π,
    ∂/∂θ_j = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j)                                            (R&W eq. 5.8–5.9)

found by ``mathdl.optimize.minimize`` (BFGS) from several starts. Each θ_j is kept inside its
bounds [a_j, b_j] by optimising an unconstrained u_j with θ_j = a_j + (b_j − a_j) sigmoid(u_j).
"""

import math

import numpy as np

from mathdl.linalg.cholesky import cholesky_array
from mathdl.linalg.lu import triangular_solve_array
from mathdl.linalg.validation import LinAlgError

LOG_TWO_PI = math.log(2 * math.pi)
SQRT5 = math.sqrt(5.0)


class Kernel:
    """A stationary kernel k = σ_f² g(r²): ``profile(r²)`` is g, ``slope(r²)`` is dg/d(r²)."""

    name = "kernel"

    def matrix(self, a, b, lengthscales, signal):
        """k(a, b) (n, m) and the scaled squared differences (d, n, m) (Δ_j/ℓ_j)² it was built from."""
        scaled = (a[:, None, :] - b[None, :, :]) / lengthscales
        squares = np.moveaxis(scaled * scaled, -1, 0)
        return signal * self.profile(squares.sum(axis=0)), squares

    def __repr__(self):
        return self.name


class RBF(Kernel):
    """k = σ_f² exp(−r²/2);  dg/d(r²) = −½ g."""

    name = "rbf"

    def profile(self, r2):
        return np.exp(-0.5 * r2)

    def slope(self, r2):
        return -0.5 * np.exp(-0.5 * r2)


class Matern52(Kernel):
    """k = σ_f² (1 + √5 r + 5r²/3) exp(−√5 r);  dg/d(r²) = −(5/6)(1 + √5 r) exp(−√5 r)."""

    name = "matern52"

    def profile(self, r2):
        r = np.sqrt(np.maximum(r2, 0.0))
        return (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * np.exp(-SQRT5 * r)

    def slope(self, r2):
        r = np.sqrt(np.maximum(r2, 0.0))
        return -(5.0 / 6.0) * (1.0 + SQRT5 * r) * np.exp(-SQRT5 * r)


KERNELS = {"rbf": RBF, "matern52": Matern52}


def get_kernel(kernel):
    if isinstance(kernel, Kernel):
        return kernel
    if kernel not in KERNELS:
        raise ValueError(
            f"GaussianProcess: kernel must be one of {sorted(KERNELS)} or a Kernel, got {kernel!r}"
        )
    return KERNELS[kernel]()


def factorise(k):
    """L with K = L Lᵀ (``mathdl.linalg``'s Cholesky) and L⁻¹ (one triangular solve against I)."""
    lower = cholesky_array(k)
    return lower, triangular_solve_array(lower, np.eye(len(k)), True)


def cached(function):
    """``function(u)`` remembered for the last u (the optimiser asks for f and ∇f at the same point)."""
    memory = {}

    def wrapper(u):
        key = np.asarray(u.array, dtype=np.float64).tobytes()
        if key not in memory:
            memory.clear()
            memory[key] = function(np.asarray(u.array, dtype=np.float64))
        return memory[key]

    return wrapper


def _sigmoid(u):
    return 0.5 * (1.0 + np.tanh(0.5 * u))


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p) - np.log1p(-p)


class GaussianProcess:
    """GP regression with an ARD kernel and Gaussian noise.

    Args:
        kernel: 'matern52' (default), 'rbf' or a ``Kernel``.
        lengthscales, signal_variance, noise_variance: initial (or, with ``optimize=False`` in
            ``fit``, fixed) hyper-parameters; ``lengthscales`` a number or one per input.
        bounds: ``{'lengthscale': (lo, hi), 'signal_variance': ..., 'noise_variance': ...}``.
        normalize_y: fit to (y − mean)/std and map predictions back (as scikit-learn's option).
        restarts: extra random starts of the likelihood maximisation (the first start is the
            current θ).

    >>> gp = GaussianProcess("rbf").fit(np.array([[0.0], [0.5], [1.0]]), np.array([0.0, 1.0, 0.0]))
    >>> mean, std = gp.predict(np.array([[0.25]]), return_std=True)
    """

    DEFAULT_BOUNDS = {
        "lengthscale": (1e-2, 1e2),
        "signal_variance": (1e-3, 1e3),
        "noise_variance": (1e-8, 1.0),
    }

    def __init__(
        self,
        kernel="matern52",
        lengthscales=0.3,
        signal_variance=1.0,
        noise_variance=1e-4,
        bounds=None,
        normalize_y=True,
        restarts=1,
        seed=None,
    ):
        self.kernel = get_kernel(kernel)
        self.lengthscales = np.atleast_1d(np.asarray(lengthscales, dtype=np.float64))
        self.signal_variance, self.noise_variance = float(signal_variance), float(noise_variance)
        self.bounds = {**self.DEFAULT_BOUNDS, **(bounds or {})}
        unknown = set(self.bounds) - set(self.DEFAULT_BOUNDS)
        if unknown:
            raise ValueError(
                f"GaussianProcess: unknown bounds {sorted(unknown)}; known: {sorted(self.DEFAULT_BOUNDS)}"
            )
        if np.any(self.lengthscales <= 0) or self.signal_variance <= 0 or self.noise_variance <= 0:
            raise ValueError("GaussianProcess: length scales and variances must be positive")
        self.normalize_y, self.restarts = bool(normalize_y), int(restarts)
        self.rng = np.random.default_rng(seed)

    # ----- hyper-parameters as one vector θ (logs) -----------------------------------------
    def theta(self):
        return np.log(np.r_[self.lengthscales, self.signal_variance, self.noise_variance])

    def _set_theta(self, theta):
        values = np.exp(theta)
        self.lengthscales, self.signal_variance, self.noise_variance = values[:-2], values[-2], values[-1]

    def _theta_bounds(self, d):
        rows = [self.bounds["lengthscale"]] * d + [
            self.bounds["signal_variance"],
            self.bounds["noise_variance"],
        ]
        return np.log(np.array(rows, dtype=np.float64))

    # ----- likelihood ---------------------------------------------------------------------------
    def log_marginal_likelihood(self, theta, x, y, eval_gradient=False):
        """log p(y | X, θ) and (``eval_gradient``) its gradient in θ, R&W eq. 5.8–5.9."""
        d = x.shape[1]
        lengthscales, signal, noise = np.exp(theta[:d]), math.exp(theta[d]), math.exp(theta[d + 1])
        k, squares = self.kernel.matrix(x, x, lengthscales, signal)
        lower, lower_inverse = factorise(k + noise * np.eye(len(x)))
        k_inverse = lower_inverse.T @ lower_inverse
        alpha = k_inverse @ y
        value = -0.5 * y @ alpha - np.log(np.diag(lower)).sum() - 0.5 * len(x) * LOG_TWO_PI
        if not eval_gradient:
            return value
        inner = np.outer(alpha, alpha) - k_inverse
        r2 = squares.sum(axis=0)
        # ∂K/∂log ℓ_j = σ_f² g'(r²) · (−2 Δ_j²/ℓ_j²);  ∂K/∂log σ_f² = k;  ∂K/∂log σ_n² = σ_n² I
        d_lengths = signal * self.kernel.slope(r2)[None] * (-2.0 * squares)
        gradient = np.empty(d + 2)
        gradient[:d] = 0.5 * np.einsum("ij,kji->k", inner, d_lengths)
        gradient[d] = 0.5 * np.sum(inner * k)
        gradient[d + 1] = 0.5 * noise * np.trace(inner)
        return value, gradient

    def _fit_hyperparameters(self, x, y):
        from mathdl.optimize import minimize

        bounds = self._theta_bounds(x.shape[1])
        low, width = bounds[:, 0], bounds[:, 1] - bounds[:, 0]

        @cached
        def negative(u):
            s = _sigmoid(u)
            try:
                value, gradient = self.log_marginal_likelihood(low + width * s, x, y, eval_gradient=True)
            except LinAlgError:
                return 1e25, np.zeros_like(u)
            return -value, -gradient * width * s * (1.0 - s)

        starts = [_logit((np.clip(self.theta(), low, low + width) - low) / width)]
        starts += [self.rng.normal(0.0, 1.5, size=len(low)) for _ in range(self.restarts)]
        best = None
        for start in starts:
            result = minimize(negative, start, method="bfgs", jac=True, tol=1e-4, maxiter=100)
            if best is None or result.fun < best.fun:
                best = result
        self._set_theta(low + width * _sigmoid(np.asarray(best.x)))
        return -best.fun

    # ----- fit and predict ----------------------------------------------------------------------
    def fit(self, x, y, optimize=True):
        """Condition on observations x (n, d), y (n,); ``optimize`` the hyper-parameters first."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if x.shape[0] != y.shape[0] or x.shape[0] == 0:
            raise ValueError(
                f"GaussianProcess.fit: x {x.shape} and y {y.shape} need the same non-zero length"
            )
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise ValueError("GaussianProcess.fit: x and y must be finite")
        if self.lengthscales.size == 1:
            self.lengthscales = np.full(x.shape[1], self.lengthscales[0])
        elif self.lengthscales.size != x.shape[1]:
            raise ValueError(
                f"GaussianProcess.fit: {self.lengthscales.size} length scales for {x.shape[1]} inputs"
            )
        self.y_mean, self.y_std = 0.0, 1.0
        if self.normalize_y:
            self.y_mean = float(y.mean())
            spread = float(y.std())
            self.y_std = spread if spread > 0 else 1.0
        self.x_train, self.y_train = x, (y - self.y_mean) / self.y_std
        if optimize and len(x) > 1:
            self.log_marginal_likelihood_value_ = self._fit_hyperparameters(self.x_train, self.y_train)
        self._factorise()
        return self

    def _factorise(self):
        k, _ = self.kernel.matrix(self.x_train, self.x_train, self.lengthscales, self.signal_variance)
        self.lower, self.lower_inverse = factorise(k + self.noise_variance * np.eye(len(self.x_train)))
        self.k_inverse = self.lower_inverse.T @ self.lower_inverse
        self.alpha = self.k_inverse @ self.y_train

    def predict(self, x, return_std=False):
        """Posterior mean (m,) of f at x (m, d), and (``return_std``) its standard deviation."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        k_star, _ = self.kernel.matrix(self.x_train, x, self.lengthscales, self.signal_variance)
        mean = k_star.T @ self.alpha * self.y_std + self.y_mean
        if not return_std:
            return mean
        v = self.lower_inverse @ k_star
        variance = np.maximum(self.signal_variance - np.einsum("ij,ij->j", v, v), 0.0)
        return mean, np.sqrt(variance) * self.y_std

    def predict_with_gradient(self, x):
        """μ, σ at one point x (d,) and their gradients ∂μ/∂x, ∂σ/∂x (d,) (normalised units):

        ∂k_*ᵢ/∂x = 2 σ_f² g'(r_i²) (x − x_i)/ℓ²,  ∂μ/∂x = Σ_i αᵢ ∂k_*ᵢ/∂x,
        ∂σ/∂x = −(K⁻¹k_*)ᵀ (∂k_*/∂x) / σ."""
        x = np.asarray(x, dtype=np.float64).reshape(1, -1)
        k_star, squares = self.kernel.matrix(self.x_train, x, self.lengthscales, self.signal_variance)
        k_star = k_star[:, 0]
        slope = self.signal_variance * self.kernel.slope(squares.sum(axis=0)[:, 0])
        d_k = 2.0 * slope[:, None] * (x - self.x_train) / self.lengthscales**2  # (n, d)
        weights = self.k_inverse @ k_star
        variance = max(self.signal_variance - k_star @ weights, 1e-18)
        sigma = math.sqrt(variance)
        return k_star @ self.alpha, sigma, self.alpha @ d_k, -(weights @ d_k) / sigma
