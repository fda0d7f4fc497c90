"""mathdl.stats against torch.distributions (and torch.lgamma / torch.erf / torch.special) in float64.

For every distribution: log_prob, cdf and icdf (where torch has them), entropy, mean and variance,
as values and as vector-Jacobian products with respect to the parameters and the value (``md.grad``
on our side, ``torch.autograd.grad`` on theirs); the closed-form KL divergences against
``torch.distributions.kl_divergence``; the reparameterised draws ``rsample`` with the *same* noise
on both sides (torch's own rsample is run with its noise source patched to return the draws our
generator made, so the reparameterisation x = g(θ, ε) and its gradient are compared as code, not
as a restated formula); the special functions; and the information-theory functions against
torch formulas with PyTorch's gradients.

Known, deliberate differences of semantics (not compared, or compared modulo the difference):
- torch's Categorical divides ``probs`` by their sum, so its gradient with respect to ``probs`` has
  an extra component along (1, …, 1) (the direction that leaves the simplex); for ``probs``
  parameters only the part of the gradient tangent to the simplex (mean over the last axis
  removed) is compared. Logits parameters are compared exactly.
- torch's Categorical mean/variance are NaN; ours treat the category index as a number.
- torch's Uniform support is [low, high), ours is SciPy's closed [low, high]; values at ``high``
  are not compared. torch's Exponential/Pareto cdf below the support are not clamped to 0 with
  validate_args=False, so cdfs are compared inside the support there.
- torch has no Poisson entropy and no cdf for the discrete distributions.
"""

import numpy as np
import pytest

import mathdl as md
from mathdl import stats

RTOL, ATOL = 1e-10, 1e-12
SEEDS = [0, 1, 2]
BATCH = (3,)
DRAWS = (4,)


def as_numpy(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def compare(torch, ours_fn, theirs_fn, leaves, seed=0, center=(), rtol=RTOL, atol=ATOL, grads=True):
    """``ours_fn`` on mathdl leaves and ``theirs_fn`` on torch leaves (dicts name -> float64 array,
    all requiring grad) agree in value and in ∂⟨g, f⟩/∂leaf for a random cotangent g. Gradients of
    the leaves named in ``center`` are compared with their mean over the last axis removed."""
    ours_leaves = {k: md.tensor(v, dtype=np.float64, requires_grad=True) for k, v in leaves.items()}
    theirs_leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in leaves.items()}
    y = ours_fn(ours_leaves)
    ty = theirs_fn(theirs_leaves)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.array, as_numpy(ty), rtol=rtol, atol=atol)
    if not grads or not leaves:
        return
    assert np.all(np.isfinite(y.array)), "gradients are compared only where the value is finite"
    g = np.random.default_rng(seed + 1000).standard_normal(y.shape)
    names = list(leaves)
    ours = md.grad(y, [ours_leaves[k] for k in names], md.tensor(g), allow_unused=True)
    theirs = torch.autograd.grad(ty, [theirs_leaves[k] for k in names], torch.tensor(g), allow_unused=True)
    for name, a, b in zip(names, ours, theirs):
        a = np.zeros(leaves[name].shape) if a is None else a.array
        b = np.zeros(leaves[name].shape) if b is None else b.numpy()
        assert a.shape == leaves[name].shape, name
        if name in center:
            a, b = a - a.mean(axis=-1, keepdims=True), b - b.mean(axis=-1, keepdims=True)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"gradient wrt {name}")


# ----- the families -------------------------------------------------------------------------------
# params(rng) -> dict of leaves requiring grad; ours(p)/theirs(torch, p) build the distribution;
# value(rng, p) -> points for log_prob (and cdf, unless cdf_value is given); value_grad: the value is
# a leaf too (continuous families); methods: what torch also has.


def _td(torch):
    return torch.distributions


def _probs(rng, shape):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


CONTINUOUS_METHODS = ("log_prob", "cdf", "icdf", "entropy", "mean", "variance")

FAMILIES = {
    "Normal": dict(
        params=lambda rng: dict(loc=rng.normal(size=BATCH), scale=rng.uniform(0.3, 2.0, BATCH)),
        ours=lambda p: stats.Normal(p["loc"], p["scale"]),
        theirs=lambda torch, p: _td(torch).Normal(p["loc"], p["scale"], validate_args=False),
        value=lambda rng, p: p["loc"] + 2 * rng.normal(size=DRAWS + BATCH),
        value_grad=True,
        methods=CONTINUOUS_METHODS,
    ),
    "Uniform": dict(
        params=lambda rng: (lambda lo: dict(low=lo, high=lo + rng.uniform(0.5, 3.0, BATCH)))(
            rng.normal(size=BATCH)
        ),
        ours=lambda p: stats.Uniform(p["low"], p["high"]),
        theirs=lambda torch, p: _td(torch).Uniform(p["low"], p["high"], validate_args=False),
        value=lambda rng, p: p["low"] + (p["high"] - p["low"]) * rng.uniform(0.01, 0.99, DRAWS + BATCH),
        # the cdf is also compared outside the support, where it is clamped to 0 and 1
        cdf_value=lambda rng, p: p["low"] + (p["high"] - p["low"]) * rng.uniform(-0.5, 1.5, DRAWS + BATCH),
        value_grad=True,
        methods=CONTINUOUS_METHODS,
    ),
    "Exponential": dict(
        params=lambda rng: dict(rate=rng.uniform(0.3, 3.0, BATCH)),
        ours=lambda p: stats.Exponential(p["rate"]),
        theirs=lambda torch, p: _td(torch).Exponential(p["rate"], validate_args=False),
        value=lambda rng, p: rng.exponential(1.0, DRAWS + BATCH) + 1e-3,
        value_grad=True,
        methods=CONTINUOUS_METHODS,
    ),
    "Laplace": dict(
        params=lambda rng: dict(loc=rng.normal(size=BATCH), scale=rng.uniform(0.3, 2.0, BATCH)),
        ours=lambda p: stats.Laplace(p["loc"], p["scale"]),
        theirs=lambda torch, p: _td(torch).Laplace(p["loc"], p["scale"], validate_args=False),
        value=lambda rng, p: p["loc"] + 2 * rng.normal(size=DRAWS + BATCH),
        value_grad=True,
        methods=CONTINUOUS_METHODS,
    ),
    "Pareto": dict(
        params=lambda rng: dict(scale=rng.uniform(0.5, 2.0, BATCH), alpha=rng.uniform(2.2, 5.0, BATCH)),
        ours=lambda p: stats.Pareto(p["scale"], p["alpha"]),
        theirs=lambda torch, p: _td(torch).Pareto(p["scale"], p["alpha"], validate_args=False),
        value=lambda rng, p: p["scale"] * (1.0 + rng.exponential(1.0, DRAWS + BATCH)),
        value_grad=True,
        methods=CONTINUOUS_METHODS,
    ),
    "Bernoulli(probs)": dict(
        params=lambda rng: dict(probs=rng.uniform(0.05, 0.95, BATCH)),
        ours=lambda p: stats.Bernoulli(probs=p["probs"]),
        theirs=lambda torch, p: _td(torch).Bernoulli(probs=p["probs"], validate_args=False),
        value=lambda rng, p: rng.integers(0, 2, DRAWS + BATCH).astype(np.float64),
        methods=("log_prob", "entropy", "mean", "variance"),
    ),
    "Bernoulli(logits)": dict(
        params=lambda rng: dict(logits=3 * rng.normal(size=BATCH)),
        ours=lambda p: stats.Bernoulli(logits=p["logits"]),
        theirs=lambda torch, p: _td(torch).Bernoulli(logits=p["logits"], validate_args=False),
        value=lambda rng, p: rng.integers(0, 2, DRAWS + BATCH).astype(np.float64),
        methods=("log_prob", "entropy", "mean", "variance"),
    ),
    "Binomial": dict(
        params=lambda rng: dict(probs=rng.uniform(0.05, 0.95, BATCH)),
        ours=lambda p: stats.Binomial(8, p["probs"]),
        theirs=lambda torch, p: _td(torch).Binomial(8, probs=p["probs"], validate_args=False),
        value=lambda rng, p: rng.integers(0, 9, DRAWS + BATCH).astype(np.float64),
        methods=("log_prob", "entropy", "mean", "variance"),
    ),
    "Binomial(mixed counts)": dict(  # torch's entropy needs one total_count
        params=lambda rng: dict(probs=rng.uniform(0.05, 0.95, BATCH)),
        ours=lambda p: stats.Binomial(np.array([3.0, 10.0, 25.0]), p["probs"]),
        theirs=lambda torch, p: _td(torch).Binomial(
            torch.tensor([3.0, 10.0, 25.0], dtype=torch.float64), probs=p["probs"], validate_args=False
        ),
        value=lambda rng, p: np.floor(rng.uniform(0, 1, DRAWS + BATCH) * np.array([4.0, 11.0, 26.0])),
        methods=("log_prob", "mean", "variance"),
    ),
    "Poisson": dict(
        params=lambda rng: dict(rate=rng.uniform(0.2, 12.0, BATCH)),
        ours=lambda p: stats.Poisson(p["rate"]),
        theirs=lambda torch, p: _td(torch).Poisson(p["rate"], validate_args=False),
        value=lambda rng, p: rng.integers(0, 20, DRAWS + BATCH).astype(np.float64),
        methods=("log_prob", "mean", "variance"),
    ),
    "Categorical(probs)": dict(
        params=lambda rng: dict(probs=_probs(rng, BATCH + (5,))),
        ours=lambda p: stats.Categorical(probs=p["probs"]),
        theirs=lambda torch, p: _td(torch).Categorical(probs=p["probs"], validate_args=False),
        value=lambda rng, p: rng.integers(0, 5, DRAWS + BATCH),
        center=("probs",),
        methods=("log_prob", "entropy"),
    ),
    "Categorical(logits)": dict(
        params=lambda rng: dict(logits=2 * rng.normal(size=BATCH + (5,))),
        ours=lambda p: stats.Categorical(logits=p["logits"]),
        theirs=lambda torch, p: _td(torch).Categorical(logits=p["logits"], validate_args=False),
        value=lambda rng, p: rng.integers(0, 5, DRAWS + BATCH),
        methods=("log_prob", "entropy"),
    ),
}

CASES = [(name, method) for name, family in FAMILIES.items() for method in family["methods"]]


def _torch_value(torch, value):
    dtype = torch.long if value.dtype.kind in "iu" else torch.float64
    return torch.tensor(value, dtype=dtype)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name,method", CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_distribution_like_torch(torch, name, method, seed):
    family = FAMILIES[name]
    rng = np.random.default_rng(seed)
    params = family["params"](rng)
    leaves = dict(params)
    if method in ("log_prob", "cdf", "icdf"):
        if method == "icdf":
            value = rng.uniform(0.01, 0.99, DRAWS + BATCH)
        else:
            value = family.get(f"{method}_value", family["value"])(rng, params)
        point = "value" if family.get("value_grad") else None
        if point:
            leaves["value"] = value

        def ours(p):
            return getattr(family["ours"](p), method)(p["value"] if point else value)

        def theirs(p):
            return getattr(family["theirs"](torch, p), method)(
                p["value"] if point else _torch_value(torch, value)
            )
    else:

        def ours(p):
            d = family["ours"](p)
            return d.entropy() if method == "entropy" else getattr(d, method)

        def theirs(p):
            d = family["theirs"](torch, p)
            return d.entropy() if method == "entropy" else getattr(d, method)

    compare(torch, ours, theirs, leaves, seed=seed, center=family.get("center", ()))


def test_edge_values_like_torch(torch):
    """Values only (no gradients) at the edges: infinite Pareto moments, Uniform cdf clamping,
    out-of-support log_prob, zero-rate Poisson, Laplace cdf at the median, cdf at the ends."""
    td = torch.distributions
    t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    alpha = np.array([0.5, 1.0, 1.5, 2.0, 2.5])
    ours, theirs = stats.Pareto(np.ones(5), alpha), td.Pareto(t(np.ones(5)), t(alpha))
    np.testing.assert_array_equal(ours.mean.array[:2], as_numpy(theirs.mean)[:2])  # ∞, ∞
    np.testing.assert_allclose(ours.mean.array, as_numpy(theirs.mean), rtol=RTOL)
    np.testing.assert_allclose(ours.variance.array, as_numpy(theirs.variance), rtol=RTOL)
    assert np.all(np.isinf(ours.variance.array[:4]))
    # out-of-support log_prob is −∞ on both sides (torch's Exponential does not check its support
    # with validate_args=False and would give log λ − λx; ours is SciPy's −∞, not compared)
    for o, th, x in [
        (stats.Uniform(np.zeros(()), np.ones(())), td.Uniform(t(0.0), t(1.0), validate_args=False), 1.5),
        (stats.Uniform(np.zeros(()), np.ones(())), td.Uniform(t(0.0), t(1.0), validate_args=False), -0.5),
    ]:
        assert o.log_prob(x).array == -np.inf == th.log_prob(t(x)).item()
    # Poisson with rate 0: all mass at 0 (0 log 0 = 0)
    o, th = stats.Poisson(np.zeros(3)), td.Poisson(t(np.zeros(3)), validate_args=False)
    np.testing.assert_array_equal(
        o.log_prob(np.array([0.0, 0.0, 0.0])).array, as_numpy(th.log_prob(t([0.0, 0.0, 0.0])))
    )
    # cdf at the median, and far in the tails
    # (Python-float parameters would give the default dtype, float32: pass float64 arrays)
    f64 = np.float64
    lap, tlap = stats.Laplace(f64(0.5), f64(2.0)), td.Laplace(t(0.5), t(2.0))
    x = np.array([-80.0, -3.0, 0.5, 3.0, 80.0])
    # torch's 0.5 − 0.5 sgn(x − μ) expm1(−|x − μ|/b) cancels to 0 in the far left tail, where ours
    # keeps ½ e^(−40.25) = 1.65e-18: an absolute tolerance covers it
    np.testing.assert_allclose(lap.cdf(x).array, as_numpy(tlap.cdf(t(x))), rtol=RTOL, atol=1e-16)
    assert lap.cdf(x).array[0] == pytest.approx(0.5 * np.exp(-40.25), rel=1e-12)
    nor, tnor = stats.Normal(f64(0.0), f64(1.0)), td.Normal(t(0.0), t(1.0))
    x = np.array([-30.0, -8.0, -1.0, 0.0, 1.0, 8.0])
    # torch's Normal.cdf is ½(1 + erf(z/√2)), which cancels in the left tail; ours, ½ erfc(−z/√2),
    # keeps full relative accuracy there (as SciPy's ndtr). torch.special.ndtr (2.13, CPU) cancels
    # too (6.106e-16 at −8 for 6.221e-16): exp(torch.special.log_ndtr) is the tail oracle
    np.testing.assert_allclose(nor.cdf(x).array, as_numpy(tnor.cdf(t(x))), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(
        nor.cdf(x).array, torch.special.log_ndtr(t(x)).exp().numpy(), rtol=1e-12, atol=0
    )
    # torch's Normal.icdf is √2 erfinv(2q − 1), which loses the left tail (−∞ at q = 1e-300, where
    # Φ⁻¹ = −37.05, and 2e-9 relative at q = 1e-10); torch.special.ndtri is the tail oracle
    q = np.array([0.0, 1e-300, 1e-10, 0.5, 1 - 1e-10, 1.0])
    np.testing.assert_allclose(nor.icdf(q).array, torch.special.ndtri(t(q)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(nor.icdf(q[3:]).array, as_numpy(tnor.icdf(t(q[3:]))), rtol=1e-9)


# ----- multivariate normal ------------------------------------------------------------------------
D = 3


def _mvn_leaves(rng, batch=()):
    b = rng.normal(size=batch + (D, D))
    w = (
        np.tril(rng.normal(size=batch + (D, D)), -1)
        + np.eye(D) * rng.uniform(0.5, 1.5, batch + (D,))[..., None]
    )
    return dict(loc=rng.normal(size=batch + (D,)), b=b, tril=w)


def _mvn(kind, p, lib):
    """(ours or torch's) MultivariateNormal from the leaves, by covariance B Bᵀ + I or by scale_tril."""
    if lib == "ours":
        if kind == "covariance":
            return stats.MultivariateNormal(
                p["loc"], covariance_matrix=p["b"] @ md.swapaxes(p["b"], -1, -2) + md.tensor(np.eye(D))
            )
        return stats.MultivariateNormal(p["loc"], scale_tril=p["tril"])
    torch = lib
    if kind == "covariance":
        return torch.distributions.MultivariateNormal(
            p["loc"],
            covariance_matrix=p["b"] @ p["b"].transpose(-1, -2) + torch.eye(D, dtype=torch.float64),
            validate_args=False,
        )
    return torch.distributions.MultivariateNormal(p["loc"], scale_tril=p["tril"], validate_args=False)


def _drop_unused(leaves, kind):
    return {k: v for k, v in leaves.items() if k != ("tril" if kind == "covariance" else "b")}


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("kind", ["covariance", "scale_tril"])
@pytest.mark.parametrize("method", ["log_prob", "entropy", "mean", "variance"])
def test_multivariate_normal_like_torch(torch, method, kind, seed):
    rng = np.random.default_rng(seed)
    leaves = _drop_unused(_mvn_leaves(rng, batch=(2,)), kind)
    if method == "log_prob":
        leaves["value"] = rng.normal(size=DRAWS + (2, D))

    def run(p, lib):
        d = _mvn(kind, p, lib)
        if method == "log_prob":
            return d.log_prob(p["value"])
        return d.entropy() if method == "entropy" else getattr(d, method)

    compare(torch, lambda p: run(p, "ours"), lambda p: run(p, torch), leaves, seed=seed)


# ----- KL divergences ------------------------------------------------------------------------------
KL_PAIRS = {
    "Normal": lambda rng: (FAMILIES["Normal"]["params"](rng), FAMILIES["Normal"]["params"](rng)),
    "Exponential": lambda rng: (
        FAMILIES["Exponential"]["params"](rng),
        FAMILIES["Exponential"]["params"](rng),
    ),
    "Laplace": lambda rng: (FAMILIES["Laplace"]["params"](rng), FAMILIES["Laplace"]["params"](rng)),
    "Poisson": lambda rng: (FAMILIES["Poisson"]["params"](rng), FAMILIES["Poisson"]["params"](rng)),
    "Bernoulli(probs)": lambda rng: (
        FAMILIES["Bernoulli(probs)"]["params"](rng),
        FAMILIES["Bernoulli(probs)"]["params"](rng),
    ),
    "Bernoulli(logits)": lambda rng: (
        FAMILIES["Bernoulli(logits)"]["params"](rng),
        FAMILIES["Bernoulli(logits)"]["params"](rng),
    ),
    "Categorical(probs)": lambda rng: (
        FAMILIES["Categorical(probs)"]["params"](rng),
        FAMILIES["Categorical(probs)"]["params"](rng),
    ),
    "Categorical(logits)": lambda rng: (
        FAMILIES["Categorical(logits)"]["params"](rng),
        FAMILIES["Categorical(logits)"]["params"](rng),
    ),
    # p's interval inside q's (a finite KL, differentiable in all four ends)
    "Uniform": lambda rng: (
        lambda lo, hi: (
            dict(low=lo, high=hi),
            dict(low=lo - rng.uniform(0.1, 1, BATCH), high=hi + rng.uniform(0.1, 1, BATCH)),
        )
    )(*(lambda lo: (lo, lo + rng.uniform(0.5, 2, BATCH)))(rng.normal(size=BATCH))),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(KL_PAIRS))
def test_kl_divergence_like_torch(torch, name, seed):
    family = FAMILIES[name]
    p_params, q_params = KL_PAIRS[name](np.random.default_rng(seed))
    leaves = {**{f"p_{k}": v for k, v in p_params.items()}, **{f"q_{k}": v for k, v in q_params.items()}}

    def split(leaf_dict, prefix):
        return {k[2:]: v for k, v in leaf_dict.items() if k.startswith(prefix)}

    def ours(t):
        return stats.kl_divergence(family["ours"](split(t, "p_")), family["ours"](split(t, "q_")))

    def theirs(t):
        return torch.distributions.kl_divergence(
            family["theirs"](torch, split(t, "p_")), family["theirs"](torch, split(t, "q_"))
        )

    center = tuple(f"{side}_{k}" for side in "pq" for k in family.get("center", ()))
    compare(torch, ours, theirs, leaves, seed=seed, center=center)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("kind", ["covariance", "scale_tril"])
def test_kl_multivariate_normal_like_torch(torch, kind, seed):
    rng = np.random.default_rng(seed)
    p_leaves = _drop_unused(_mvn_leaves(rng, batch=(2,)), kind)
    q_leaves = _drop_unused(_mvn_leaves(rng, batch=(2,)), kind)
    leaves = {**{f"p_{k}": v for k, v in p_leaves.items()}, **{f"q_{k}": v for k, v in q_leaves.items()}}

    def run(t, lib):
        p = _mvn(kind, {k[2:]: v for k, v in t.items() if k.startswith("p_")}, lib)
        q = _mvn(kind, {k[2:]: v for k, v in t.items() if k.startswith("q_")}, lib)
        return stats.kl_divergence(p, q) if lib == "ours" else lib.distributions.kl_divergence(p, q)

    if kind == "covariance":
        compare(torch, lambda t: run(t, "ours"), lambda t: run(t, torch), leaves, seed=seed)
    else:  # compare the gradients on the lower triangles (the parameters) only
        compare(torch, lambda t: run(t, "ours"), lambda t: run(t, torch), leaves, seed=seed, grads=False)
        ours_leaves = {k: md.tensor(v, requires_grad=True) for k, v in leaves.items()}
        theirs_leaves = {k: torch.tensor(v, requires_grad=True) for k, v in leaves.items()}
        y, ty = run(ours_leaves, "ours"), run(theirs_leaves, torch)
        g = np.random.default_rng(seed).standard_normal(y.shape)
        names = list(leaves)
        a = md.grad(y, [ours_leaves[k] for k in names], md.tensor(g))
        b = torch.autograd.grad(ty, [theirs_leaves[k] for k in names], torch.tensor(g))
        for name, x, z in zip(names, a, b):
            x, z = x.array, z.numpy()
            if name.endswith("tril"):
                x, z = np.tril(x), np.tril(z)
            np.testing.assert_allclose(x, z, rtol=RTOL, atol=ATOL, err_msg=name)


def test_kl_edge_values_like_torch(torch):
    """Values where the KL is infinite or has 0 log 0 terms."""
    td, t = torch.distributions, (lambda a: torch.tensor(a, dtype=torch.float64))
    # Uniform: p's support not inside q's -> ∞
    p_lo, p_hi = np.array([0.0, 0.0, -1.0]), np.array([1.0, 2.0, 1.0])
    q_lo, q_hi = np.array([-1.0, 0.5, -1.0]), np.array([2.0, 3.0, 0.5])
    ours = stats.kl_divergence(stats.Uniform(p_lo, p_hi), stats.Uniform(q_lo, q_hi)).array
    theirs = td.kl_divergence(td.Uniform(t(p_lo), t(p_hi)), td.Uniform(t(q_lo), t(q_hi))).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)
    assert np.isinf(ours[1:]).all()
    # Categorical with zero probabilities: 0 log 0 = 0 where p = 0, ∞ where q = 0 < p
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.0, 0.0, 1.0]])
    q = np.array([[0.2, 0.3, 0.5], [0.5, 0.5, 0.0], [0.1, 0.1, 0.8]])
    ours = stats.kl_divergence(stats.Categorical(probs=p), stats.Categorical(probs=q)).array
    theirs = td.kl_divergence(td.Categorical(probs=t(p)), td.Categorical(probs=t(q))).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)
    assert np.isinf(ours[1])
    # the array form agrees with torch's Categorical KL and entropy too
    np.testing.assert_allclose(stats.kl_divergence(p, q).array, theirs, rtol=RTOL)
    np.testing.assert_allclose(
        stats.entropy(p).array, td.Categorical(probs=t(p)).entropy().numpy(), rtol=RTOL, atol=1e-15
    )
    # Bernoulli at a certain outcome (torch clamps its logits at the float epsilon, hence atol)
    a, b = np.array([0.0, 1.0, 0.3]), np.array([0.4, 0.7, 0.3])
    ours = stats.kl_divergence(stats.Bernoulli(probs=a), stats.Bernoulli(probs=b)).array
    theirs = td.kl_divergence(td.Bernoulli(probs=t(a)), td.Bernoulli(probs=t(b))).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # Poisson with a zero rate for p: KL = λ_q (torch's λ_p (log λ_p − log λ_q) gives 0 · (−∞) = NaN
    # there, so only the other entry is compared with torch)
    ours = stats.kl_divergence(
        stats.Poisson(np.array([0.0, 2.0, 3.0])), stats.Poisson(np.array([1.5, 2.0, 1.0]))
    ).array
    theirs = td.kl_divergence(td.Poisson(t([0.0, 2.0, 3.0])), td.Poisson(t([1.5, 2.0, 1.0]))).numpy()
    np.testing.assert_allclose(ours[1:], theirs[1:], rtol=RTOL, atol=ATOL)
    assert ours[0] == 1.5


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Exponential", "Poisson", "Categorical(logits)"])
def test_kl_divergence_broadcasts_like_torch(torch, name):
    """p with batch (2, 3) against q with batch (3,): the KL has batch (2, 3) and q's gradient sums
    over the broadcast axis. (torch's Bernoulli KL cannot broadcast: its masked assignment
    t1[q.probs == 0] = inf raises IndexError for these shapes, so Bernoulli is not in the list.)"""
    family = FAMILIES[name]
    rng = np.random.default_rng(7)
    p_params = {k: np.stack([v, family["params"](rng)[k]]) for k, v in family["params"](rng).items()}
    q_params = family["params"](rng)
    leaves = {**{f"p_{k}": v for k, v in p_params.items()}, **{f"q_{k}": v for k, v in q_params.items()}}

    def split(t, prefix):
        return {k[2:]: v for k, v in t.items() if k.startswith(prefix)}

    compare(
        torch,
        lambda t: stats.kl_divergence(family["ours"](split(t, "p_")), family["ours"](split(t, "q_"))),
        lambda t: torch.distributions.kl_divergence(
            family["theirs"](torch, split(t, "p_")), family["theirs"](torch, split(t, "q_"))
        ),
        leaves,
    )


@pytest.mark.parametrize("count", [1, 60, 400])
def test_binomial_entropy_large_counts_like_torch(torch, count):
    """Our entropy sums only over np ± (12√(np(1 − p)) + 30); torch's sums over the whole support."""
    probs = np.array([0.003, 0.02, 0.5, 0.97])
    compare(
        torch,
        lambda t: stats.Binomial(count, t["p"]).entropy(),
        lambda t: torch.distributions.Binomial(count, probs=t["p"]).entropy(),
        {"p": probs},
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_sample_shape_and_dtype_like_torch(torch, name):
    """sample(shape) has shape sample_shape + batch_shape + event_shape and torch's kind of dtype
    (float draws, int64 category indices)."""
    family = FAMILIES[name]
    params = family["params"](np.random.default_rng(0))
    ours = family["ours"]({k: md.tensor(v) for k, v in params.items()})
    theirs = family["theirs"](torch, {k: torch.tensor(v) for k, v in params.items()})
    for shape in [(), (2,), (2, 5)]:
        x, tx = ours.sample(shape), theirs.sample(shape)
        assert tuple(x.shape) == tuple(tx.shape)
        assert (x.dtype.kind == "f") == tx.dtype.is_floating_point
        if not tx.dtype.is_floating_point:
            assert x.dtype == np.int64 and tx.dtype == torch.int64
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)


# ----- rsample with shared noise -------------------------------------------------------------------
RSAMPLE = {
    # name: (noise kind, how torch's sampler receives it)
    "Normal": ("normal", "standard_normal"),
    "Uniform": ("uniform", "rand"),
    "Exponential": ("uniform", "exponential_"),
    "Laplace": ("uniform", "uniform_"),
    "Pareto": ("uniform", "exponential_"),
}


def _patch_torch_noise(torch, monkeypatch, how, noise):
    import torch.distributions.normal as normal_module

    if how == "standard_normal":
        monkeypatch.setattr(
            normal_module,
            "_standard_normal",
            lambda shape, dtype, device: torch.tensor(noise(shape), dtype=dtype),
        )
    elif how == "rand":
        monkeypatch.setattr(
            torch, "rand", lambda shape, dtype=None, device=None: torch.tensor(noise(shape), dtype=dtype)
        )
    elif how == "exponential_":
        # torch draws E ~ Exp(1) in place; ours is the inverse cdf −log(1 − u) of the same u
        monkeypatch.setattr(
            torch.Tensor,
            "exponential_",
            lambda self, *a, **k: self.copy_(torch.tensor(-np.log1p(-noise(self.shape)))),
        )
    elif how == "uniform_":
        # torch draws u ~ U(−1, 1) in place; ours draws v ~ U[−½, ½): u = 2v
        monkeypatch.setattr(
            torch.Tensor,
            "uniform_",
            lambda self, *a, **k: self.copy_(torch.tensor(2.0 * (noise(self.shape) - 0.5))),
        )


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_shared_noise_like_torch(torch, monkeypatch, name, seed):
    """x = g(θ, ε) for the same ε: the draws and d⟨w, x⟩/dθ agree."""
    family = FAMILIES[name]
    kind, how = RSAMPLE[name]
    params = family["params"](np.random.default_rng(seed + 10))

    def noise(shape):
        g = np.random.default_rng(seed)
        return g.standard_normal(tuple(shape)) if kind == "normal" else g.random(tuple(shape))

    _patch_torch_noise(torch, monkeypatch, how, noise)

    def ours(p):
        md.manual_seed(seed)
        return family["ours"](p).rsample((5,))

    compare(torch, ours, lambda p: family["theirs"](torch, p).rsample((5,)), params, seed=seed)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("kind", ["covariance", "scale_tril"])
def test_rsample_multivariate_normal_shared_noise(torch, monkeypatch, kind, seed):
    import torch.distributions.multivariate_normal as mvn_module

    monkeypatch.setattr(
        mvn_module,
        "_standard_normal",
        lambda shape, dtype, device: torch.tensor(
            np.random.default_rng(seed).standard_normal(tuple(shape)), dtype=dtype
        ),
    )
    leaves = _drop_unused(_mvn_leaves(np.random.default_rng(seed + 10), batch=(2,)), kind)

    def ours(p):
        md.manual_seed(seed)
        return _mvn(kind, p, "ours").rsample((5,))

    # the upper triangle of scale_tril is multiplied by noise in neither library's draw
    compare(torch, ours, lambda p: _mvn(kind, p, torch).rsample((5,)), leaves, seed=seed)


# ----- special functions ---------------------------------------------------------------------------
def test_lgamma_like_torch(torch):
    x = np.concatenate(
        [
            np.geomspace(1e-8, 0.5, 40),
            np.linspace(0.45, 3.0, 60),
            np.geomspace(3.0, 1e6, 40),
            [0.5, 1.0, 1.5, 2.0, 2.5],
        ]
    )
    ours = stats.lgamma(x)
    theirs = torch.lgamma(torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_erfc_like_torch(torch, name):
    # both sides of the series/continued-fraction switch at |x| = 1.5, and the far tails
    x = np.concatenate(
        [np.linspace(-6.0, 6.0, 121), [1.5 - 1e-12, 1.5, 1.5 + 1e-12, -1.5, 1e-300, -1e-20, 0.0]]
    )
    fn = getattr(stats, name)
    compare(
        torch, lambda p: fn(p["x"]), lambda p: getattr(torch, name)(p["x"]), {"x": x}, rtol=1e-13, atol=1e-15
    )
    if name == "erfc":  # relative accuracy in the right tail, where erfc is tiny
        x = np.linspace(5.0, 26.0, 43)
        np.testing.assert_allclose(
            stats.erfc(x).array, torch.erfc(torch.tensor(x, dtype=torch.float64)).numpy(), rtol=1e-13, atol=0
        )


def test_ndtri_like_torch(torch):
    p = np.concatenate(
        [
            np.geomspace(1e-300, 1e-3, 30),
            np.linspace(0.001, 0.999, 101),
            1.0 - np.geomspace(1e-3, 1e-15, 20),
            [0.02425, 0.97575],
        ]
    )
    compare(
        torch,
        lambda t: stats.ndtri(t["p"]),
        lambda t: torch.special.ndtri(t["p"]),
        {"p": p},
        rtol=1e-12,
        atol=1e-14,
    )
    ends = np.array([0.0, 1.0])
    np.testing.assert_array_equal(stats.ndtri(ends).array, torch.special.ndtri(torch.tensor(ends)).numpy())


# ----- information theory ---------------------------------------------------------------------------
def _entr(torch, p):
    return torch.special.entr(p)


def _joint(rng):
    p = rng.uniform(0.05, 1.0, (3, 4))
    return p / p.sum()


INFORMATION = {
    # name: (ours, torch formula, leaves(rng))
    "entropy": (
        lambda t: stats.entropy(t["p"]),
        lambda torch, t: _entr(torch, t["p"]).sum(-1),
        lambda rng: dict(p=_probs(rng, (3, 5))),
    ),
    "entropy(base=2)": (
        lambda t: stats.entropy(t["p"], base=2),
        lambda torch, t: _entr(torch, t["p"]).sum(-1) / np.log(2.0),
        lambda rng: dict(p=_probs(rng, (3, 5))),
    ),
    "cross_entropy": (
        lambda t: stats.cross_entropy(t["p"], t["q"]),
        lambda torch, t: -torch.special.xlogy(t["p"], t["q"]).sum(-1),
        lambda rng: dict(p=_probs(rng, (3, 5)), q=_probs(rng, (3, 5))),
    ),
    "kl_divergence": (
        lambda t: stats.kl_divergence(t["p"], t["q"]),
        lambda torch, t: torch.nn.functional.kl_div(t["q"].log(), t["p"], reduction="none").sum(-1),
        lambda rng: dict(p=_probs(rng, (3, 5)), q=_probs(rng, (3, 5))),
    ),
    "self_information": (
        lambda t: stats.self_information(t["p"]),
        lambda torch, t: -torch.log(t["p"]),
        lambda rng: dict(p=rng.uniform(0.01, 1.0, (3, 5))),
    ),
    "joint_entropy": (
        lambda t: stats.joint_entropy(t["p"]),
        lambda torch, t: _entr(torch, t["p"]).sum(),
        lambda rng: dict(p=_joint(rng)),
    ),
    # H(Y | X) = H(X, Y) − H(X) with X the rows
    "conditional_entropy": (
        lambda t: stats.conditional_entropy(t["p"]),
        lambda torch, t: _entr(torch, t["p"]).sum() - _entr(torch, t["p"].sum(1)).sum(),
        lambda rng: dict(p=_joint(rng)),
    ),
    # I(X; Y) = KL(p(x, y) ‖ p(x) p(y))
    "mutual_information": (
        lambda t: stats.mutual_information(t["p"]),
        lambda torch, t: torch.nn.functional.kl_div(
            (t["p"].sum(1, keepdim=True) * t["p"].sum(0, keepdim=True)).log(), t["p"], reduction="sum"
        ),
        lambda rng: dict(p=_joint(rng)),
    ),
}


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("name", sorted(INFORMATION))
def test_information_like_torch(torch, name, seed):
    ours, theirs, make = INFORMATION[name]
    compare(torch, ours, lambda t: theirs(torch, t), make(np.random.default_rng(seed)), seed=seed)
