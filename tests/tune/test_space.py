"""Search-space distributions: draws follow their law, the unit-cube encoding round-trips."""

import numpy as np
import pytest

from mathdl.tune import Choice, IntUniform, LogUniform, SearchSpace, Uniform


def test_draws_follow_each_distribution():
    rng = np.random.default_rng(0)
    n = 20000
    uniform = np.array(Uniform(-2.0, 3.0).sample(rng, n))
    assert uniform.min() >= -2 and uniform.max() <= 3 and uniform.mean() == pytest.approx(0.5, abs=0.05)
    logs = np.log10(LogUniform(1e-4, 1e-1).sample(rng, n))
    # log10 x ~ U[−4, −1]: each decade holds a third of the draws
    counts = np.histogram(logs, bins=[-4, -3, -2, -1])[0] / n
    np.testing.assert_allclose(counts, 1 / 3, atol=0.015)
    ints = np.array(IntUniform(3, 7).sample(rng, n))
    np.testing.assert_allclose(np.bincount(ints, minlength=8)[3:] / n, 0.2, atol=0.015)
    assert ints.min() == 3 and ints.max() == 7
    choice = Choice(["a", "b", "c"]).sample(rng, n)
    assert {c: choice.count(c) / n for c in "abc"} == pytest.approx(
        {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, abs=0.015
    )


def test_log_integer_is_log_uniform_over_cells():
    rng = np.random.default_rng(1)
    draws = np.array(IntUniform(1, 1000, log=True).sample(rng, 30000))
    # P(x < 10) = log(10)/log(1001) ≈ 1/3
    assert np.mean(draws < 10) == pytest.approx(np.log(10) / np.log(1001), abs=0.015)


def test_encoding_round_trips_and_lies_in_the_unit_cube():
    space = SearchSpace(
        {
            "lr": LogUniform(1e-5, 1.0),
            "width": IntUniform(8, 64),
            "x": Uniform(-1, 1),
            "act": ["relu", "tanh", "gelu"],
            "epochs": 3,
        }
    )
    params = space.sample(np.random.default_rng(2), 50)
    assert all(p["epochs"] == 3 for p in params)
    unit = space.encode(params)
    assert unit.shape == (50, space.dimension) == (50, 6)
    assert unit.min() >= 0 and unit.max() <= 1
    decoded = space.decode(unit)
    for original, back in zip(params, decoded):
        assert back["width"] == original["width"] and back["act"] == original["act"]
        assert back["lr"] == pytest.approx(original["lr"], rel=1e-12)
        assert back["x"] == pytest.approx(original["x"], abs=1e-12)


def test_grid_is_the_cartesian_product():
    space = SearchSpace({"a": Uniform(0, 1), "b": LogUniform(1, 100), "c": ["x", "y"], "k": IntUniform(1, 2)})
    grid = space.grid(3)
    assert len(grid) == 3 * 3 * 2 * 2
    assert sorted({p["b"] for p in grid}) == pytest.approx([1, 10, 100])
    assert {p["k"] for p in grid} == {1, 2}


def test_bad_spaces_raise_naming_the_problem():
    with pytest.raises(ValueError, match="low must be less than high"):
        Uniform(1, 1)
    with pytest.raises(ValueError, match="0 < low < high"):
        LogUniform(0, 1)
    with pytest.raises(ValueError, match="low must be an integer"):
        IntUniform(0.5, 3)
    with pytest.raises(ValueError, match="non-empty list"):
        Choice([])
    with pytest.raises(ValueError, match="nothing to search"):
        SearchSpace({"a": 1})
    with pytest.raises(ValueError, match="has no 'b'"):
        SearchSpace({"a": Uniform(0, 1), "b": Uniform(0, 1)}).encode([{"a": 0.5}])
    with pytest.raises(ValueError, match="not one of the options"):
        Choice(["a"]).encode(["b"])
