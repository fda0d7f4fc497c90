"""Finite-difference checks of gradients (float64 central differences).

For a function f and a fixed random cotangent v, the scalar L(x) = ⟨v, f(x)⟩ has gradient
∇L = J_fᵀ v, which the engine computes by backward. Central differences estimate the same thing
element by element,

    ∂L/∂xᵢ ≈ (L(x + h eᵢ) − L(x − h eᵢ)) / 2h,      error O(h²),

so one random v tests the whole vector-Jacobian product without forming the Jacobian (what
``torch.autograd.gradcheck(fast_mode=True)`` does too). Each element is held to PyTorch's tolerance
|analytic − numerical| ≤ atol + rtol·|numerical|.

``gradcheck(fn, inputs)`` is ``torch.autograd.gradcheck``'s function: ``inputs`` is a Tensor or a
tuple whose float64 Tensors with ``requires_grad=True`` are checked (anything else is passed to
``fn`` unchanged); it returns True or raises (or returns False with ``raise_exception=False``).
"""

import numpy as np

from mathdl.autograd.engine import grad
from mathdl.autograd.grad_mode import no_grad
from mathdl.autograd.tensor import Tensor


class GradcheckError(AssertionError, RuntimeError):
    """Analytic and numerical gradients disagree (an AssertionError for tests, a RuntimeError as
    PyTorch's ``GradcheckError``)."""


def _as_outputs(result):
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    return [y for y in outputs if isinstance(y, Tensor) and y.dtype.kind == "f"]


def _differentiable(inputs):
    return [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]


def numerical_gradients(function, inputs, cotangents, eps=1e-6):
    """Central-difference estimate of ∇⟨v, f(x)⟩ for each input (arrays, one per input)."""
    grads = []
    with no_grad():
        for x in _differentiable(inputs):
            g = np.zeros(x.shape, dtype=np.float64)
            flat = x.array.reshape(-1)
            for i in range(flat.size):
                saved = flat[i]
                flat[i] = saved + eps
                plus = sum(
                    float((np.asarray(y.array, np.float64) * v).sum())
                    for y, v in zip(_as_outputs(function(*inputs)), cotangents)
                )
                flat[i] = saved - eps
                minus = sum(
                    float((np.asarray(y.array, np.float64) * v).sum())
                    for y, v in zip(_as_outputs(function(*inputs)), cotangents)
                )
                flat[i] = saved
                g.reshape(-1)[i] = (plus - minus) / (2 * eps)
            grads.append(g)
    return grads


def analytic_gradients(function, inputs, cotangents):
    """∇⟨v, f(x)⟩ for each input by reverse mode (arrays, one per input)."""
    outputs = _as_outputs(function(*inputs))
    targets = _differentiable(inputs)
    recorded = [(y, v) for y, v in zip(outputs, cotangents) if y.requires_grad]
    if not recorded:  # no output depends on the inputs: every gradient is zero
        return [np.zeros(x.shape) for x in targets]
    grads = grad(
        [y for y, _ in recorded], targets, [Tensor(v.astype(y.dtype)) for y, v in recorded], allow_unused=True
    )
    return [
        np.zeros(x.shape) if g is None else np.asarray(g.array, np.float64) for x, g in zip(targets, grads)
    ]


def _check_inputs(inputs):
    targets = _differentiable(inputs)
    if not targets:
        raise ValueError("gradcheck: no input is a Tensor with requires_grad=True: nothing to check")
    for x in targets:
        if x.dtype != np.float64:
            raise TypeError(
                f"gradcheck: inputs that require grad must be float64 Tensors, got {x.dtype} "
                "(finite differences in float32 are too coarse to check anything)"
            )


def compare_gradients(function, inputs, eps=1e-6, seed=0):
    """(analytic, numerical) gradients of ⟨v, f(x)⟩ for a random cotangent v, one pair per input."""
    _check_inputs(inputs)
    rng = np.random.default_rng(seed)
    with no_grad():
        outputs = _as_outputs(function(*inputs))
    cotangents = [rng.standard_normal(y.shape) for y in outputs]
    analytic = analytic_gradients(function, inputs, cotangents)
    numerical = numerical_gradients(function, inputs, cotangents, eps)
    return list(zip(analytic, numerical))


def gradcheck_error(function, inputs, eps=1e-6, seed=0):
    """Largest |analytic − numerical| over all input elements, for a random cotangent.

    ``inputs`` must be float64 Tensors with ``requires_grad=True``.
    """
    return max(
        (float(np.max(np.abs(a - n))) if a.size else 0.0)
        for a, n in compare_gradients(function, inputs, eps, seed)
    )


def gradcheck(
    function, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True, **_torch_options
):
    """True when reverse-mode gradients of ``function`` agree with central differences, as
    ``torch.autograd.gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)``.

    ``inputs`` is a Tensor or a sequence; its float64 Tensors with ``requires_grad=True`` are
    checked. Every element must satisfy |analytic − numerical| ≤ atol + rtol·|numerical|;
    otherwise GradcheckError (an AssertionError) names the input and the worst element, or the
    result is False with ``raise_exception=False``. PyTorch's other options (``fast_mode``,
    ``check_undefined_grad``, …) are accepted and have no effect.

    >>> import mathdl as md
    >>> gradcheck(lambda x: (x * x).sum(), md.tensor([1.0, 2.0], dtype=md.float64, requires_grad=True))
    True
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for position, (a, n) in enumerate(compare_gradients(function, inputs, eps, seed)):
        if not a.size:
            continue
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        worst = np.unravel_index(int(np.argmax(excess)), a.shape)
        if excess[worst] > 0 or not np.isfinite(a).all():
            if not raise_exception:
                return False
            raise GradcheckError(
                f"gradcheck: Jacobian mismatch for differentiable input {position} (shape {a.shape}) "
                f"at element {tuple(int(i) for i in worst)}: analytic {a[worst]:.6g}, numerical "
                f"{n[worst]:.6g}, beyond atol + rtol·|numerical| = {atol} + {rtol}·{abs(n[worst]):.3g}"
            )
    return True


def hessian_vector_product(function, inputs, vectors):
    """(∇²f) v for a scalar function f, by differentiating ⟨∇f, v⟩ once more (exact, no differences)."""
    y = function(*inputs)
    grads = grad(y, inputs, create_graph=True, allow_unused=True)
    inner = None
    for g, v in zip(grads, vectors):
        if g is None:  # f does not depend on this input
            continue
        term = (g * Tensor(np.asarray(v, dtype=g.dtype))).sum()
        inner = term if inner is None else inner + term
    if inner is None or not inner.requires_grad:  # f is linear (or constant): ∇²f = 0
        return [np.zeros(x.shape) for x in inputs]
    return [
        np.asarray(h.array) if h is not None else np.zeros(x.shape)
        for x, h in zip(inputs, grad(inner, inputs, allow_unused=True))
    ]


def gradgradcheck(function, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: the exact Hessian-vector product of ⟨w, f(x)⟩ against central
    differences of its gradient."""
    _check_inputs(inputs)
    rng = np.random.default_rng(seed)
    with no_grad():
        outputs = _as_outputs(function(*inputs))
    weights = [rng.standard_normal(y.shape) for y in outputs]
    vectors = [rng.standard_normal(x.shape) for x in inputs]

    def scalar(*xs):
        total = None
        for y, w in zip(_as_outputs(function(*xs)), weights):
            term = (y * Tensor(w)).sum()
            total = term if total is None else total + term
        return total

    inputs = list(inputs)
    exact = hessian_vector_product(scalar, inputs, vectors)
    originals = [x.array.copy() for x in inputs]
    for x, v in zip(inputs, vectors):
        x.array += eps * v
    plus = analytic_gradients(scalar, inputs, [np.ones(())])
    for x, original, v in zip(inputs, originals, vectors):
        x.array[...] = original - eps * v
    minus = analytic_gradients(scalar, inputs, [np.ones(())])
    for x, original in zip(inputs, originals):
        x.array[...] = original
    for position, (h, p, m) in enumerate(zip(exact, plus, minus)):
        numerical = (p - m) / (2 * eps)
        error = float(np.max(np.abs(h - numerical))) if h.size else 0.0
        if error > atol + rtol * (float(np.max(np.abs(numerical))) if numerical.size else 0.0):
            raise AssertionError(f"gradgradcheck: input {position}: Hessian-vector product error {error:.3g}")
    return True
