"""Classical optimisation of functions, with derivatives from autograd.

from mathdl import optimize
result = optimize.minimize(optimize.rosenbrock, [-1.2, 1.0], method="bfgs")
result.x, result.nit, result.trajectory
"""

from mathdl.optimize.assignment import linear_sum_assignment
from mathdl.optimize.line_search import LineSearchError, backtracking, exact_quadratic_step, strong_wolfe
from mathdl.optimize.minimize import METHODS, minimize
from mathdl.optimize.objective import Objective
from mathdl.optimize.problems import himmelblau, quadratic, rosenbrock
from mathdl.optimize.result import OptimizeResult

__all__ = [
    "LineSearchError",
    "METHODS",
    "Objective",
    "OptimizeResult",
    "backtracking",
    "exact_quadratic_step",
    "himmelblau",
    "linear_sum_assignment",
    "minimize",
    "quadratic",
    "rosenbrock",
    "strong_wolfe",
]
