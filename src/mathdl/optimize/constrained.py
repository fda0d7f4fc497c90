"""Constrained minimisation: min f(x) subject to cᵢ(x) = 0 (equality) and gⱼ(x) ≥ 0 (inequality,
SciPy's convention). Constraints are ``{'type': 'eq' | 'ineq', 'fun': c}`` dicts; c receives a
Tensor and may return a scalar or a vector of constraints.

**Lagrange multipliers (equality only).** At a regular minimiser ∇f(x) = J(x)ᵀλ with c(x) = 0,
i.e. the Lagrangian L(x, λ) = f(x) − λᵀc(x) is stationary. Newton's method on that system solves
the KKT matrix equation

    [ ∇²ₓL   −Jᵀ ] [Δx]     [ ∇f − Jᵀλ ]
    [  J      0  ] [Δλ] = − [    c     ],      ∇²ₓL = ∇²f − Σᵢ λᵢ ∇²cᵢ  (from autograd),

taking the full step when it reduces the residual norm and halving it otherwise; it converges
quadratically near a solution. Any KKT point solves that system, maxima included, so where the
reduced Hessian Zᵀ∇²ₓL Z (Z spanning the tangent space J d = 0) is not positive-definite, ∇²ₓL is
shifted by δI until it is (the second-order condition of a minimum).

**Augmented Lagrangian (equalities and inequalities; Powell–Hestenes–Rockafellar).** Minimise

    L_A(x; λ, ν, μ) = f − λᵀc + (μ/2)‖c‖² + Σⱼ [max(0, νⱼ − μgⱼ)² − νⱼ²] / (2μ)

over x (BFGS), then update λ ← λ − μc, ν ← max(0, ν − μg), and raise μ tenfold when the
violation did not fall below a quarter of its previous value. The multiplier updates make the
exact solution reachable with a finite μ, unlike a pure quadratic penalty.
"""

import numpy as np

from mathdl.autograd.engine import grad
from mathdl.autograd.grad_mode import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.linalg.eigh import jacobi_eigh
from mathdl.linalg.lu import solve_array
from mathdl.linalg.qr import apply_reflections, householder_vectors
from mathdl.linalg.validation import LinAlgError
from mathdl.ops import concatenate, relu
from mathdl.optimize.objective import Objective
from mathdl.optimize.result import OptimizeResult
from mathdl.optimize.unconstrained import bfgs


def parse_constraints(constraints):
    """A list of (type, fun, args) from SciPy-style dicts (a single dict is accepted)."""
    if isinstance(constraints, dict):
        constraints = [constraints]
    parsed = []
    for index, constraint in enumerate(constraints or ()):
        if not isinstance(constraint, dict) or "type" not in constraint or "fun" not in constraint:
            raise ValueError(
                f"minimize: constraint {index} must be a dict with keys 'type' and 'fun', got {constraint!r}"
            )
        kind = constraint["type"]
        if kind not in ("eq", "ineq"):
            raise ValueError(f"minimize: constraint {index} has type {kind!r}; use 'eq' or 'ineq'")
        if not callable(constraint["fun"]):
            raise TypeError(f"minimize: constraint {index}'s 'fun' must be callable")
        parsed.append((kind, constraint["fun"], tuple(constraint.get("args", ()))))
    return parsed


class Constraints:
    """Stacked constraint functions of one type: values c(x) (m,) and Jacobian J(x) (m, n)."""

    def __init__(self, functions, shape):
        self.functions = functions
        self.shape = shape

    def __len__(self):
        return len(self.functions)

    def tensor(self, t):
        """c(t) as one flat Tensor (differentiable), or None when there are no constraints."""
        if not self.functions:
            return None
        parts = []
        for fun, args in self.functions:
            value = fun(t, *args)
            value = value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=np.float64))
            parts.append(value.reshape(-1))
        return parts[0] if len(parts) == 1 else concatenate(parts)

    def values(self, x):
        if not self.functions:
            return np.zeros(0)
        with no_grad():
            return np.asarray(self.tensor(Tensor(x.reshape(self.shape))).array, dtype=np.float64)

    def jacobian(self, x):
        if not self.functions:
            return np.zeros((0, x.size))
        t = Tensor(x.reshape(self.shape).copy(), requires_grad=True)
        c = self.tensor(t)
        rows = []
        for i in range(c.shape[0]):
            if not c.requires_grad:
                rows.append(np.zeros(x.size))
                continue
            (row,) = grad(c[i], [t], retain_graph=True, allow_unused=True)
            rows.append(
                np.zeros(x.size) if row is None else np.asarray(row.array, dtype=np.float64).reshape(-1)
            )
        return np.array(rows)


def _split(parsed, shape):
    equalities = Constraints([(f, a) for kind, f, a in parsed if kind == "eq"], shape)
    inequalities = Constraints([(f, a) for kind, f, a in parsed if kind == "ineq"], shape)
    return equalities, inequalities


def _result(
    objective,
    x,
    multipliers,
    nit,
    trajectory,
    success,
    message,
    method,
    lagrangian_gradient,
    violation,
    **extra,
):
    value, gradient = objective.value_and_grad(x)
    result = OptimizeResult(
        x=x.reshape(objective.shape).copy(),
        fun=float(value),
        jac=gradient.reshape(objective.shape),
        grad_norm=float(np.max(np.abs(lagrangian_gradient))) if lagrangian_gradient.size else 0.0,
        nit=nit,
        nfev=objective.nfev,
        njev=objective.njev,
        nhev=objective.nhev,
        success=bool(success),
        message=message,
        trajectory=np.array(trajectory),
        method=method,
        multipliers=multipliers,
        constraint_violation=float(violation),
    )
    result.update(extra)
    return result


def _convexify_on_tangent_space(hessian, jacobian):
    """W + δI with the smallest δ ≥ 0 (plus a margin) making the reduced Hessian ZᵀWZ positive-
    definite, Z an orthonormal basis of the tangent space {d : J d = 0}. Without it, Newton on the
    KKT system is as happy to converge to a constrained maximum or saddle as to a minimum."""
    n, m = hessian.shape[0], jacobian.shape[0]
    if m >= n:
        return hessian, False
    _, vectors = householder_vectors(jacobian.T)  # Jᵀ = Q R: Q's last n − m columns span null(J)
    basis = apply_reflections(vectors, np.eye(n))[:, m:]
    smallest = jacobi_eigh(basis.T @ hessian @ basis)[0][0]
    scale = max(1.0, float(np.max(np.abs(hessian))))
    if smallest > 1e-8 * scale:
        return hessian, False
    return hessian + (1e-3 * scale - smallest) * np.eye(n), True


def lagrange_newton(objective, x, constraints, tol, maxiter):
    """Newton's method on the KKT conditions of an equality-constrained problem."""
    equalities, inequalities = _split(constraints, objective.shape)
    if len(inequalities):
        raise ValueError(
            "minimize(method='lagrange') handles equality constraints only; use "
            "method='augmented_lagrangian' for 'ineq' constraints"
        )
    if not len(equalities):
        raise ValueError("minimize(method='lagrange') needs at least one equality constraint")
    n = x.size

    def residual(x, multipliers):
        gradient = objective.gradient(x)
        jacobian = equalities.jacobian(x)
        return np.concatenate([gradient - jacobian.T @ multipliers, equalities.values(x)]), jacobian

    def lagrangian_hessian(x, multipliers):
        def lagrangian(t):
            return objective.fun(t, *objective.args) - (equalities.tensor(t) * Tensor(multipliers)).sum()

        if objective.jac is None:
            return Objective(lagrangian, objective.shape).hessian(x)
        step = 1e-6 * np.maximum(1.0, np.abs(x))
        rows = []
        for i in range(n):
            e = np.zeros(n)
            e[i] = step[i]
            rows.append(
                (residual(x + e, multipliers)[0][:n] - residual(x - e, multipliers)[0][:n]) / (2 * step[i])
            )
        h = np.array(rows)
        return 0.5 * (h + h.T)

    jacobian = equalities.jacobian(x)
    m = jacobian.shape[0]
    gradient = objective.gradient(x)
    # least-squares multipliers for the starting point: J Jᵀ λ = J ∇f
    multipliers = solve_array(jacobian @ jacobian.T + 1e-12 * np.eye(m), (jacobian @ gradient)[:, None])[:, 0]
    trajectory = [x.copy()]
    F, jacobian = residual(x, multipliers)
    for nit in range(maxiter):
        if np.max(np.abs(F)) <= tol:
            return _result(
                objective,
                x,
                multipliers,
                nit,
                trajectory,
                True,
                "Optimization terminated successfully: KKT residual ≤ tol.",
                "lagrange",
                F[:n],
                np.max(np.abs(F[n:])),
            )
        hessian, modified = _convexify_on_tangent_space(lagrangian_hessian(x, multipliers), jacobian)
        kkt = np.block([[hessian, -jacobian.T], [jacobian, np.zeros((m, m))]])
        try:
            step = solve_array(kkt, -F[:, None])[:, 0]
        except LinAlgError:
            return _result(
                objective,
                x,
                multipliers,
                nit,
                trajectory,
                False,
                "The KKT matrix is singular (are the constraint gradients linearly dependent?)",
                "lagrange",
                F[:n],
                np.max(np.abs(F[n:])),
            )
        alpha = 1.0
        if modified:
            # far from a minimum the modified step is not a Newton step for the KKT residual: accept it
            # by the exact-penalty merit f + ρ‖c‖₁ instead (ρ above the multipliers), SQP-style
            rho = np.max(np.abs(multipliers + step[n:]), initial=0.0) + 1.0
            constraint_norm = np.sum(np.abs(F[n:]))
            merit = objective.value(x) + rho * constraint_norm
            slope = objective.gradient(x) @ step[:n] - rho * constraint_norm
            while alpha > 1e-10:
                trial_x = x + alpha * step[:n]
                trial_merit = objective.value(trial_x) + rho * np.sum(np.abs(equalities.values(trial_x)))
                if trial_merit <= merit + 1e-4 * alpha * slope:
                    break
                alpha *= 0.5
            trial_x, trial_multipliers = x + alpha * step[:n], multipliers + alpha * step[n:]
            trial_F, trial_jacobian = residual(trial_x, trial_multipliers)
        else:
            norm = F @ F
            while True:
                trial_x, trial_multipliers = x + alpha * step[:n], multipliers + alpha * step[n:]
                trial_F, trial_jacobian = residual(trial_x, trial_multipliers)
                if trial_F @ trial_F < (1 - 1e-4 * alpha) * norm or alpha < 1e-8:
                    break
                alpha *= 0.5
        x, multipliers, F, jacobian = trial_x, trial_multipliers, trial_F, trial_jacobian
        trajectory.append(x.copy())
    return _result(
        objective,
        x,
        multipliers,
        maxiter,
        trajectory,
        np.max(np.abs(F)) <= tol,
        "Maximum number of iterations reached.",
        "lagrange",
        F[:n],
        np.max(np.abs(F[n:])),
    )


def augmented_lagrangian(
    objective, x, constraints, tol, maxiter, penalty=100.0, max_penalty=1e8, inner_maxiter=500
):
    """The PHR augmented-Lagrangian method with BFGS inner solves (module docstring)."""
    equalities, inequalities = _split(constraints, objective.shape)
    if not constraints:
        raise ValueError("minimize(method='augmented_lagrangian') needs at least one constraint")
    if objective.jac is not None:
        raise ValueError(
            "minimize(method='augmented_lagrangian') differentiates the objective by autograd; "
            "drop jac= and write fun with mathdl ops"
        )
    lam = np.zeros(len(equalities.values(x)))
    nu = np.zeros(len(inequalities.values(x)))
    mu = float(penalty)
    trajectory = [x.copy()]
    inner_iterations = 0
    previous_violation = np.inf
    lagrangian_gradient = np.full(x.size, np.inf)
    violation = np.inf
    for nit in range(1, maxiter + 1):
        lam_t, nu_t, mu_now = Tensor(lam.copy()), Tensor(nu.copy()), mu

        def augmented(t):
            value = objective.fun(t, *objective.args)
            c = equalities.tensor(t)
            if c is not None:
                value = value - (lam_t * c).sum() + 0.5 * mu_now * (c * c).sum()
            g = inequalities.tensor(t)
            if g is not None:
                shifted = relu(nu_t - mu_now * g)
                value = value + ((shifted * shifted).sum() - (nu_t * nu_t).sum()) / (2.0 * mu_now)
            return value

        inner = bfgs(Objective(augmented, objective.shape), x, tol, inner_maxiter)
        inner_iterations += inner.nit
        x = np.asarray(inner.x, dtype=np.float64).reshape(-1)
        trajectory.extend(np.asarray(inner.trajectory)[1:])
        c, g = equalities.values(x), inequalities.values(x)
        violation = max(np.max(np.abs(c), initial=0.0), np.max(-g, initial=0.0))
        lam = lam - mu * c
        nu = np.maximum(0.0, nu - mu * g)
        # after the update ∇ₓL(x, λ, ν) = ∇L_A(x), which the inner solve made small
        lagrangian_gradient = (
            objective.gradient(x) - equalities.jacobian(x).T @ lam - inequalities.jacobian(x).T @ nu
        )
        if violation <= tol and np.max(np.abs(lagrangian_gradient)) <= 10 * tol:
            return _result(
                objective,
                x,
                np.concatenate([lam, nu]),
                nit,
                trajectory,
                True,
                "Optimization terminated successfully: feasible within tol and stationary.",
                "augmented_lagrangian",
                lagrangian_gradient,
                violation,
                inner_iterations=inner_iterations,
                penalty=mu,
            )
        if violation > 0.25 * previous_violation:
            mu = min(10.0 * mu, max_penalty)
        previous_violation = violation
    return _result(
        objective,
        x,
        np.concatenate([lam, nu]),
        maxiter,
        trajectory,
        False,
        "Maximum number of outer iterations reached.",
        "augmented_lagrangian",
        lagrangian_gradient,
        violation,
        inner_iterations=inner_iterations,
        penalty=mu,
    )
