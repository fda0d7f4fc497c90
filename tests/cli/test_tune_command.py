"""``mathdl tune CONFIG.toml`` runs tune.run_config and reports where the results went."""

import json

from mathdl.cli import main

CONFIG = """
[search]
strategy = "random"
n_trials = 2
budget = 1
seed = 0

[space.lr]
distribution = "loguniform"
low = 1e-3
high = 1e-2

[space.hidden]
distribution = "int"
low = 4
high = 8

[model]
name = "mlp"

[data]
dataset = "fashion-mnist-subset"
limit = 60

[cv]
folds = 2
"""


def test_tune_runs_a_toml_search(tmp_path, capsys):
    config = tmp_path / "search.toml"
    config.write_text(CONFIG)
    out = tmp_path / "results"
    assert main(["tune", str(config), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "RandomSearch: 2 trials" in printed and f"wrote {out / 'cv_results.csv'}" in printed
    document = json.loads((out / "cv_results.json").read_text())
    assert len(document["cv_results"]["mean_test_score"]) == 2
    assert (out / "search.png").exists() or "search.png" not in printed


def test_tune_names_what_is_wrong(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text(CONFIG.replace('distribution = "loguniform"', 'distribution = "lognormal"'))
    assert main(["tune", str(config)]) == 2
    assert "space.lr" in capsys.readouterr().err
    assert main(["tune", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
