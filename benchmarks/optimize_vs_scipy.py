"""Iteration counts of mathdl.optimize beside SciPy's on the same problems, same start, same
gradient tolerance (‖∇f‖∞ ≤ 1e-5), same exact derivatives (SciPy receives mathdl's autograd
gradient and Hessian, so only the algorithms differ).

    python benchmarks/optimize_vs_scipy.py

Pairs: bfgs ↔ BFGS, lbfgs ↔ L-BFGS-B, cg ↔ CG, newton ↔ Newton-CG (SciPy solves the Newton system
inexactly by CG; ours solves it exactly by Cholesky, damped when the Hessian is indefinite).
"""

import sys
import time

import numpy as np

from mathdl import optimize
from mathdl.optimize.objective import Objective

TOL = 1e-5
PAIRS = [("bfgs", "BFGS"), ("lbfgs", "L-BFGS-B"), ("cg", "CG"), ("newton", "Newton-CG")]


def problems():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    a = q @ np.diag(np.logspace(0, 3, 20)) @ q.T  # κ = 1000
    b = rng.standard_normal(20)
    return [
        ("rosenbrock 2-D", optimize.rosenbrock, np.array([-1.2, 1.0])),
        ("rosenbrock 5-D", optimize.rosenbrock, np.array([1.3, 0.7, 0.8, 1.9, 1.2])),
        ("rosenbrock 20-D", optimize.rosenbrock, np.full(20, -0.5)),
        ("himmelblau", optimize.himmelblau, np.array([-0.27, -0.92])),
        ("quadratic κ=1e3", optimize.quadratic(a, b), np.zeros(20)),
    ]


def scipy_run(scipy_optimize, method, fun, x0):
    derivatives = Objective(fun, x0.shape)
    kwargs = dict(fun=derivatives.value, x0=x0, jac=derivatives.gradient, method=method)
    if method == "Newton-CG":
        kwargs["hess"] = derivatives.hessian
        kwargs["options"] = {"xtol": 1e-10, "maxiter": 1000}
    elif method == "L-BFGS-B":
        kwargs["options"] = {"gtol": TOL, "ftol": 1e-15, "maxiter": 15000}
    else:
        kwargs["options"] = {"gtol": TOL, "maxiter": 15000}
    result = scipy_optimize.minimize(**kwargs)
    return result.nit, result.nfev, float(result.fun), bool(result.success)


def main():
    try:
        import scipy.optimize as scipy_optimize
    except ImportError:
        print("SciPy is not installed (pip install scipy); it is only the reference here.")
        return 1
    header = f"{'problem':<17} {'ours':<7} {'nit':>5} {'nfev':>5} {'f':>10} | {'scipy':<10} {'nit':>5} {'nfev':>5} {'f':>10}"
    print(header)
    print("-" * len(header))
    start = time.perf_counter()
    for name, fun, x0 in problems():
        for ours, theirs in PAIRS:
            mine = optimize.minimize(fun, x0, method=ours, tol=TOL)
            nit, nfev, value, ok = scipy_run(scipy_optimize, theirs, fun, x0)
            print(
                f"{name:<17} {ours:<7} {mine.nit:>5} {mine.nfev:>5} {mine.fun:>10.2e} | "
                f"{theirs:<10} {nit:>5} {nfev:>5} {value:>10.2e}"
                + ("" if mine.success and ok else f"   (success: ours {mine.success}, scipy {ok})")
            )
    print(f"\n({time.perf_counter() - start:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
