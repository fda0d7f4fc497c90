"""A TOML-described search runs end to end: model from the registry, data, k-fold, files."""

import csv
import tomllib

import pytest

from mathdl.tune import ConfigError, run_config

CONFIG = """
[search]
strategy = "random"
n_trials = 2
budget = 6
seed = 0

[space.lr]
distribution = "loguniform"
low = 5e-3
high = 2e-2

[space.hidden]
distribution = "int"
low = 16
high = 32

[model]
name = "mlp"

[data]
dataset = "fashion-mnist-subset"
limit = 400

[cv]
folds = 2
"""


def test_run_config_writes_the_results(tmp_path):
    pytest.importorskip("matplotlib", reason="the search figure needs matplotlib")
    path = tmp_path / "search.toml"
    path.write_text(CONFIG)
    results = run_config(path, output_dir=tmp_path / "out")
    table = results.cv_results_
    assert len(results) == 2 and set(table["param_hidden"]) <= set(range(16, 33))
    assert table["split0_test_score"] and all(0.0 <= s <= 1.0 for s in table["mean_test_score"])
    assert min(table["mean_test_score"]) > 0.4  # six epochs on 200 images: far above chance (0.1)
    rows = list(csv.DictReader(open(tmp_path / "out" / "cv_results.csv")))
    assert len(rows) == 2 and (tmp_path / "out" / "search.png").exists()
    assert (tmp_path / "out" / "cv_results.json").exists()


def test_the_example_config_is_valid():
    from mathdl.tune import load_config, make_search
    from mathdl.tune.runner import _check_sections

    config = load_config("examples/tune_mlp.toml")
    _check_sections(config["sections"], "examples/tune_mlp.toml")
    assert make_search(config).n_trials == 12


@pytest.mark.parametrize(
    "change, message",
    [
        (('name = "mlp"', 'name = "perceptron"'), r"\[model\] name: unknown model 'perceptron'"),
        (("folds = 2", "folds = 1"), r"\[cv\] folds: must be an integer >= 2"),
        (("limit = 400", "limit = 400\nshuffle = true"), r"\[data\]: unknown keys \['shuffle'\]"),
        (("[cv]", "[training]"), r"unknown tables \['training'\]"),
    ],
)
def test_run_config_errors_name_the_key(change, message):
    document = tomllib.loads(CONFIG.replace(*change))
    with pytest.raises(ConfigError, match=message):
        run_config(document)
