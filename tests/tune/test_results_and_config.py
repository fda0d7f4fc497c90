"""The results table (scikit-learn's cv_results_), its files, the TOML configuration and k-fold scoring."""

import csv
import json

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.data import TensorDataset
from mathdl.tune import (
    ConfigError,
    RandomSearch,
    SuccessiveHalving,
    Uniform,
    cross_val_score,
    cross_validation_objective,
    load_config,
    make_search,
    plot_search,
    trainer_fit_score,
)
from mathdl.tune.results import Trial, ranks


def test_cv_results_columns_mean_std_and_rank():
    def objective(params, budget):
        return [params["x"], params["x"] + 1.0, params["x"] - 1.0]  # three "folds"

    results = RandomSearch({"x": Uniform(0, 1)}, n_trials=6, seed=0).run(objective)
    table = results.cv_results_
    xs = np.array(table["param_x"])
    np.testing.assert_allclose(table["mean_test_score"], xs)
    np.testing.assert_allclose(table["std_test_score"], np.sqrt(2 / 3))  # population std of (0, 1, −1)
    np.testing.assert_allclose(table["split1_test_score"], xs + 1)
    assert table["rank_test_score"] == list(np.argsort(np.argsort(-xs)) + 1)
    assert results.best_params_ == {"x": xs.max()}
    assert all(t >= 0 for t in table["fit_time"])


def test_ties_share_the_smaller_rank_and_nan_ranks_last():
    trials = [Trial({}, None, s, 0.0) for s in (0.5, np.nan, 0.9, 0.5)]
    assert ranks(trials) == [2, 4, 1, 2]
    budgeted = [Trial({}, 1, 0.9, 0.0), Trial({}, 3, 0.1, 0.0)]
    assert ranks(budgeted) == [2, 1]


def test_csv_and_json_files(tmp_path):
    results = SuccessiveHalving({"x": Uniform(0, 1)}, 9, 1, 9, eta=3, seed=1).run(lambda p, b: p["x"] * b)
    results.to_csv(tmp_path / "results.csv")
    results.to_json(tmp_path / "results.json")
    rows = list(csv.DictReader(open(tmp_path / "results.csv")))
    assert len(rows) == 9 + 3 + 1
    assert {
        "trial",
        "param_x",
        "budget",
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
        "fit_time",
        "iter",
    } <= set(rows[0])
    document = json.load(open(tmp_path / "results.json"))
    assert document["best_params"] == results.best_params_
    assert document["cv_results"]["rank_test_score"] == results.cv_results_["rank_test_score"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary left behind


def test_plot_search_writes_a_figure(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib draws the figure")
    results = RandomSearch({"x": Uniform(0, 1), "act": ["relu", "tanh"]}, n_trials=8, seed=0).run(
        lambda p, b: p["x"] + (p["act"] == "relu")
    )
    path = plot_search(results, tmp_path / "search.png")
    assert path.endswith("search.png") and (tmp_path / "search.png").stat().st_size > 1000


def test_plot_search_comparison_draws_regret(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib draws the figure")
    from mathdl.tune import plot_search_comparison

    curves = {"random": [[-3.0, -2.0, -1.0], [-2.5, -2.5, -0.5]], "grid": [[-4.0, -1.0, -1.0]]}
    path = plot_search_comparison(curves, tmp_path / "cmp.png", optimum=0.0)
    assert (tmp_path / "cmp.png").stat().st_size > 1000 and path.endswith("cmp.png")
    with pytest.raises(ValueError, match="no curves"):
        plot_search_comparison({}, tmp_path / "none.png")


CONFIG = """
[search]
strategy = "successive_halving"
n_trials = 9
min_budget = 1
max_budget = 9
seed = 4

[space.lr]
distribution = "loguniform"
low = 1e-4
high = 1e-1

[space.act]
distribution = "choice"
options = ["relu", "tanh"]

[space.batch_size]
distribution = "constant"
value = 32

[model]
name = "mlp"
"""


def test_config_builds_the_described_search(tmp_path):
    path = tmp_path / "tune.toml"
    path.write_text(CONFIG)
    config = load_config(path)
    assert config["sections"] == {"model": {"name": "mlp"}}
    search = make_search(config)
    assert isinstance(search, SuccessiveHalving) and search.n_trials == 9
    results = search.run(lambda p, b: -abs(np.log10(p["lr"]) + 2) + (p["act"] == "tanh"))
    assert all(p["batch_size"] == 32 for p in results.cv_results_["params"])


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('strategy = "successive_halving"', 'strategy = "annealing"'),
            r"\[search\].*'strategy' must be one of",
        ),
        (("n_trials = 9", 'n_trials = "nine"'), r"\[search\] n_trials: must be a number"),
        (("seed = 4", "seeds = 4"), r"unknown keys \['seeds'\]"),
        (
            ('distribution = "loguniform"', 'distribution = "lognormal"'),
            r"\[space.lr\]: 'distribution' must be",
        ),
        (("low = 1e-4", "low = -1.0"), r"\[space.lr\]: LogUniform: need 0 < low < high"),
        (
            ('options = ["relu", "tanh"]', 'choices = ["relu", "tanh"]'),
            r"\[space.act\]: unknown keys \['choices'\]",
        ),
        (("high = 1e-1\n", "\n"), r"\[space.lr\]: missing keys \['high'\]"),
        (("min_budget = 1", "min_budget = 0"), r"min_budget must be a positive number"),
    ],
)
def test_config_errors_name_the_key(tmp_path, change, message):
    path = tmp_path / "tune.toml"
    path.write_text(CONFIG.replace(*change))
    with pytest.raises(ConfigError, match=message):
        make_search(load_config(path))


def test_config_file_problems(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[search\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "bad.toml")
    (tmp_path / "empty.toml").write_text('[search]\nstrategy = "random"\nn_trials = 3\n')
    with pytest.raises(ConfigError, match=r"missing the \[space\] table"):
        load_config(tmp_path / "empty.toml")


def blobs(n=240, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n // 3)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    x = (centres[y] + 0.6 * rng.standard_normal((n, 2))).astype(np.float32)
    return TensorDataset(x, y.astype(np.int64))


def test_cross_val_score_uses_stratified_folds_and_the_given_fit_function():
    dataset = blobs()
    seen = []

    def fit_fn(model, params, train_set, val_set, budget):
        val_labels = val_set.dataset.arrays[1][val_set.indices]
        seen.append((len(train_set), np.bincount(val_labels, minlength=3), budget, params["c"]))
        return float(len(seen))

    scores = cross_val_score(lambda p: None, {"c": 7}, dataset, folds=4, fit_fn=fit_fn, budget=2)
    np.testing.assert_array_equal(scores, [1, 2, 3, 4])
    for train_size, val_counts, budget, c in seen:
        assert train_size == 180 and list(val_counts) == [20, 20, 20] and budget == 2 and c == 7


def test_cross_validated_search_with_the_trainer():
    dataset = blobs()

    def build(params):
        return nn.Sequential(nn.Linear(2, params["hidden"]), nn.Tanh(), nn.Linear(params["hidden"], 3))

    objective = cross_validation_objective(build, dataset, folds=3, seed=0)
    scores = objective({"hidden": 8, "lr": 0.05, "batch_size": 32}, 5)
    assert scores.shape == (3,) and scores.min() > 0.9
    again = cross_val_score(
        build, {"hidden": 8, "lr": 0.05, "batch_size": 32}, dataset, 3, trainer_fit_score, 5
    )
    np.testing.assert_array_equal(scores, again)  # seeded folds and initial weights
    md.manual_seed(0)


def test_cross_val_score_rejects_bad_arguments():
    with pytest.raises(ValueError, match="folds must be an integer >= 2"):
        cross_val_score(lambda p: None, {}, blobs(), folds=1, fit_fn=lambda *a: 0.0)
    with pytest.raises(TypeError, match="build_model must be callable"):
        cross_val_score(None, {}, blobs())
    with pytest.raises(ValueError, match="optimizer"):
        trainer_fit_score(nn.Linear(2, 3), {"optimizer": "lbfgs"}, blobs(), blobs(), 1)
