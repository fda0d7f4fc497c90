"""``minimize(fun, x0, method=..., jac=None, constraints=(), tol=1e-6, maxiter=None, options=None)``
in SciPy's shape, dispatching to the methods of ``unconstrained`` and ``constrained``."""

from mathdl.optimize import constrained, unconstrained
from mathdl.optimize.objective import Objective, as_vector

UNCONSTRAINED = {
    "gd": unconstrained.gradient_descent,
    "steepest": unconstrained.steepest_descent,
    "momentum": unconstrained.momentum,
    "newton": unconstrained.newton,
    "cg": unconstrained.conjugate_gradient,
    "bfgs": unconstrained.bfgs,
    "lbfgs": unconstrained.lbfgs,
}
CONSTRAINED = {
    "lagrange": constrained.lagrange_newton,
    "augmented_lagrangian": constrained.augmented_lagrangian,
}
METHODS = tuple(UNCONSTRAINED) + tuple(CONSTRAINED)
FIRST_ORDER = ("gd", "steepest", "momentum")


def minimize(
    fun, x0, method="bfgs", jac=None, hess=None, constraints=(), tol=1e-6, maxiter=None, options=None, args=()
):
    """Minimise the scalar ``fun(x)`` from ``x0``.

    fun: receives a float64 Tensor shaped like x0, returns a one-element Tensor; it is
    differentiated by autograd (gradient, Hessian, Hessian-vector products) unless ``jac`` (and
    optionally ``hess``) are given as callables of the same Tensor.
    method: 'gd', 'steepest', 'momentum', 'newton', 'cg', 'bfgs', 'lbfgs' (unconstrained),
    'lagrange' (equality constraints, Newton on the KKT system), 'augmented_lagrangian' (equality
    and inequality constraints). Method settings go in ``options``: ``lr`` (gd, momentum),
    ``momentum``, ``nesterov``, ``line_search`` ('exact' | 'backtracking' | 'wolfe', steepest),
    ``memory`` (lbfgs), ``penalty`` (augmented_lagrangian).
    constraints: ``{'type': 'eq' | 'ineq', 'fun': c}`` dicts, ineq meaning c(x) ≥ 0.
    tol: stop when ‖∇f‖∞ (or the KKT residual) ≤ tol.  maxiter: default 10000 for the first-order
    methods, 1000 otherwise (outer iterations for augmented_lagrangian: 100).

    Returns an ``OptimizeResult`` with x, fun, jac, grad_norm, nit, nfev, njev, success, message,
    trajectory (the iterates, (nit + 1, n)).
    """
    method = method.lower() if isinstance(method, str) else method
    if method not in METHODS:
        raise ValueError(f"minimize: unknown method {method!r}; choose one of {METHODS}")
    if tol is None or not tol > 0:
        raise ValueError(f"minimize: tol must be positive, got {tol!r}")
    x, shape = as_vector(x0)
    objective = Objective(fun, shape, jac=jac, hess=hess, args=args)
    options = dict(options or {})
    if maxiter is None:
        maxiter = 10000 if method in FIRST_ORDER else (100 if method == "augmented_lagrangian" else 1000)
    if not isinstance(maxiter, int) or maxiter < 0:
        raise ValueError(f"minimize: maxiter must be a non-negative int, got {maxiter!r}")
    parsed = constrained.parse_constraints(constraints)
    if method in UNCONSTRAINED:
        if parsed:
            raise ValueError(
                f"minimize: method {method!r} does not take constraints; use 'lagrange' "
                f"(equalities) or 'augmented_lagrangian'"
            )
        try:
            return UNCONSTRAINED[method](objective, x, tol, maxiter, **options)
        except TypeError as error:
            if "unexpected keyword" in str(error):
                raise ValueError(f"minimize: method {method!r} got an unknown option ({error})") from None
            raise
    return CONSTRAINED[method](objective, x, parsed, tol, maxiter, **options)
