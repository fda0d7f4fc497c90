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

The update is not the gradient of a loss, so ``mathdl.train.ContrastiveDivergence`` writes −ΔW,
−Δb, −Δc into the parameters' ``.grad`` and an SGD optimiser with momentum applies them
(u ← μu + η(Δθ − λθ), θ ← θ + u; weight decay λ on W only); the persistent chain is that
strategy's state. Registered as ``rbm``.
"""

import numpy as np

from mathdl.backend import get_default_dtype
from mathdl.models.registry import register
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter
from mathdl.random import generator


def _sigmoid(x):
    # σ(x) = e^{min(x,0)} / (1 + e^{−|x|}): exp of non-positive numbers only (no overflow), and
    # accurate for large negative x (unlike ½(1 + tanh(x/2)), which cancels)
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def _softplus(x):
    return np.logaddexp(0.0, x).astype(x.dtype, copy=False)


class BernoulliRBM(Module):
    """``BernoulliRBM(n_visible, n_hidden, k=1)``: Parameters ``weight`` (H, D) (scikit-learn's
    ``components_``), ``visible_bias`` (D,), ``hidden_bias`` (H,), in the default float dtype;
    initial weights N(0, 0.01²), zero biases (as scikit-learn). ``k``: Gibbs steps of CD-k.
    Calling the model gives p(h = 1 | v) (``transform``).
    """

    def __init__(self, n_visible, n_hidden, k=1, dtype=None):
        super().__init__()
        for name, value in (("n_visible", n_visible), ("n_hidden", n_hidden), ("k", k)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"BernoulliRBM: {name} must be a positive integer, got {value!r}")
        self.dtype = np.dtype(dtype or get_default_dtype())
        self.n_visible, self.n_hidden, self.k = int(n_visible), int(n_hidden), int(k)
        weight = 0.01 * generator().standard_normal((self.n_hidden, self.n_visible))
        self.weight = Parameter(weight, dtype=self.dtype)
        self.visible_bias = Parameter(np.zeros(self.n_visible), dtype=self.dtype)
        self.hidden_bias = Parameter(np.zeros(self.n_hidden), dtype=self.dtype)

    @property
    def _w(self):
        return self.weight.array

    def update_parameters(self):
        """(weight, visible_bias, hidden_bias): the order of ``contrastive_divergence``'s estimates."""
        return self.weight, self.visible_bias, self.hidden_bias

    def forward(self, v):
        return self.transform(np.asarray(getattr(v, "array", v)).reshape(len(v), -1))

    # ----- conditionals and sampling --------------------------------------------------------
    def _check_visible(self, v, name):
        v = np.asarray(getattr(v, "array", v))
        if v.ndim != 2 or v.shape[1] != self.n_visible:
            raise ValueError(
                f"BernoulliRBM.{name}: expected visible units of shape (N, {self.n_visible}), got {v.shape}"
            )
        return v.astype(self.dtype, copy=False)

    def hidden_probabilities(self, v):
        """p(h = 1 | v) = σ(c + v Wᵀ), shape (N, H)."""
        v = self._check_visible(v, "hidden_probabilities")
        return _sigmoid(v @ self._w.T + self.hidden_bias.array)

    def visible_probabilities(self, h):
        """p(v = 1 | h) = σ(b + h W), shape (N, D)."""
        h = np.asarray(h, dtype=self.dtype)
        if h.ndim != 2 or h.shape[1] != self.n_hidden:
            raise ValueError(
                f"BernoulliRBM.visible_probabilities: expected hidden units of shape "
                f"(N, {self.n_hidden}), got {h.shape}"
            )
        return _sigmoid(h @ self._w + self.visible_bias.array)

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
        pre = v @ self._w.T + self.hidden_bias.array
        return -(v @ self.visible_bias.array) - _softplus(pre).sum(axis=1)

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
        weight, visible_bias = self._w, self.visible_bias.array
        pre = v @ weight.T + self.hidden_bias.array  # (N, H)
        sign = 1 - 2 * v  # (N, D)
        total = np.zeros(len(v), dtype=np.float64)
        base = _softplus(pre).sum(axis=1)
        for i in range(self.n_visible):  # one (N, H) block per bit keeps memory at O(N·H)
            pre_flipped = pre + sign[:, i : i + 1] * weight[:, i]
            delta_f = -sign[:, i] * visible_bias[i] - _softplus(pre_flipped).sum(axis=1) + base
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
    def contrastive_divergence(self, v0, chain=None):
        """The CD-k estimate of the log-likelihood gradient for the batch ``v0`` (PCD-k when a
        persistent ``chain`` (M, D) of visible states is given).

        Returns ``((grad_weight (H, D), grad_visible_bias (D,), grad_hidden_bias (H,)), chain)``:
        the ascent direction (add it to climb the likelihood) and the chain's new state (its
        last visible sample; the data batch's for plain CD). The chain: h⁰ ~ p(h|v⁰) (or from
        the persistent chain), then k times v ~ p(v|h), h ~ p(h|v); statistics use the
        probabilities p(h|v), which lowers the variance.
        """
        v0 = self._check_visible(v0, "contrastive_divergence")
        h0_prob = self.hidden_probabilities(v0)
        if chain is not None:
            h = self._bernoulli(self.hidden_probabilities(chain))
        else:
            h = self._bernoulli(h0_prob)
        for step in range(self.k):
            vk = self._bernoulli(self.visible_probabilities(h))
            hk_prob = self.hidden_probabilities(vk)
            if step < self.k - 1:
                h = self._bernoulli(hk_prob)
        # data and model expectations each averaged over their own rows (a PCD chain's row
        # count is fixed even when the last data batch is smaller)
        grad_weight = h0_prob.T @ v0 / len(v0) - hk_prob.T @ vk / len(vk)
        grad_visible = v0.mean(axis=0) - vk.mean(axis=0)
        grad_hidden = h0_prob.mean(axis=0) - hk_prob.mean(axis=0)
        return (grad_weight, grad_visible, grad_hidden), vk


@register("rbm")
def rbm(n_visible=784, n_hidden=256, k=1):
    """A Bernoulli RBM (CD-k; PCD-k when trained with a persistent chain)."""
    return BernoulliRBM(n_visible, n_hidden, k=k)
