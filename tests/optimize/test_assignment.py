"""linear_sum_assignment against SciPy: the same optimal cost on random rectangular matrices (hypothesis),
row_ind sorted as SciPy's, and SciPy's errors for invalid and infeasible matrices."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mathdl as md
from mathdl.optimize import linear_sum_assignment

scipy_optimize = pytest.importorskip("scipy.optimize", reason="SciPy is the reference for the assignment")


@st.composite
def cost_matrices(draw):
    rows, cols = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["uniform", "integers", "with_inf"]))
    if kind == "integers":  # many ties
        return rng.integers(-3, 4, (rows, cols)).astype(float)
    cost = rng.normal(size=(rows, cols)) * 10
    if kind == "with_inf":
        cost[rng.random((rows, cols)) < 0.25] = np.inf
    return cost


def _total(cost, rows, cols):
    return cost[rows, cols].sum() if len(rows) else 0.0


@settings(max_examples=300, deadline=None)
@given(cost_matrices(), st.booleans())
def test_equal_optimal_cost_and_row_order_to_scipy(cost, maximize):
    if maximize:
        cost = np.where(np.isinf(cost), -np.inf, cost)  # forbidden pairs stay forbidden when maximising
    try:
        expected = scipy_optimize.linear_sum_assignment(cost, maximize=maximize)
    except ValueError:
        with pytest.raises(ValueError, match="infeasible"):
            linear_sum_assignment(cost, maximize=maximize)
        return
    rows, cols = linear_sum_assignment(cost, maximize=maximize)
    assert rows.dtype == np.int64 and cols.dtype == np.int64
    assert len(rows) == min(cost.shape)
    np.testing.assert_array_equal(rows, expected[0])
    assert len(set(cols.tolist())) == len(cols)
    assert _total(cost, rows, cols) == pytest.approx(_total(cost, *expected), abs=1e-9)


def test_brute_force_on_small_matrices(rng):
    for _ in range(50):
        n, m = (int(k) for k in rng.integers(1, 5, 2))
        cost = rng.random((n, m))
        best = min(
            sum(cost[i, j] for i, j in zip(rows, cols))
            for rows in itertools.combinations(range(n), min(n, m))
            for cols in itertools.permutations(range(m), min(n, m))
        )
        rows, cols = linear_sum_assignment(cost)
        assert cost[rows, cols].sum() == pytest.approx(best)


def test_hand_made_and_tensor_input():
    cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
    rows, cols = linear_sum_assignment(md.tensor(cost))
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [1, 0, 2]
    rows, cols = linear_sum_assignment(cost, maximize=True)
    assert np.asarray(cost)[rows, cols].sum() == 11
    rows, cols = linear_sum_assignment([[1.0], [0.0], [2.0]])  # tall: row_ind sorted
    assert rows.tolist() == [1] and cols.tolist() == [0]
    rows, cols = linear_sum_assignment(np.zeros((0, 3)))
    assert rows.shape == (0,) and cols.shape == (0,)


def test_errors_as_scipy():
    with pytest.raises(ValueError, match="2-D"):
        linear_sum_assignment(np.zeros(3))
    with pytest.raises(ValueError, match="invalid numeric entries"):
        linear_sum_assignment([[np.nan, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="invalid numeric entries"):
        linear_sum_assignment([[np.inf, 1.0], [1.0, 0.0]], maximize=True)
    with pytest.raises(ValueError, match="infeasible"):
        linear_sum_assignment([[np.inf, 1.0], [np.inf, 0.0]])
    with pytest.raises(TypeError, match="numeric"):
        linear_sum_assignment(np.array([["a"]]))
