"""The mathdl command: what a user sees (messages, help, run folders), a real Ctrl-C in a
subprocess, and the default image-classifier run on a tiny IDX folder."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import mathdl as md
from mathdl.cli import build_parser, main
from mathdl.cli.recipes import trainable
from mathdl.data import load_dataset, write_idx
from mathdl.train import Trainer


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


def _train(tiny, out, *extra):
    return main(
        [
            "train",
            "--dataset",
            tiny,
            "--out",
            str(out),
            "--verbose",
            "0",
            "--model-arg",
            "hidden=[32]",
            *extra,
        ]
    )


def test_the_default_classifier_run_writes_its_folder_learns_and_draws_its_figures(tiny, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", tiny, "--out", str(out), "--epochs", "3", "--lr", "0.003"]) == 0
    printed = capsys.readouterr().out
    files = {p.name for p in out.iterdir()}
    figures = {"curves.png", "confusion_matrix.png", "predictions.png"}
    assert {"checkpoint.npz", "best.npz", "metrics.json", "config.json", "history.csv"} | figures <= files
    assert all(f"wrote {out / name}" in printed for name in figures)  # every figure's path is printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 3 and metrics["run"]["model"] == "mlp" and metrics["run"]["lr"] == 0.003
    assert metrics["test"]["accuracy"] > 0.6  # 10 classes: chance is 0.1
    rows = (out / "history.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,accuracy,val_loss,val_accuracy" and len(rows) == 4
    assert json.loads((out / "config.json").read_text())["model"] == {"name": "mlp", "kwargs": {}}


def test_resume_refuses_changed_options_and_continues_only_forwards(tiny, tmp_path, capsys):
    assert _train(tiny, tmp_path / "run", "--epochs", "1", "--no-plots") == 0
    assert main(["train", "--resume", str(tmp_path / "run"), "--lr", "0.5", "--epochs", "2"]) == 2
    assert "--lr 0.5 (run has 0.001)" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "nowhere")]) == 2
    assert "no such run folder" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "run"), "--out", str(tmp_path / "elsewhere")]) == 2
    assert "in its own folder" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "run"), "--epochs", "1"]) == 0
    assert "already has 1 epochs" in capsys.readouterr().out
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    assert _train(tiny, tmp_path / "notes") == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"


def test_ctrl_c_before_the_first_checkpoint_removes_the_run_folder(tiny, tmp_path, monkeypatch, capsys):
    original = Trainer.run_step

    def interrupted(self, batch):
        os.kill(os.getpid(), signal.SIGINT)
        return original(self, batch)

    monkeypatch.setattr(Trainer, "run_step", interrupted)
    assert _train(tiny, tmp_path / "run") == 130
    assert "no epoch had completed, so" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_real_sigint_leaves_a_resumable_run(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    command = [sys.executable, "-m", "mathdl.cli", "train", "--limit", "300", "--epochs", "1000"]
    process = subprocess.Popen(
        command + ["--out", str(out), "--verbose", "0", "--no-plots"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.npz").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert f"continue with 'mathdl train --resume {out}'" in err
    epoch = md.load(out / "checkpoint.npz")["epoch"]
    assert 1 <= epoch < 1000
    resume = ["train", "--resume", str(out), "--epochs", str(epoch + 1), "--verbose", "0", "--no-plots"]
    assert main(resume) == 0
    assert md.load(out / "checkpoint.npz")["epoch"] == epoch + 1


def test_messages_name_the_users_thing(tmp_path, capsys):
    assert main(["train", "--dataset", str(tmp_path / "no" / "such"), "--verbose", "0"]) == 2
    assert f"--dataset {tmp_path / 'no' / 'such'}: no such folder" in capsys.readouterr().err
    assert main(["train", "--dataset", "cifar-11", "--verbose", "0"]) == 2
    assert "'cifar-11' is neither a known dataset" in capsys.readouterr().err
    empty, binary, latin = tmp_path / "empty.txt", tmp_path / "data.bin", tmp_path / "latin.txt"
    empty.write_text("  \n")
    binary.write_bytes(b"\x00\x01\x02" * 100)
    latin.write_bytes("caf\xe9".encode("latin-1") * 100)
    for corpus, problem in (
        (empty, "is empty"),
        (binary, "is a binary file"),
        (latin, "is not UTF-8 text"),
        (tmp_path / "missing.txt", "no such file"),
    ):
        assert (
            main(["train", "--model", "char-gru", "--corpus", str(corpus), "--out", str(tmp_path / "r")]) == 2
        )
        assert f"--corpus {corpus}" in (err := capsys.readouterr().err) and problem in err, err
        assert not (tmp_path / "r").exists()
    for bad in ("hidden=[512,", "=3", "hidden"):
        with pytest.raises(SystemExit):
            main(["train", "--model-arg", bad])
        assert repr(bad) in capsys.readouterr().err
    assert main(["train", "--model-arg", "hiden=[3]", "--out", str(tmp_path / "r"), "--verbose", "0"]) == 2
    assert "unknown argument(s) hiden; accepted: in_features, hidden" in capsys.readouterr().err
    assert main(["train", "--model", "resnet", "--verbose", "0"]) == 2
    assert "'resnet' is not a registered model; trainable models: ae, char-gru" in capsys.readouterr().err


@pytest.mark.parametrize("model", [None, *trainable()])
def test_help_shows_each_default_once_and_every_option_has_help(model, capsys):
    argv = ["train"] + (["--model", model] if model else [])
    with pytest.raises(SystemExit) as exit_info:
        main(argv + ["--help"])
    assert exit_info.value.code == 0
    assert "usage: mathdl train" in capsys.readouterr().out
    parser = build_parser(argv)
    for sub in parser._subparsers._group_actions[0].choices.values():
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction) or not sub.add_help:
                continue
            assert action.help, f"{sub.prog} {action.option_strings or action.dest} has no help"
            said = action.help.count("(default") + action.help.count("does not apply")
            optional = action.option_strings != [] and not action.required  # a required option has no default
            assert said == optional, f"{sub.prog} {action.option_strings}: {action.help}"
    if model:
        text = parser._subparsers._group_actions[0].choices["train"].format_help()
        assert f"defaults shown for --model {model}" in text


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_gradcheck_delegates_to_the_report_with_its_arguments_and_exit_code(monkeypatch):
    from mathdl.autograd import gradcheck_report

    calls = []
    monkeypatch.setattr(gradcheck_report, "main", lambda argv: calls.append(argv) or 1)
    assert main(["gradcheck", "--op", "add", "--seed", "3"]) == 1  # the report's exit code
    assert main(["gradcheck"]) == 1
    assert calls == [["--op", "add", "--seed", "3"], []]


def test_generate_with_temperature_zero_is_greedy_and_the_lm_prints_progress_early(
    tmp_path, capsys, monkeypatch
):
    from mathdl.train import progress

    monkeypatch.setattr(progress, "_FIRST_LINE_SECONDS", 0.0)  # the first line comes after 2 s otherwise
    monkeypatch.setattr(progress, "_SHORT_REST_SECONDS", 0.0)  # and only when the epoch has > 10 s to go
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("to be or not to be, that is the question.\n" * 100)
    out = tmp_path / "lm"
    argv = [
        "train",
        "--model",
        "char-gru",
        "--corpus",
        str(corpus),
        "--epochs",
        "2",
        "--steps-per-epoch",
        "20",
    ]
    argv += [
        "--batch-size",
        "8",
        "--seq-len",
        "16",
        "--model-arg",
        "hidden_size=32",
        "--model-arg",
        "num_layers=1",
    ]
    assert main(argv + ["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Block 1/2 - 1/20 - ETA" in printed and "tokens/s" in printed
    sample = (out / "sample.txt").read_text()
    assert len(sample) > 400 and set(sample) <= set("to be or not to be, that is the question.\n")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["val_perplexity"] < 17  # a 17-character alphabet: uniform guessing scores 17
    texts = []
    for seed in ("1", "2"):
        assert (
            main(
                [
                    "generate",
                    str(out),
                    "--prompt",
                    "to be",
                    "--length",
                    "30",
                    "--temperature",
                    "0",
                    "--seed",
                    seed,
                ]
            )
            == 0
        )
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1] and texts[0].startswith("to be")
    assert main(["generate", str(out), "--prompt", "to be", "--length", "30", "--seed", "3"]) == 0
    assert set(capsys.readouterr().out) <= set("to be or not to be, that is the question.\n")
    assert main(["generate", str(out), "--prompt", "XYZ"]) == 2
    assert "characters the model never saw" in capsys.readouterr().err


def test_rl_subcommand_runs_an_agent_and_reports_unsolved_with_exit_code_1(tmp_path, capsys):
    argv = ["rl", "cartpole", "--agent", "reinforce", "--steps", "300", "--eval-episodes", "2"]
    code = main(argv + ["--backend", "builtin", "--output", str(tmp_path)])
    assert code == 1  # 300 steps cannot reach a return of 475
    assert "reinforce on CartPole-v1: greedy mean return" in capsys.readouterr().out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["solved"] is False and summary["eval_episodes"] == 2
    assert main(["rl", "cartpole", "--steps", "0"]) == 2
    assert "--steps must be positive" in capsys.readouterr().err


def test_resume_from_best_npz_and_evaluate_on_another_dataset(tiny, tmp_path, capsys):
    assert _train(tiny, tmp_path / "run", "--epochs", "1", "--no-plots", "--model", "softmax") == 2
    assert "unknown argument(s) hidden" in capsys.readouterr().err
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--dataset",
                tiny,
                "--out",
                str(out),
                "--epochs",
                "1",
                "--no-plots",
                "--model",
                "softmax",
                "--verbose",
                "0",
            ]
        )
        == 0
    )
    assert main(["evaluate", str(out / "best.npz"), "--dataset", tiny, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == os.path.abspath(tiny) and np.isfinite(result["loss"])
    (tmp_path / "junk.npz").write_bytes(b"not a checkpoint")
    assert main(["evaluate", str(tmp_path / "junk.npz")]) == 2
    assert "error" in capsys.readouterr().err


def test_time_limit_stops_after_the_epoch_that_passes_it_and_the_run_resumes(tiny, tmp_path):
    out = tmp_path / "run"
    assert _train(tiny, out, "--epochs", "5", "--time-limit", "0", "--no-plots") == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and metrics["stop_reason"] == "time limit of 0 s"
    assert main(["train", "--resume", str(out), "--epochs", "2", "--verbose", "0", "--no-plots"]) == 0
    assert md.load(out / "checkpoint.npz")["epoch"] == 2
