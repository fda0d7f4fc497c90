"""Constrained textbook problems with known optima: Lagrange/KKT Newton and the augmented Lagrangian."""

import numpy as np
import pytest

from mathdl import optimize

CIRCLE = {"type": "eq", "fun": lambda x: (x * x).sum() - 2.0}


@pytest.mark.parametrize("method", ["lagrange", "augmented_lagrangian"])
def test_closest_point_on_a_line(method):
    # min x² + y² s.t. x + y = 1: x = y = ½, ∇f = λ∇c gives λ = 1
    result = optimize.minimize(
        lambda x: (x * x).sum(),
        np.array([2.0, -1.0]),
        method=method,
        constraints={"type": "eq", "fun": lambda x: x[0] + x[1] - 1.0},
    )
    assert result.success, result.message
    np.testing.assert_allclose(result.x, [0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(result.multipliers, [1.0], atol=1e-5)
    if method == "lagrange":
        assert result.nit == 1  # a quadratic with a linear constraint: one Newton step


@pytest.mark.parametrize("method", ["lagrange", "augmented_lagrangian"])
def test_linear_objective_on_a_circle(method):
    # min x + y s.t. x² + y² = 2: x = y = −1, λ = −½
    result = optimize.minimize(lambda x: x.sum(), np.array([0.5, -1.5]), method=method, constraints=CIRCLE)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, [-1.0, -1.0], atol=1e-6)
    np.testing.assert_allclose(result.multipliers, [-0.5], atol=1e-5)
    assert result.constraint_violation < 1e-6


def test_lagrange_converges_quadratically():
    result = optimize.minimize(
        lambda x: x.sum(), np.array([0.5, -1.5]), method="lagrange", constraints=CIRCLE, tol=1e-13
    )
    errors = np.linalg.norm(result.trajectory - np.array([-1.0, -1.0]), axis=1)
    errors = errors[errors > 1e-12]
    assert errors[-1] < 1e-6 and errors[-1] <= 10 * errors[-2] ** 2


def test_scipy_tutorial_problem_with_inequalities():
    # SciPy's SLSQP example: min (x − 1)² + (y − 2.5)² over a polygon; the optimum (1.4, 1.7)
    constraints = [
        {"type": "ineq", "fun": lambda x: x[0] - 2 * x[1] + 2},
        {"type": "ineq", "fun": lambda x: -x[0] - 2 * x[1] + 6},
        {"type": "ineq", "fun": lambda x: -x[0] + 2 * x[1] + 2},
        {"type": "ineq", "fun": lambda x: x},  # x ≥ 0, y ≥ 0 as one vector
    ]
    result = optimize.minimize(
        lambda x: (x[0] - 1) ** 2 + (x[1] - 2.5) ** 2,
        np.array([2.0, 0.0]),
        method="augmented_lagrangian",
        constraints=constraints,
    )
    assert result.success, result.message
    np.testing.assert_allclose(result.x, [1.4, 1.7], atol=1e-6)
    # only the first constraint is active: its multiplier is positive, the others are 0
    assert result.multipliers[0] == pytest.approx(0.8, abs=1e-5)
    np.testing.assert_allclose(result.multipliers[1:], 0.0, atol=1e-8)


def test_hock_schittkowski_71():
    # min x₁x₄(x₁ + x₂ + x₃) + x₃ s.t. x₁x₂x₃x₄ ≥ 25, Σxᵢ² = 40, 1 ≤ xᵢ ≤ 5: f* = 17.0140173
    constraints = [
        {"type": "ineq", "fun": lambda x: x[0] * x[1] * x[2] * x[3] - 25.0},
        {"type": "eq", "fun": lambda x: (x * x).sum() - 40.0},
        {"type": "ineq", "fun": lambda x: x - 1.0},
        {"type": "ineq", "fun": lambda x: 5.0 - x},
    ]
    result = optimize.minimize(
        lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
        np.array([1.0, 5.0, 5.0, 1.0]),
        method="augmented_lagrangian",
        constraints=constraints,
    )
    assert result.success, result.message
    assert result.fun == pytest.approx(17.0140173, abs=1e-5)
    np.testing.assert_allclose(result.x, [1.0, 4.7429994, 3.8211503, 1.3794082], atol=1e-4)


def test_rosenbrock_in_the_unit_disk():
    result = optimize.minimize(
        optimize.rosenbrock,
        np.array([-1.2, 1.0]),
        method="augmented_lagrangian",
        constraints={"type": "ineq", "fun": lambda x: 1.0 - (x * x).sum()},
    )
    assert result.success
    np.testing.assert_allclose(result.x, [0.7864, 0.6177], atol=1e-4)
    assert np.sum(result.x**2) <= 1.0 + 1e-6


@pytest.mark.parametrize(
    "method, constraints, message",
    [
        ("lagrange", {"type": "ineq", "fun": lambda x: x[0]}, "equality constraints only"),
        ("lagrange", (), "at least one equality constraint"),
        ("augmented_lagrangian", (), "at least one constraint"),
        ("augmented_lagrangian", {"type": "less", "fun": lambda x: x[0]}, "use 'eq' or 'ineq'"),
        ("augmented_lagrangian", [{"fun": lambda x: x[0]}], "keys 'type' and 'fun'"),
    ],
)
def test_bad_constraints(method, constraints, message):
    with pytest.raises(ValueError, match=message):
        optimize.minimize(lambda x: (x * x).sum(), np.ones(2), method=method, constraints=constraints)


@pytest.mark.parametrize("start", [[-0.5, 0.8], [0.3, -0.9], [-1.0, -0.2]])
def test_lagrange_finds_the_minimum_not_the_maximum(start):
    # min (x − 2)² + (y − 1)² on the unit circle has two KKT points: the nearest point (2, 1)/√5
    # (the minimum) and the farthest −(2, 1)/√5 (the maximum); plain Newton on the KKT system is
    # drawn to the maximum from these starts, the tangent-space convexification is not
    result = optimize.minimize(
        lambda x: (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2,
        np.array(start),
        method="lagrange",
        constraints={"type": "eq", "fun": lambda x: (x * x).sum() - 1.0},
    )
    assert result.success
    np.testing.assert_allclose(result.x, np.array([2.0, 1.0]) / np.sqrt(5.0), atol=1e-7)
    assert result.multipliers[0] == pytest.approx(1 - np.sqrt(5.0), abs=1e-6)
