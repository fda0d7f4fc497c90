"""Unconstrained methods: Rosenbrock's minimum, quadratics (where theory predicts the iteration
counts), the line-search conditions, autograd Hessians, and bad input."""

import numpy as np
import pytest

import mathdl as md
from mathdl import optimize
from mathdl.optimize.line_search import strong_wolfe
from mathdl.optimize.objective import Objective


@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs", "cg"])
def test_rosenbrock_minimum_is_reached(method):
    result = optimize.minimize(optimize.rosenbrock, np.array([-1.2, 1.0]), method=method)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-5)
    assert result.fun < 1e-10
    assert result.grad_norm <= 1e-6
    assert result.trajectory.shape == (result.nit + 1, 2)
    np.testing.assert_allclose(result.trajectory[0], [-1.2, 1.0])
    np.testing.assert_allclose(result.trajectory[-1], result.x)
    assert result.nit < {"newton": 40, "bfgs": 60, "lbfgs": 60, "cg": 80}[method]


@pytest.mark.parametrize("method", ["bfgs", "lbfgs", "cg", "newton"])
def test_five_dimensional_rosenbrock(method):
    # SciPy tutorial's start; (for n ≥ 4 there is also a local minimum near (−1, 1, …, 1))
    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
    result = optimize.minimize(optimize.rosenbrock, x0, method=method)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, np.ones(5), atol=1e-5)


def _ill_conditioned(kappa=50.0):
    a = np.diag([1.0, kappa])
    b = np.array([1.0, 1.0])
    return optimize.quadratic(a, b), np.linalg.solve(a, b)


def test_newton_solves_a_quadratic_in_one_step():
    f, solution = _ill_conditioned()
    result = optimize.minimize(f, np.array([3.0, -2.0]), method="newton")
    assert result.nit == 1
    np.testing.assert_allclose(result.x, solution, atol=1e-12)


def test_linear_cg_property_on_quadratics():
    # with exact line searches, CG minimises an n-dimensional quadratic in ≤ n steps; with inexact
    # strong-Wolfe steps (c₂ = 0.1) it still needs only about n
    rng = np.random.default_rng(0)
    m = rng.standard_normal((6, 6))
    a = m @ m.T + 6 * np.eye(6)
    b = rng.standard_normal(6)
    result = optimize.minimize(optimize.quadratic(a, b), np.zeros(6), method="cg", tol=1e-8)
    np.testing.assert_allclose(result.x, np.linalg.solve(a, b), atol=1e-7)
    assert result.nit <= 7


def test_steepest_descent_with_exact_steps_zigzags_at_the_predicted_rate():
    kappa = 10.0
    f, solution = _ill_conditioned(kappa)
    x0 = solution + np.array([1.0, 1.0 / kappa])  # error ∝ (1/λ₁, 1/λ₂): the worst case
    result = optimize.minimize(f, x0, method="steepest", options={"line_search": "exact"}, tol=1e-10)
    assert result.success
    np.testing.assert_allclose(result.x, solution, atol=1e-9)
    values = np.array([float(f(md.tensor(x))) for x in result.trajectory]) - float(f(md.tensor(solution)))
    rates = values[1:8] / values[:7]
    # Kantorovich: f − f* falls by at most ((κ − 1)/(κ + 1))² per exact step, with equality from here
    bound = ((kappa - 1) / (kappa + 1)) ** 2
    np.testing.assert_allclose(rates, bound, rtol=1e-6)
    # consecutive steepest-descent steps are orthogonal (the zigzag)
    steps = np.diff(result.trajectory[:6], axis=0)
    np.testing.assert_allclose(np.sum(steps[1:] * steps[:-1], axis=1), 0.0, atol=1e-9)


@pytest.mark.parametrize("line_search", ["backtracking", "wolfe"])
def test_steepest_descent_line_searches(line_search):
    f, solution = _ill_conditioned(5.0)
    result = optimize.minimize(
        f, np.array([2.0, 2.0]), method="steepest", options={"line_search": line_search}
    )
    assert result.success
    np.testing.assert_allclose(result.x, solution, atol=1e-5)


def test_gradient_descent_and_momentum_on_a_quadratic():
    f, solution = _ill_conditioned(50.0)
    lr = 1.0 / 50.0  # 1/L
    plain = optimize.minimize(f, np.zeros(2), method="gd", options={"lr": lr})
    heavy = optimize.minimize(f, np.zeros(2), method="momentum", options={"lr": lr, "momentum": 0.7})
    nesterov = optimize.minimize(
        f, np.zeros(2), method="momentum", options={"lr": lr, "momentum": 0.7, "nesterov": True}
    )
    for result in (plain, heavy, nesterov):
        assert result.success
        np.testing.assert_allclose(result.x, solution, atol=1e-5)
    # gd contracts by (1 − 1/κ) per step; momentum does much better on an ill-conditioned problem
    assert heavy.nit < plain.nit / 2 and nesterov.nit < plain.nit / 2


def test_gd_reports_divergence():
    f, _ = _ill_conditioned(50.0)
    with np.errstate(over="ignore", invalid="ignore"):  # the iterates overflow on purpose
        result = optimize.minimize(f, np.ones(2), method="gd", options={"lr": 1.0}, maxiter=5000)
    assert not result.success and "Diverged" in result.message


@pytest.mark.parametrize("modification", ["eigenvalue", "shift"])
def test_newton_handles_an_indefinite_hessian(modification):
    # start near a saddle of Himmelblau's function: the Hessian is indefinite there and the pure
    # Newton step would walk to the saddle
    x0 = np.array([-0.27, -0.92])
    assert np.min(np.linalg.eigvalsh(optimize.Objective(optimize.himmelblau, (2,)).hessian(x0))) < 0
    result = optimize.minimize(
        optimize.himmelblau, x0, method="newton", options={"hessian_modification": modification}
    )
    assert result.success
    assert result.fun < 1e-12


def test_strong_wolfe_conditions_hold(rng):
    objective = Objective(optimize.rosenbrock, (2,))
    for _ in range(10):
        x = rng.uniform(-2, 2, 2)
        value, gradient = objective.value_and_grad(x)
        direction = -gradient
        alpha, new_value, new_gradient = strong_wolfe(objective, x, value, gradient, direction, alpha=1e-3)
        slope = gradient @ direction
        assert new_value <= value + 1e-4 * alpha * slope
        assert abs(new_gradient @ direction) <= 0.9 * abs(slope)


def test_autograd_hessian_and_hvp_match_the_analytic_ones():
    objective = Objective(optimize.rosenbrock, (2,))
    x = np.array([0.3, -0.4])
    h = objective.hessian(x)
    exact = np.array([[1200 * x[0] ** 2 - 400 * x[1] + 2, -400 * x[0]], [-400 * x[0], 200.0]])
    np.testing.assert_allclose(h, exact, rtol=1e-12)
    v = np.array([1.5, -0.5])
    np.testing.assert_allclose(objective.hessian_vector_product(x, v), exact @ v, rtol=1e-12)


def test_explicit_jac_is_used_instead_of_autograd():
    calls = []

    def fun(x):
        return float(np.sum((np.asarray(x) - 3.0) ** 2))  # not a Tensor: autograd impossible

    def jac(x):
        calls.append(1)
        return 2.0 * (np.asarray(x) - 3.0)

    for method in ("bfgs", "newton"):
        result = optimize.minimize(fun, np.zeros(3), method=method, jac=jac)
        assert result.success
        np.testing.assert_allclose(result.x, 3.0, atol=1e-6)
    assert calls
    both = optimize.minimize(lambda x: (fun(x), jac(x)), np.zeros(2), method="lbfgs", jac=True)
    np.testing.assert_allclose(both.x, 3.0, atol=1e-6)


def test_inputs_may_be_tensors_and_matrices():
    target = np.arange(6.0).reshape(2, 3)
    result = optimize.minimize(
        lambda w: ((w - md.tensor(target)) ** 2).sum(), md.zeros(2, 3, dtype=np.float64), method="lbfgs"
    )
    assert result.x.shape == (2, 3) and result.jac.shape == (2, 3)
    np.testing.assert_allclose(result.x, target, atol=1e-6)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: optimize.minimize(optimize.rosenbrock, [0.0, 0.0], method="nelder-mead"),
            ValueError,
            "unknown method",
        ),
        (
            lambda: optimize.minimize(optimize.rosenbrock, [0.0, 0.0], tol=-1),
            ValueError,
            "tol must be positive",
        ),
        (lambda: optimize.minimize(lambda x: x, [0.0, 0.0]), ValueError, "must return a scalar"),
        (lambda: optimize.minimize(lambda x: 1.0, [0.0]), TypeError, "autograd cannot differentiate"),
        (
            lambda: optimize.minimize(
                optimize.rosenbrock,
                [0.0, 0.0],
                method="bfgs",
                constraints={"type": "eq", "fun": lambda x: x[0]},
            ),
            ValueError,
            "does not take constraints",
        ),
        (
            lambda: optimize.minimize(optimize.rosenbrock, [0.0, 0.0], method="gd", options={"lr": -1}),
            ValueError,
            "lr must be positive",
        ),
        (
            lambda: optimize.minimize(optimize.rosenbrock, [0.0, 0.0], method="bfgs", options={"bogus": 1}),
            ValueError,
            "unknown option",
        ),
        (lambda: optimize.minimize(optimize.rosenbrock, [np.nan, 0.0]), ValueError, "finite"),
        (lambda: optimize.minimize("rosenbrock", [0.0, 0.0]), TypeError, "must be callable"),
    ],
)
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("ours, theirs", [("bfgs", "BFGS"), ("lbfgs", "L-BFGS-B"), ("newton", "Newton-CG")])
def test_iteration_counts_are_comparable_to_scipy(ours, theirs):
    scipy_optimize = pytest.importorskip("scipy.optimize", reason="SciPy is a test extra")
    objective = Objective(optimize.rosenbrock, (2,))
    x0 = np.array([-1.2, 1.0])
    mine = optimize.minimize(optimize.rosenbrock, x0, method=ours, tol=1e-5)
    options = {"xtol": 1e-10} if theirs == "Newton-CG" else {"gtol": 1e-5}
    reference = scipy_optimize.minimize(
        objective.value,
        x0,
        jac=objective.gradient,
        method=theirs,
        hess=objective.hessian if theirs == "Newton-CG" else None,
        options=options,
    )
    print(f"rosenbrock 2-D: mathdl {ours} {mine.nit} iterations, SciPy {theirs} {reference.nit}")
    assert mine.success and reference.success
    assert mine.nit <= 1.5 * reference.nit + 5
