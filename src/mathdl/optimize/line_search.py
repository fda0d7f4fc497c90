"""Line searches: choose a step α along a descent direction p (∇f(x)ᵀp < 0), φ(α) = f(x + αp).

- Exact, for a quadratic f = ½xᵀAx − bᵀx: φ'(α) = 0 gives α* = −∇fᵀp / (pᵀAp), with pᵀAp an
  exact Hessian-vector product from autograd.
- Backtracking (Armijo): α ← ρα from α₀ until the sufficient-decrease condition
  φ(α) ≤ φ(0) + c₁ α φ'(0) holds.
- Strong Wolfe (Nocedal & Wright, Algorithms 3.5 and 3.6): sufficient decrease plus the curvature
  condition |φ'(α)| ≤ c₂ |φ'(0)|, found by bracketing and then zooming with safeguarded cubic
  interpolation. The curvature condition guarantees yᵀs > 0, which BFGS needs.
"""

import numpy as np


class LineSearchError(RuntimeError):
    """No acceptable step was found (the direction is not a descent direction, or f is flat or
    non-finite along it)."""


def exact_quadratic_step(objective, x, gradient, direction):
    """α* = −∇fᵀp / pᵀ∇²f p (exact for quadratics; the minimiser of the local quadratic model)."""
    curvature = direction @ objective.hessian_vector_product(x, direction)
    if curvature <= 0:
        raise LineSearchError("exact line search: non-positive curvature pᵀ∇²f p along the direction")
    return -(gradient @ direction) / curvature


def backtracking(objective, x, value, gradient, direction, alpha=1.0, c1=1e-4, rho=0.5, max_steps=60):
    """The largest α = ρᵏα₀ with f(x + αp) ≤ f(x) + c₁α∇fᵀp. Returns (α, f(x + αp))."""
    slope = gradient @ direction
    if slope >= 0:
        raise LineSearchError(f"backtracking: not a descent direction (∇fᵀp = {slope:.3g} ≥ 0)")
    for _ in range(max_steps):
        new_value = objective.value(x + alpha * direction)
        if np.isfinite(new_value) and new_value <= value + c1 * alpha * slope:
            return alpha, new_value
        alpha *= rho
    raise LineSearchError("backtracking: no sufficient decrease after 60 halvings")


def _cubic_minimiser(a, fa, da, b, fb, db):
    """The minimiser of the cubic matching φ and φ' at a and b (N&W eq. 3.59), or None."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0:
        return None
    d2 = np.sign(b - a) * np.sqrt(radicand)
    denominator = db - da + 2.0 * d2
    if denominator == 0:
        return None
    return b - (b - a) * (db + d2 - d1) / denominator


def strong_wolfe(
    objective, x, value, gradient, direction, alpha=1.0, c1=1e-4, c2=0.9, alpha_max=1e10, max_steps=50
):
    """A step satisfying the strong Wolfe conditions. Returns (α, f(x + αp), ∇f(x + αp))."""
    slope0 = gradient @ direction
    if slope0 >= 0:
        raise LineSearchError(f"strong Wolfe: not a descent direction (∇fᵀp = {slope0:.3g} ≥ 0)")

    def phi(step):
        f, g = objective.value_and_grad(x + step * direction)
        return f, g, g @ direction

    previous_alpha, previous_value, previous_slope = 0.0, value, slope0
    for i in range(max_steps):
        f, g, slope = phi(alpha)
        if not np.isfinite(f) or f > value + c1 * alpha * slope0 or (i > 0 and f >= previous_value):
            return _zoom(
                phi, value, slope0, previous_alpha, previous_value, previous_slope, alpha, f, slope, c1, c2
            )
        if abs(slope) <= -c2 * slope0:
            return alpha, f, g
        if slope >= 0:
            return _zoom(
                phi, value, slope0, alpha, f, slope, previous_alpha, previous_value, previous_slope, c1, c2
            )
        previous_alpha, previous_value, previous_slope = alpha, f, slope
        alpha = min(2.0 * alpha, alpha_max)
    raise LineSearchError("strong Wolfe: no acceptable step (f may be unbounded below along p)")


def _zoom(phi, value, slope0, low, f_low, d_low, high, f_high, d_high, c1, c2, max_steps=60):
    for _ in range(max_steps):
        width = high - low
        trial = None
        if np.isfinite(f_high) and np.isfinite(d_high):
            trial = _cubic_minimiser(low, f_low, d_low, high, f_high, d_high)
        # safeguard: stay well inside the bracket, else bisect
        lo_edge, hi_edge = sorted((low + 0.1 * width, high - 0.1 * width))
        if trial is None or not np.isfinite(trial) or not lo_edge <= trial <= hi_edge:
            trial = low + 0.5 * width
        f, g, slope = phi(trial)
        if not np.isfinite(f) or f > value + c1 * trial * slope0 or f >= f_low:
            high, f_high, d_high = trial, f, slope
        else:
            if abs(slope) <= -c2 * slope0:
                return trial, f, g
            if slope * (high - low) >= 0:
                high, f_high, d_high = low, f_low, d_low
            low, f_low, d_low = trial, f, slope
        if abs(high - low) < 1e-16 * max(1.0, abs(low)):
            break
    if f_low < value:  # the bracket collapsed: accept the best decrease found
        f, g, _ = phi(low)
        return low, f, g
    raise LineSearchError("strong Wolfe: the zoom phase did not find an acceptable step")
