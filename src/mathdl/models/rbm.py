"""The Bernoulli restricted Boltzmann machine, trained by contrastive divergence (CD-k) or
persistent contrastive divergence (PCD, also called stochastic maximum likelihood).

Binary visible units v ∈ {0,1}^D and hidden units h ∈ {0,1}^H, weights W (H, D), visible bias
b (D,), hidden bias c (H,). The energy and the model it defines:

    E(v, h) = −bᵀv − cᵀh − hᵀWv,          p(v, h) = exp(−E(v, h)) / Z.

Summing out h gives the free energy F and the marginal p(v) = exp(−F(v)) / Z:

    F(v) = −bᵀv − Σ_j softplus(c_j + W_j·v),     softplus(x) = log(1 + eˣ).

The layers are conditionally independent, so block Gibbs sampling is exact per layer:

    p(h_j = 1 | v) = σ(c_j + W_j·v),          p(v_i = 1 | h) = σ(b_i + W_{:,i}·h).

The log-likelihood gradient is a difference of a data and a model expectation,

    ∂ log p(v)/∂W = E[h | v] vᵀ − E_{p(v,h)}[h vᵀ],

and CD-k replaces the model expectation by one taken at the end of a k-step Gibbs chain started
at the data (PCD: at a chain carried over from the previous update). Per mini-batch of B rows:

    ΔW = (1/B) Σ_n [ p(h|v⁰_n) v⁰_nᵀ − p(h|vᵏ_n) vᵏ_nᵀ ],  Δb = mean(v⁰ − vᵏ),  Δc = mean(p(h|v⁰) − p(h|vᵏ)).

Reference: Hinton, "Training products of experts by minimizing contrastive divergence" (2002);
Tieleman, "Training RBMs using approximations to the likelihood gradient" (2008).
"""

import numpy as np

from mathdl.backend import get_default_dtype
from mathdl.random import generator


def _sigmoid(x):
    # σ(x) = e^{min(x,0)} / (1 + e^{−|x|}): exp of non-positive numbers only (no overflow), and
    # accurate for large negative x (unlike ½(1 + tanh(x/2)), which cancels)
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def _softplus(x):
    return np.logaddexp(0.0, x).astype(x.dtype, copy=False)


class BernoulliRBM:
    """``BernoulliRBM(n_visible, n_hidden, k=1, persistent=False, learning_rate=0.1,
    batch_size=10, momentum=0.0, weight_decay=0.0)``.

    Attributes ``weight`` (H, D) (scikit-learn's ``components_``), ``visible_bias`` (D,),
    ``hidden_bias`` (H,), all in the default float dtype; initial weights N(0, 0.01²), zero
    biases (as scikit-learn). ``persistent=True`` trains with PCD, one persistent chain per
    mini-batch row.
    """

    def __init__(
        self,
        n_visible,
        n_hidden,
        k=1,
        persistent=False,
        learning_rate=0.1,
        batch_size=10,
        momentum=0.0,
        weight_decay=0.0,
        dtype=None,
    ):
        for name, value in (
            ("n_visible", n_visible),
            ("n_hidden", n_hidden),
            ("k", k),
            ("batch_size", batch_size),
        ):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"BernoulliRBM: {name} must be a positive integer, got {value!r}")
        if not learning_rate > 0:
            raise ValueError(f"BernoulliRBM: learning_rate must be positive, got {learning_rate!r}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"BernoulliRBM: momentum must be in [0, 1), got {momentum!r}")
        if weight_decay < 0:
            raise ValueError(f"BernoulliRBM: weight_decay must be non-negative, got {weight_decay!r}")
        self.dtype = np.dtype(dtype or get_default_dtype())
        self.n_visible, self.n_hidden, self.k = int(n_visible), int(n_hidden), int(k)
        self.persistent = bool(persistent)
        self.learning_rate = float(learning_rate)
        self.batch_size = int(batch_size)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.weight = (0.01 * generator().standard_normal((self.n_hidden, self.n_visible))).astype(self.dtype)
        self.visible_bias = np.zeros(self.n_visible, dtype=self.dtype)
        self.hidden_bias = np.zeros(self.n_hidden, dtype=self.dtype)
        self._velocity = [np.zeros_like(p) for p in (self.weight, self.visible_bias, self.hidden_bias)]
        self.chain = None  # the persistent chain's visible state (PCD)

    # ----- conditionals and sampling --------------------------------------------------------
    def _check_visible(self, v, name):
        v = np.asarray(v)
        if v.ndim != 2 or v.shape[1] != self.n_visible:
            raise ValueError(
                f"BernoulliRBM.{name}: expected visible units of shape (N, {self.n_visible}), got {v.shape}"
            )
        return v.astype(self.dtype, copy=False)

    def hidden_probabilities(self, v):
        """p(h = 1 | v) = σ(c + v Wᵀ), shape (N, H)."""
        return _sigmoid(self._check_visible(v, "hidden_probabilities") @ self.weight.T + self.hidden_bias)

    def visible_probabilities(self, h):
        """p(v = 1 | h) = σ(b + h W), shape (N, D)."""
        h = np.asarray(h, dtype=self.dtype)
        if h.ndim != 2 or h.shape[1] != self.n_hidden:
            raise ValueError(
                f"BernoulliRBM.visible_probabilities: expected hidden units of shape "
                f"(N, {self.n_hidden}), got {h.shape}"
            )
        return _sigmoid(h @ self.weight + self.visible_bias)

    @staticmethod
    def _bernoulli(p):
        # uniforms in p's own precision (float32 draws are twice as fast)
        return (generator().random(p.shape, dtype=p.dtype) < p).astype(p.dtype)

    def gibbs_step(self, v):
        """One block Gibbs sweep v → h ~ p(h|v) → v' ~ p(v|h); returns v' (N, D)."""
        h = self._bernoulli(self.hidden_probabilities(v))
        return self._bernoulli(self.visible_probabilities(h))

    def sample(self, n_samples, n_steps=1000, start=None):
        """Run ``n_samples`` Gibbs chains for ``n_steps`` sweeps from ``start`` (default: uniform
        random binary images); returns the mean-field p(v|h) of the last sweep, shape (N, D)."""
        v = (
            self._bernoulli(np.full((n_samples, self.n_visible), 0.5, dtype=self.dtype))
            if start is None
            else self._check_visible(start, "sample")
        )
        for _ in range(max(0, n_steps - 1)):
            v = self.gibbs_step(v)
        return self.visible_probabilities(self._bernoulli(self.hidden_probabilities(v)))

    # ----- energies and likelihood proxies -------------------------------------------------
    def free_energy(self, v):
        """F(v) = −bᵀv − Σ_j softplus(c_j + W_j·v), shape (N,)."""
        v = self._check_visible(v, "free_energy")
        return -(v @ self.visible_bias) - _softplus(v @ self.weight.T + self.hidden_bias).sum(axis=1)

    def pseudo_likelihood(self, v, exact=False):
        """The log pseudo-likelihood Σ_i log p(v_i | v_{−i}) of each row, shape (N,).

        p(v_i | v_{−i}) = σ(F(v with bit i flipped) − F(v)). ``exact=True`` sums over all D bits
        (D free energies per row); the default estimates the sum as scikit-learn's
        ``score_samples`` does, D · log σ(F(ṽ) − F(v)) with one uniformly chosen bit flipped per row.
        """
        v = self._check_visible(v, "pseudo_likelihood")
        f = self.free_energy(v)
        if not exact:
            flipped = v.copy()
            rows = np.arange(len(v))
            cols = generator().integers(0, self.n_visible, len(v))
            flipped[rows, cols] = 1 - flipped[rows, cols]
            return -self.n_visible * np.logaddexp(0.0, -(self.free_energy(flipped) - f))
        # flipping bit i changes the hidden pre-activation by (1 − 2v_i) W_{:,i}
        pre = v @ self.weight.T + self.hidden_bias  # (N, H)
        sign = 1 - 2 * v  # (N, D)
        total = np.zeros(len(v), dtype=np.float64)
        base = _softplus(pre).sum(axis=1)
        for i in range(self.n_visible):  # one (N, H) block per bit keeps memory at O(N·H)
            pre_flipped = pre + sign[:, i : i + 1] * self.weight[:, i]
            delta_f = -sign[:, i] * self.visible_bias[i] - _softplus(pre_flipped).sum(axis=1) + base
            total -= np.logaddexp(0.0, -delta_f)
        return total.astype(self.dtype)

    def reconstruction_error(self, v):
        """Mean squared error between v and its one-step mean-field reconstruction p(v | p(h|v))."""
        v = self._check_visible(v, "reconstruction_error")
        return float(np.mean((v - self.visible_probabilities(self.hidden_probabilities(v))) ** 2))

    def transform(self, v):
        """The hidden representation p(h = 1 | v) (scikit-learn's ``transform``)."""
        return self.hidden_probabilities(v)

    # ----- learning ----------------------------------------------------------------------------
    def contrastive_divergence(self, v0):
        """The CD-k (or PCD-k) estimate of the log-likelihood gradient for the batch ``v0``.

        Returns ``(grad_weight (H, D), grad_visible_bias (D,), grad_hidden_bias (H,))``, the
        ascent direction (add it to climb the likelihood). The chain: h⁰ ~ p(h|v⁰), then k times
        v ~ p(v|h), h ~ p(h|v); statistics use the probabilities p(h|v), which lowers the variance.
        """
        v0 = self._check_visible(v0, "contrastive_divergence")
        h0_prob = self.hidden_probabilities(v0)
        if self.persistent:
            if self.chain is None:
                # the chain keeps batch_size rows for the whole run; start it at data
                rows = generator().integers(0, len(v0), self.batch_size)
                self.chain = v0[rows].copy()
            h = self._bernoulli(self.hidden_probabilities(self.chain))
        else:
            h = self._bernoulli(h0_prob)
        for step in range(self.k):
            vk = self._bernoulli(self.visible_probabilities(h))
            hk_prob = self.hidden_probabilities(vk)
            if step < self.k - 1:
                h = self._bernoulli(hk_prob)
        if self.persistent:
            self.chain = vk
        # data and model expectations each averaged over their own rows (a PCD chain's row
        # count is batch_size even when the last data batch is smaller)
        grad_weight = h0_prob.T @ v0 / len(v0) - hk_prob.T @ vk / len(vk)
        grad_visible = v0.mean(axis=0) - vk.mean(axis=0)
        grad_hidden = h0_prob.mean(axis=0) - hk_prob.mean(axis=0)
        return grad_weight, grad_visible, grad_hidden

    def partial_fit(self, v):
        """One CD/PCD update on the mini-batch ``v``; returns self.

        θ ← θ + u with u ← momentum·u + lr·(∇θ − weight_decay·θ) (decay on W only)."""
        grads = self.contrastive_divergence(v)
        params = (self.weight, self.visible_bias, self.hidden_bias)
        for index, (param, grad, velocity) in enumerate(zip(params, grads, self._velocity)):
            if index == 0 and self.weight_decay:
                grad = grad - self.weight_decay * param
            velocity *= self.momentum
            velocity += self.learning_rate * grad
            param += velocity
        return self

    def fit(self, x, epochs=10, shuffle=True, callback=None):
        """Train on binary data ``x`` (N, D) for ``epochs`` passes of mini-batches.

        ``callback(epoch, rbm, history)`` runs after each epoch. Returns a history dict with the mean
        (stochastic) pseudo-likelihood and reconstruction error per epoch.
        """
        x = self._check_visible(x, "fit")
        if np.any((x != 0) & (x != 1)):
            raise ValueError(
                "BernoulliRBM.fit: the data must be binary (0/1); binarise it first, e.g. (x > 0.5)"
            )
        history = {"pseudo_likelihood": [], "reconstruction_error": []}
        for epoch in range(int(epochs)):
            order = generator().permutation(len(x)) if shuffle else np.arange(len(x))
            for start in range(0, len(x), self.batch_size):
                self.partial_fit(x[order[start : start + self.batch_size]])
            probe = x[:2000]
            history["pseudo_likelihood"].append(float(self.pseudo_likelihood(probe).mean()))
            history["reconstruction_error"].append(self.reconstruction_error(probe))
            if callback is not None:
                callback(epoch, self, history)
        return history

    def state_dict(self):
        return {"weight": self.weight, "visible_bias": self.visible_bias, "hidden_bias": self.hidden_bias}

    def load_state_dict(self, state):
        for name in ("weight", "visible_bias", "hidden_bias"):
            value = np.asarray(state[name])
            if value.shape != getattr(self, name).shape:
                raise ValueError(
                    f"BernoulliRBM.load_state_dict: {name!r} has shape {value.shape}, "
                    f"expected {getattr(self, name).shape}"
                )
            getattr(self, name)[...] = value


def train_on_fashion_mnist(
    epochs=10,
    full=False,
    seed=0,
    n_hidden=256,
    k=1,
    persistent=True,
    learning_rate=0.1,
    batch_size=10,
    compare_sklearn=False,
    callback=None,
):
    """Train a Bernoulli RBM on binarised Fashion-MNIST (pixel > 0.5); the library entry behind
    ``mathdl train --model rbm``. Defaults are scikit-learn's ``BernoulliRBM`` settings except
    ``n_hidden`` (sklearn: 256 too) and ``epochs`` (sklearn ``n_iter=10``).

    Returns ``(rbm, metrics)``: the exact mean test pseudo-likelihood (Σ over all 784 bits, on the
    first 1,000 test images: it costs 784 free-energy evaluations per image),
    the test reconstruction error, and with ``compare_sklearn=True`` (scikit-learn optional) the
    same numbers for ``sklearn.neural_network.BernoulliRBM`` trained on the same data with the
    same hyper-parameters, with both wall-clock times.
    """
    import time

    from mathdl.models.autoencoder import load_fashion_images
    from mathdl.random import manual_seed

    manual_seed(seed)
    (x, _), (x_test, _) = load_fashion_images(full)
    x = (x.reshape(len(x), -1) > 0.5).astype(np.float32)
    x_test = (x_test[:1000].reshape(min(len(x_test), 1000), -1) > 0.5).astype(np.float32)
    rbm = BernoulliRBM(
        784, n_hidden, k=k, persistent=persistent, learning_rate=learning_rate, batch_size=batch_size
    )
    start = time.perf_counter()
    history = rbm.fit(x, epochs=epochs, callback=callback)
    seconds = time.perf_counter() - start
    metrics = {
        "history": history,
        "seconds": seconds,
        "train_images": len(x),
        "test_pseudo_likelihood": float(rbm.pseudo_likelihood(x_test, exact=True).mean()),
        "test_reconstruction_error": rbm.reconstruction_error(x_test),
    }
    if compare_sklearn:
        try:
            from sklearn.neural_network import BernoulliRBM as SklearnRBM
        except ImportError:
            raise ImportError(
                "compare_sklearn=True needs scikit-learn: pip install 'mathdl[compare]'"
            ) from None
        start = time.perf_counter()
        reference = SklearnRBM(
            n_components=n_hidden,
            learning_rate=learning_rate,
            batch_size=batch_size,
            n_iter=epochs,
            random_state=seed,
        ).fit(x)
        sklearn_seconds = time.perf_counter() - start
        twin = BernoulliRBM(784, n_hidden)
        twin.load_state_dict(
            {
                "weight": reference.components_,
                "visible_bias": reference.intercept_visible_,
                "hidden_bias": reference.intercept_hidden_,
            }
        )
        metrics.update(
            {
                "sklearn_seconds": sklearn_seconds,
                "sklearn_test_pseudo_likelihood": float(twin.pseudo_likelihood(x_test, exact=True).mean()),
                "sklearn_test_reconstruction_error": twin.reconstruction_error(x_test),
                "sklearn_score_samples_mean": float(reference.score_samples(x_test).mean()),
            }
        )
    return rbm, metrics
