"""Unconstrained minimisation of a smooth f: Rⁿ → R, each method its textbook update.

    gd         x ← x − η ∇f(x)                                   (fixed learning rate η)
    steepest   x ← x − α ∇f(x), α from an exact (quadratic), backtracking or strong-Wolfe line search
    momentum   v ← βv − η∇f(x),  x ← x + v                       (heavy ball; Nesterov evaluates
                                                                   ∇f at x + βv)
    newton     B p = −∇f,  x ← x + αp  (α backtracking) with B = ∇²f when it is positive-definite,
               else B = V|Λ|Vᵀ (eigenvalues flipped to their absolute values, floored at 1e-8·max|λ|,
               so saddles are escaped downhill) or, with hessian_modification='shift', ∇²f + μI
               (μ grown tenfold until the Cholesky factorisation succeeds)
    cg         p ← −∇f + βp,  β = max(0, gₖ₊₁ᵀ(gₖ₊₁ − gₖ)/gₖᵀgₖ)  (Polak–Ribière+, strong Wolfe)
    bfgs       p = −H∇f,  H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ,  ρ = 1/yᵀs   (s = Δx, y = Δ∇f)
    lbfgs      p = −H∇f by the two-loop recursion over the last m pairs (s, y), H₀ = (sᵀy/yᵀy) I

All stop when ‖∇f‖∞ ≤ tol. Gradients and Hessians come from autograd (``Objective``).
"""

import numpy as np

from mathdl.linalg.cholesky import cholesky_array
from mathdl.linalg.eigh import jacobi_eigh
from mathdl.linalg.lu import triangular_solve_array
from mathdl.linalg.validation import LinAlgError
from mathdl.optimize.line_search import LineSearchError, backtracking, exact_quadratic_step, strong_wolfe
from mathdl.optimize.result import OptimizeResult


def make_result(objective, x, value, gradient, nit, trajectory, success, message, method, **extra):
    result = OptimizeResult(
        x=x.reshape(objective.shape).copy(),
        fun=float(value),
        jac=gradient.reshape(objective.shape).copy(),
        grad_norm=float(np.max(np.abs(gradient))) if gradient.size else 0.0,
        nit=nit,
        nfev=objective.nfev,
        njev=objective.njev,
        nhev=objective.nhev,
        success=bool(success),
        message=message,
        trajectory=np.array(trajectory),
        method=method,
    )
    result.update(extra)
    return result


def _converged(gradient, tol):
    return np.max(np.abs(gradient)) <= tol


CONVERGED = "Optimization terminated successfully: ‖∇f‖∞ ≤ tol."
MAXITER = "Maximum number of iterations reached."
DIVERGED = "Diverged: f is not finite (the learning rate is too large)."


def final_result(objective, x, value, gradient, maxiter, trajectory, tol, method):
    """The result when the iteration budget ran out: a success only if the last gradient is small."""
    converged = _converged(gradient, tol)
    return make_result(
        objective,
        x,
        value,
        gradient,
        maxiter,
        trajectory,
        converged,
        CONVERGED if converged else MAXITER,
        method,
    )


def gradient_descent(objective, x, tol, maxiter, lr=1e-3):
    """x ← x − η∇f(x) with a fixed learning rate η = ``lr``."""
    if lr <= 0:
        raise ValueError(f"minimize(method='gd'): lr must be positive, got {lr}")
    value, gradient = objective.value_and_grad(x)
    trajectory = [x.copy()]
    for nit in range(maxiter):
        if _converged(gradient, tol):
            return make_result(objective, x, value, gradient, nit, trajectory, True, CONVERGED, "gd")
        x = x - lr * gradient
        value, gradient = objective.value_and_grad(x)
        trajectory.append(x.copy())
        if not np.isfinite(value):
            return make_result(objective, x, value, gradient, nit + 1, trajectory, False, DIVERGED, "gd")
    return final_result(objective, x, value, gradient, maxiter, trajectory, tol, "gd")


def steepest_descent(objective, x, tol, maxiter, line_search="wolfe"):
    """x ← x − α∇f(x) with α from ``line_search`` = 'exact' (quadratics), 'backtracking' or 'wolfe'."""
    if line_search not in ("exact", "backtracking", "wolfe"):
        raise ValueError(
            f"minimize(method='steepest'): line_search must be 'exact', 'backtracking' or "
            f"'wolfe', got {line_search!r}"
        )
    value, gradient = objective.value_and_grad(x)
    trajectory = [x.copy()]
    alpha = 1.0
    for nit in range(maxiter):
        if _converged(gradient, tol):
            return make_result(objective, x, value, gradient, nit, trajectory, True, CONVERGED, "steepest")
        direction = -gradient
        try:
            if line_search == "exact":
                alpha = exact_quadratic_step(objective, x, gradient, direction)
                x = x + alpha * direction
                value, gradient = objective.value_and_grad(x)
            elif line_search == "backtracking":
                alpha, _ = backtracking(objective, x, value, gradient, direction, alpha=min(1.0, 2.0 * alpha))
                x = x + alpha * direction
                value, gradient = objective.value_and_grad(x)
            else:
                alpha, value, gradient = strong_wolfe(
                    objective, x, value, gradient, direction, alpha=min(1.0, 2.0 * alpha)
                )
                x = x + alpha * direction
        except LineSearchError as error:
            return make_result(objective, x, value, gradient, nit, trajectory, False, str(error), "steepest")
        trajectory.append(x.copy())
    return final_result(objective, x, value, gradient, maxiter, trajectory, tol, "steepest")


def momentum(objective, x, tol, maxiter, lr=1e-3, momentum=0.9, nesterov=False):
    """Heavy ball v ← βv − η∇f(x), x ← x + v (Nesterov: the gradient at x + βv)."""
    if lr <= 0 or not 0 <= momentum < 1:
        raise ValueError(
            f"minimize(method='momentum'): need lr > 0 and 0 ≤ momentum < 1, got {lr}, {momentum}"
        )
    velocity = np.zeros_like(x)
    value, gradient = objective.value_and_grad(x)
    trajectory = [x.copy()]
    for nit in range(maxiter):
        if _converged(gradient, tol):
            return make_result(objective, x, value, gradient, nit, trajectory, True, CONVERGED, "momentum")
        step_gradient = objective.gradient(x + momentum * velocity) if nesterov else gradient
        velocity = momentum * velocity - lr * step_gradient
        x = x + velocity
        value, gradient = objective.value_and_grad(x)
        trajectory.append(x.copy())
        if not np.isfinite(value):
            return make_result(
                objective, x, value, gradient, nit + 1, trajectory, False, DIVERGED, "momentum"
            )
    return final_result(objective, x, value, gradient, maxiter, trajectory, tol, "momentum")


def damped_newton_direction(hessian, gradient):
    """(p, μ): p solves (H + μI) p = −g by Cholesky, with the smallest μ ∈ {0, μ₀·10ᵏ} that makes
    H + μI positive-definite (μ₀ = 10⁻³ · max(1, max|Hᵢᵢ|))."""
    n = gradient.size
    shift = 0.0
    base = 1e-3 * max(1.0, float(np.max(np.abs(np.diagonal(hessian)))))
    for _ in range(60):
        try:
            lower = cholesky_array(hessian + shift * np.eye(n))
            y = triangular_solve_array(lower, -gradient[:, None], lower=True)
            return triangular_solve_array(lower.T, y, lower=False)[:, 0], shift
        except LinAlgError:
            shift = base if shift == 0.0 else 10.0 * shift
    raise LinAlgError("newton: could not make the Hessian positive-definite by damping")


def modified_newton_direction(hessian, gradient):
    """p = −B⁻¹g with B = ∇²f if positive-definite (Cholesky), else B = V max(|Λ|, δ) Vᵀ from the
    Jacobi eigendecomposition (δ = 1e-8 · max|λ|)."""
    try:
        lower = cholesky_array(hessian)
    except LinAlgError:
        eigenvalues, vectors, _ = jacobi_eigh(hessian)
        magnitudes = np.abs(eigenvalues)
        magnitudes = np.maximum(magnitudes, 1e-8 * max(float(magnitudes.max()), 1e-300))
        return -(vectors @ ((vectors.T @ gradient) / magnitudes))
    y = triangular_solve_array(lower, -gradient[:, None], lower=True)
    return triangular_solve_array(lower.T, y, lower=False)[:, 0]


def newton(objective, x, tol, maxiter, hessian_modification="eigenvalue"):
    """Newton with a positive-definite modification of an indefinite Hessian, then a backtracking
    step along p. ``hessian_modification``: 'eigenvalue' (|Λ|) or 'shift' (∇²f + μI)."""
    if hessian_modification not in ("eigenvalue", "shift"):
        raise ValueError(
            f"minimize(method='newton'): hessian_modification must be 'eigenvalue' or 'shift', "
            f"got {hessian_modification!r}"
        )
    value, gradient = objective.value_and_grad(x)
    trajectory = [x.copy()]
    for nit in range(maxiter):
        if _converged(gradient, tol):
            return make_result(objective, x, value, gradient, nit, trajectory, True, CONVERGED, "newton")
        hessian = objective.hessian(x)
        if hessian_modification == "eigenvalue":
            direction = modified_newton_direction(hessian, gradient)
        else:
            direction, _ = damped_newton_direction(hessian, gradient)
        try:
            alpha, _ = backtracking(objective, x, value, gradient, direction, alpha=1.0)
        except LineSearchError as error:
            return make_result(objective, x, value, gradient, nit, trajectory, False, str(error), "newton")
        x = x + alpha * direction
        value, gradient = objective.value_and_grad(x)
        trajectory.append(x.copy())
    return final_result(objective, x, value, gradient, maxiter, trajectory, tol, "newton")


def conjugate_gradient(objective, x, tol, maxiter, c2=0.2):
    """Nonlinear conjugate gradient, Polak–Ribière+ with restarts, strong Wolfe line search."""
    value, gradient = objective.value_and_grad(x)
    trajectory = [x.copy()]
    direction = -gradient
    previous_value = None
    for nit in range(maxiter):
        if _converged(gradient, tol):
            return make_result(objective, x, value, gradient, nit, trajectory, True, CONVERGED, "cg")
        slope = gradient @ direction
        if slope >= 0:  # lost descent: restart along −∇f
            direction, slope = -gradient, -(gradient @ gradient)
        if previous_value is None:
            alpha = min(1.0, 1.0 / max(np.sqrt(gradient @ gradient), 1e-300))
        else:  # N&W (3.60): expect the same first-order decrease
            alpha = min(1.0, 1.01 * 2.0 * (value - previous_value) / slope)
            alpha = alpha if alpha > 0 else 1.0
        try:
            alpha, new_value, new_gradient = strong_wolfe(
                objective, x, value, gradient, direction, alpha=alpha, c2=c2
            )
        except LineSearchError as error:
            return make_result(objective, x, value, gradient, nit, trajectory, False, str(error), "cg")
        x = x + alpha * direction
        beta = max(0.0, new_gradient @ (new_gradient - gradient) / (gradient @ gradient))
        direction = -new_gradient + beta * direction
        previous_value, value, gradient = value, new_value, new_gradient
        trajectory.append(x.copy())
    return final_result(objective, x, value, gradient, maxiter, trajectory, tol, "cg")


def bfgs(objective, x, tol, maxiter, scale_initial=True):
    """BFGS on the inverse Hessian H, strong Wolfe steps, H₀ rescaled by yᵀs/yᵀy after step one."""
    n = x.size
    value, gradient = objective.value_and_grad(x)
    inverse_hessian = np.eye(n)
    trajectory = [x.copy()]
    for nit in range(maxiter):
        if _converged(gradient, tol):
            return make_result(objective, x, value, gradient, nit, trajectory, True, CONVERGED, "bfgs")
        direction = -inverse_hessian @ gradient
        if gradient @ direction >= 0:  # H lost positive-definiteness to rounding
            inverse_hessian = np.eye(n)
            direction = -gradient
        try:
            alpha, new_value, new_gradient = strong_wolfe(objective, x, value, gradient, direction)
        except LineSearchError as error:
            return make_result(objective, x, value, gradient, nit, trajectory, False, str(error), "bfgs")
        s = alpha * direction
        y = new_gradient - gradient
        x = x + s
        value, gradient = new_value, new_gradient
        trajectory.append(x.copy())
        curvature = y @ s
        if curvature > 1e-10 * np.sqrt((s @ s) * (y @ y)):
            if nit == 0 and scale_initial:
                inverse_hessian = (curvature / (y @ y)) * np.eye(n)
            rho = 1.0 / curvature
            left = np.eye(n) - rho * np.outer(s, y)
            inverse_hessian = left @ inverse_hessian @ left.T + rho * np.outer(s, s)
    return final_result(objective, x, value, gradient, maxiter, trajectory, tol, "bfgs")


def two_loop_recursion(gradient, pairs):
    """H∇f for the L-BFGS inverse Hessian defined by the (s, y) pairs, H₀ = (sᵀy/yᵀy) I."""
    q = gradient.copy()
    alphas = []
    for s, y in reversed(pairs):
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q -= a * y
    if pairs:
        s, y = pairs[-1]
        q *= (s @ y) / (y @ y)
    for (s, y), a in zip(pairs, reversed(alphas)):
        b = (y @ q) / (y @ s)
        q += (a - b) * s
    return q


def lbfgs(objective, x, tol, maxiter, memory=10):
    """Limited-memory BFGS: the last ``memory`` pairs (s, y) define H implicitly (two-loop recursion)."""
    if memory < 1:
        raise ValueError(f"minimize(method='lbfgs'): memory must be at least 1, got {memory}")
    value, gradient = objective.value_and_grad(x)
    pairs = []
    trajectory = [x.copy()]
    for nit in range(maxiter):
        if _converged(gradient, tol):
            return make_result(objective, x, value, gradient, nit, trajectory, True, CONVERGED, "lbfgs")
        direction = -two_loop_recursion(gradient, pairs)
        alpha = 1.0 if pairs else min(1.0, 1.0 / max(np.sqrt(gradient @ gradient), 1e-300))
        try:
            alpha, new_value, new_gradient = strong_wolfe(
                objective, x, value, gradient, direction, alpha=alpha
            )
        except LineSearchError as error:
            return make_result(objective, x, value, gradient, nit, trajectory, False, str(error), "lbfgs")
        s = alpha * direction
        y = new_gradient - gradient
        x = x + s
        value, gradient = new_value, new_gradient
        trajectory.append(x.copy())
        if y @ s > 1e-10 * np.sqrt((s @ s) * (y @ y)):
            pairs.append((s, y))
            if len(pairs) > memory:
                pairs.pop(0)
    return final_result(objective, x, value, gradient, maxiter, trajectory, tol, "lbfgs")
