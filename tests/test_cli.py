"""The mathdl command, run in-process on a tiny folder of IDX files."""

import json

import numpy as np
import pytest

import mathdl as md
from mathdl.cli import TRAIN_DEFAULTS, build_parser, main
from mathdl.data import load_dataset, write_idx


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """600 training and 200 test images of the shipped subset, as an IDX folder."""
    folder = tmp_path_factory.mktemp("tiny-idx")
    (x_train, y_train), (x_test, y_test) = load_dataset("fashion-mnist-subset")
    write_idx(folder / "train-images-idx3-ubyte", x_train[:600])
    write_idx(folder / "train-labels-idx1-ubyte", y_train[:600])
    write_idx(folder / "t10k-images-idx3-ubyte.gz", x_test[:200])
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", y_test[:200])
    return str(folder)


def _train(tiny, out, *extra, hidden=True):
    model_args = ["--model-arg", "hidden=[32]"] if hidden else []
    return main(
        ["train", "--dataset", tiny, "--out", str(out), "--verbose", "0", "--no-plots", *model_args, *extra]
    )


def test_train_writes_a_run_folder_and_learns(tiny, tmp_path):
    out = tmp_path / "run"
    assert _train(tiny, out, "--epochs", "3", "--lr", "0.003") == 0
    files = {p.name for p in out.iterdir()}
    assert {"checkpoint.npz", "best.npz", "metrics.json", "config.json", "history.csv"} <= files
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 3 and metrics["run"]["model"] == "mlp" and metrics["run"]["lr"] == 0.003
    assert metrics["test"]["accuracy"] > 0.6  # 10 classes: chance is 0.1
    rows = (out / "history.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,accuracy,val_loss,val_accuracy" and len(rows) == 4
    assert json.loads((out / "config.json").read_text())["model"] == {
        "name": "mlp",
        "kwargs": {"hidden": [32]},
    }


def test_resume_from_a_run_folder_equals_the_uninterrupted_run(tiny, tmp_path):
    assert _train(tiny, tmp_path / "straight", "--epochs", "2", "--model-arg", "dropout=0.3") == 0
    assert _train(tiny, tmp_path / "split", "--epochs", "1", "--model-arg", "dropout=0.3") == 0
    assert (
        main(["train", "--resume", str(tmp_path / "split"), "--epochs", "2", "--verbose", "0", "--no-plots"])
        == 0
    )
    straight = md.load(tmp_path / "straight" / "checkpoint.npz")
    resumed = md.load(tmp_path / "split" / "checkpoint.npz")
    assert resumed["epoch"] == 2
    for name, value in straight["model"].items():
        np.testing.assert_array_equal(np.asarray(resumed["model"][name]), np.asarray(value), err_msg=name)
    assert resumed["history"] == straight["history"]


def test_resume_refuses_changed_options_and_missing_runs(tiny, tmp_path, capsys):
    assert _train(tiny, tmp_path / "run", "--epochs", "1") == 0
    assert main(["train", "--resume", str(tmp_path / "run"), "--lr", "0.5", "--epochs", "2"]) == 2
    assert "--lr 0.5 (run has 0.001)" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "nowhere")]) == 2
    assert "no such run folder" in capsys.readouterr().err
    assert _train(tiny, tmp_path / "run", "--epochs", "1") == 2
    assert "already holds a run" in capsys.readouterr().err


def test_evaluate_prints_the_checkpoints_test_loss_and_accuracy(tiny, tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(tiny, out, "--epochs", "1", "--model", "softmax", "--optimizer", "sgd", hidden=False) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    metrics = json.loads((out / "metrics.json").read_text())
    assert result["samples"] == 200 and result["epoch"] == 1
    assert result["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    assert result["loss"] == pytest.approx(metrics["test"]["loss"], rel=1e-6)
    assert main(["evaluate", str(out / "checkpoint.npz"), "--dataset", tiny]) == 0
    assert "accuracy" in capsys.readouterr().out
    (tmp_path / "junk.npz").write_bytes(b"not a checkpoint")
    assert main(["evaluate", str(tmp_path / "junk.npz")]) == 2
    assert "error" in capsys.readouterr().err


def test_bad_options_exit_with_usage_errors(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "no-such-model"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--epochs", "0"])
    assert "positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", "x", "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
    assert main(["train", "--dataset", "/no/such/folder", "--verbose", "0"]) == 2
    assert "cannot load dataset" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["train"], ["evaluate"], ["gradcheck"]])
def test_help_everywhere(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv + ["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "usage: mathdl" in text
    if argv == ["train"]:
        assert all(
            option in text
            for option in (
                "--model",
                "--dataset",
                "--epochs",
                "--batch-size",
                "--optimizer",
                "--lr",
                "--seed",
                "--out",
                "--resume",
            )
        )


def test_no_command_prints_help_and_default_train_is_the_subset_mlp(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out
    args = build_parser().parse_args(["train"])
    assert args.model is None and TRAIN_DEFAULTS["model"] == "mlp"
    assert TRAIN_DEFAULTS["dataset"] == "fashion-mnist-subset"


def test_gradcheck_delegates_to_the_report_with_its_arguments_and_exit_code(monkeypatch):
    from mathdl.autograd import gradcheck_report

    calls = []
    monkeypatch.setattr(gradcheck_report, "main", lambda argv: calls.append(argv) or 1)
    assert main(["gradcheck", "--op", "add", "--seed", "3"]) == 1  # the report's exit code
    assert main(["gradcheck"]) == 1
    assert calls == [["--op", "add", "--seed", "3"], []]


def test_a_diverging_run_stops_on_the_non_finite_loss_with_exit_code_1(tiny, tmp_path, capsys):
    out = tmp_path / "diverged"
    with np.errstate(all="ignore"):
        code = _train(tiny, out, "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3")
    assert code == 1
    assert "non-finite loss" in capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())  # strict JSON: NaN became null
    assert metrics["epochs"] == 0 and "no checkpoint was written" in metrics["stop_reason"]
    assert not (out / "checkpoint.npz").exists()


def test_char_language_model_trains_and_generate_continues_the_prompt(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("to be or not to be, that is the question.\n" * 100)
    out = tmp_path / "lm"
    assert (
        main(
            [
                "train",
                "--model",
                "char-gru",
                "--corpus",
                str(corpus),
                "--steps",
                "40",
                "--batch-size",
                "8",
                "--seq-len",
                "16",
                "--model-arg",
                "hidden_size=32",
                "--model-arg",
                "num_layers=1",
                "--out",
                str(out),
                "--verbose",
                "0",
            ]
        )
        == 0
    )
    assert {"checkpoint.npz", "history.json", "sample.txt", "metrics.json"} <= {p.name for p in out.iterdir()}
    metrics = json.loads((out / "metrics.json").read_text())
    # 40 steps on a 17-character alphabet already beat the uniform model's perplexity of 17
    assert metrics["model"] == "char-gru" and metrics["val_perplexity"] < 17
    capsys.readouterr()
    assert main(["generate", str(out), "--prompt", "to be", "--length", "30", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("to be") and len(text.rstrip("\n")) >= 35 - 1
    assert set(text) <= set("to be or not to be, that is the question.\n")


def test_generate_errors_name_the_problem(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "missing")]) == 2
    assert "no such checkpoint file or run folder" in capsys.readouterr().err
    assert main(["generate", str(tmp_path)]) == 2
    assert "without checkpoint.npz" in capsys.readouterr().err


def test_rl_subcommand_runs_an_agent_and_reports_unsolved_with_exit_code_1(tmp_path, capsys):
    code = main(
        [
            "rl",
            "cartpole",
            "--agent",
            "reinforce",
            "--steps",
            "300",
            "--eval-episodes",
            "2",
            "--backend",
            "builtin",
            "--output",
            str(tmp_path),
        ]
    )
    assert code == 1  # 300 steps cannot reach a return of 475
    assert "reinforce on CartPole-v1: greedy mean return" in capsys.readouterr().out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["solved"] is False and summary["eval_episodes"] == 2
    assert main(["rl", "cartpole", "--steps", "0"]) == 2
    assert "--steps must be positive" in capsys.readouterr().err


def test_generative_models_train_from_the_cli(tmp_path, capsys):
    out = tmp_path / "rbm"
    assert main(["train", "--model", "rbm", "--epochs", "1", "--out", str(out), "--verbose", "0"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    # a trained RBM explains binarised images far better than independent fair coins (−784 log 2 ≈ −543)
    assert metrics["test_pseudo_likelihood"] > -300
    state = md.load(out / "checkpoint.npz")
    assert set(state) == {"weight", "visible_bias", "hidden_bias"} and np.shape(state["weight"]) == (256, 784)
    assert (
        main(
            ["train", "--model", "gan", "--dataset", "mnist", "--verbose", "0", "--out", str(tmp_path / "g")]
        )
        == 2
    )
    assert "trains on fashion-mnist-subset or fashion-mnist" in capsys.readouterr().err
