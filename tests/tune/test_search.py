"""Search strategies on cheap synthetic objectives with known optima."""

import math

import numpy as np
import pytest

from mathdl.tune import (
    BayesianOptimization,
    GridSearch,
    Hyperband,
    IntUniform,
    RandomSearch,
    SearchSpace,
    SuccessiveHalving,
    Uniform,
)

BRANIN_MAX = -0.397887357729738  # −min of the Branin function (three global minimisers)


def branin(params, budget=None):
    x1, x2 = params["x1"], params["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return -((x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10)


BRANIN_SPACE = {"x1": Uniform(-5, 10), "x2": Uniform(0, 15)}


def evaluations_to_reach(results, threshold):
    """1-based index of the first trial scoring ≥ threshold (len + 1 if none did)."""
    hits = np.flatnonzero(results.best_so_far() >= threshold)
    return hits[0] + 1 if hits.size else len(results) + 1


def test_grid_search_finds_the_grid_point_nearest_the_optimum():
    space = SearchSpace({"x": Uniform(-1, 1), "y": Uniform(-1, 1)})
    results = GridSearch(space, points=5).run(lambda p, b: -((p["x"] - 0.5) ** 2 + (p["y"] + 0.5) ** 2))
    assert len(results) == 25
    assert results.best_params_ == {"x": 0.5, "y": -0.5}
    assert results.best_score_ == 0.0


def test_random_search_is_reproducible_and_improves_with_trials():
    first = RandomSearch(BRANIN_SPACE, n_trials=200, seed=3).run(branin)
    again = RandomSearch(BRANIN_SPACE, n_trials=200, seed=3).run(branin)
    assert first.cv_results_["mean_test_score"] == again.cv_results_["mean_test_score"]
    assert first.best_score_ > BRANIN_MAX - 1.0
    curve = first.best_so_far()
    assert np.all(np.diff(curve) >= 0) and curve[-1] == first.best_score_


def test_successive_halving_keeps_the_right_counts_per_rung():
    budgets_seen = []

    def objective(params, budget):
        budgets_seen.append(budget)
        return -abs(params["x"] - 0.3) * (1 + 1 / budget)

    results = SuccessiveHalving(
        {"x": Uniform(0, 1)}, n_trials=27, min_budget=1, max_budget=27, eta=3, seed=0
    ).run(objective)
    table = results.cv_results_
    assert [table["iter"].count(i) for i in range(4)] == [27, 9, 3, 1]
    assert sorted(set(budgets_seen)) == [1, 3, 9, 27]
    assert all(isinstance(b, int) for b in budgets_seen)
    # each rung promotes the best third of the previous rung
    for rung in range(1, 4):
        previous = [
            (s, p["x"])
            for s, p, i in zip(table["mean_test_score"], table["params"], table["iter"])
            if i == rung - 1
        ]
        promoted = {p["x"] for p, i in zip(table["params"], table["iter"]) if i == rung}
        best = {x for _, x in sorted(previous, reverse=True)[: len(promoted)]}
        assert promoted == best
    assert results.best_params_ == table["params"][-1]  # the survivor at the largest budget ranks first
    assert results.cv_results_["rank_test_score"][-1] == 1


def test_hyperband_brackets_follow_li_et_al():
    search = Hyperband({"x": Uniform(0, 1)}, min_budget=1, max_budget=81, eta=3, seed=0)
    # Li et al. (2018), Table 1 (R = 81, η = 3): n = 81, 34, 15, 8, 5 at r = 1, 3, 9, 27, 81
    assert [(s, n) for s, n, _ in search.brackets()] == [(4, 81), (3, 34), (2, 15), (1, 8), (0, 5)]
    assert [r for _, _, r in search.brackets()] == pytest.approx([1, 3, 9, 27, 81])
    results = search.run(lambda p, b: -abs(p["x"] - 0.5))
    table = results.cv_results_
    rung_counts = {}
    for bracket, rung in zip(table["bracket"], table["iter"]):
        rung_counts[(bracket, rung)] = rung_counts.get((bracket, rung), 0) + 1
    # bracket 4: 81, 27, 9, 3, 1;  bracket 3: 34, 11, 3, 1;  bracket 2: 15, 5, 1;  1: 8, 2;  0: 5
    assert [rung_counts[(4, i)] for i in range(5)] == [81, 27, 9, 3, 1]
    assert [rung_counts[(3, i)] for i in range(4)] == [34, 11, 3, 1]
    assert [rung_counts[(2, i)] for i in range(3)] == [15, 5, 1]
    assert [rung_counts[(1, i)] for i in range(2)] == [8, 2]
    assert rung_counts[(0, 0)] == 5
    assert max(table["budget"]) == 81


@pytest.mark.slow
def test_bayesian_optimisation_needs_fewer_evaluations_than_random_search():
    """Over 10 seeds on Branin: evaluations until a score within 0.1 of the optimum (a run that
    never gets there counts its budget + 1, which favours random search)."""
    threshold = BRANIN_MAX - 0.1
    bayes = [
        evaluations_to_reach(
            BayesianOptimization(BRANIN_SPACE, n_trials=30, seed=s, target=threshold).run(branin), threshold
        )
        for s in range(10)
    ]
    random = [
        evaluations_to_reach(
            RandomSearch(BRANIN_SPACE, n_trials=60, seed=s, target=threshold).run(branin), threshold
        )
        for s in range(10)
    ]
    assert np.mean(bayes) < 0.5 * np.mean(random), (bayes, random)
    assert np.median(bayes) <= 30


def test_bayesian_optimisation_handles_integers_and_choices():
    space = {"k": IntUniform(0, 20), "kind": ["a", "b", "c"], "x": Uniform(-1, 1)}

    def objective(params, budget):
        return -(((params["k"] - 13) / 4) ** 2) - (params["kind"] != "b") - params["x"] ** 2

    results = BayesianOptimization(space, n_trials=30, seed=0).run(objective)
    assert results.best_params_["k"] == 13 and results.best_params_["kind"] == "b"
    assert abs(results.best_params_["x"]) < 0.2
    keys = [(p["k"], p["kind"], p["x"]) for p in results.cv_results_["params"]]
    assert len(set(keys)) == len(keys)  # never the same configuration twice


def test_failed_trials_rank_last_and_do_not_stop_the_search():
    def objective(params, budget):
        return math.nan if params["x"] < 0.3 else -((params["x"] - 0.7) ** 2)

    for search in (
        BayesianOptimization({"x": Uniform(0, 1)}, n_trials=12, seed=1),
        SuccessiveHalving({"x": Uniform(0, 1)}, n_trials=9, min_budget=1, max_budget=9, seed=1),
    ):
        results = search.run(objective)
        table = results.cv_results_
        assert abs(results.best_params_["x"] - 0.7) < 0.2
        failed = [r for r, m in zip(table["rank_test_score"], table["mean_test_score"]) if math.isnan(m)]
        assert all(r > max(table["rank_test_score"]) - len(failed) for r in failed)


def test_a_search_stops_at_its_target():
    results = RandomSearch(BRANIN_SPACE, n_trials=500, seed=0, target=-5.0).run(branin)
    scores = results.cv_results_["mean_test_score"]
    assert scores[-1] >= -5.0 and all(s < -5.0 for s in scores[:-1])
    assert len(results) < 500


def test_strategies_reject_bad_arguments():
    with pytest.raises(ValueError, match="n_trials"):
        RandomSearch(BRANIN_SPACE, n_trials=0)
    with pytest.raises(ValueError, match="max_budget"):
        SuccessiveHalving(BRANIN_SPACE, 9, min_budget=10, max_budget=1)
    with pytest.raises(ValueError, match="eta"):
        Hyperband(BRANIN_SPACE, 1, 27, eta=1)
    with pytest.raises(ValueError, match="seed"):
        RandomSearch(BRANIN_SPACE, 3, seed=-1)
    with pytest.raises(TypeError, match="callable"):
        RandomSearch(BRANIN_SPACE, 3).run(None)
    with pytest.raises(ValueError, match="must return a score"):
        RandomSearch(BRANIN_SPACE, 3).run(lambda p, b: "good")
