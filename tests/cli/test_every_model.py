"""Every registered model trains through ``mathdl train`` with its recipe's tiny options, and for
every one of them: Ctrl-C (a real SIGINT) mid-epoch leaves the last epoch resumable and resuming
equals the uninterrupted run bit for bit; --out never overwrites a run; an option that does not
apply is refused; a non-finite loss stops the run once, keeping the last good checkpoint;
evaluate/generate work or name the command that fits. Parametrised over the registry, so a new
model is covered (and a registered model without a recipe fails here)."""

import hashlib
import json
import os
import signal
import warnings

import numpy as np
import pytest

import mathdl as md
from mathdl import models
from mathdl.cli import main
from mathdl.cli.options import OPTIONS, flag
from mathdl.cli.recipes import get_recipe, trainable
from mathdl.train import Trainer

MODELS = models.available()
# other training paths inside one model: WGAN-GP's critic schedule, DCGAN's convolutions and batch
# norm, the denoising autoencoder's random corruption
VARIANTS = [
    ("gan", {"kind": "wgan-gp"}),
    ("gan", {"kind": "dcgan", "width": 4}),
    ("ae", {"kind": "denoising"}),
]
CASES = [(name, {}) for name in MODELS] + VARIANTS


def tiny_argv(name, out, *extra, model_args=None):
    argv = ["train", "--model", name, "--out", str(out), "--verbose", "0", "--no-plots"]
    for key, value in get_recipe(name).tiny_for(name).items():
        if key == "model_args":
            for arg, item in {**value, **(model_args or {})}.items():
                argv += ["--model-arg", f"{arg}={item if isinstance(item, str) else json.dumps(item)}"]
        else:
            argv += [flag(key), str(value)]
    return argv + list(extra)


@pytest.fixture(scope="module")
def straight_runs(tmp_path_factory):
    """Uninterrupted tiny runs, one per model, made on first use."""
    folder = tmp_path_factory.mktemp("straight")
    made = {}

    def run(name, model_args=None):
        key = name + "".join(f"-{k}={v}" for k, v in (model_args or {}).items())
        if key not in made:
            out = folder / key
            assert main(tiny_argv(name, out, model_args=model_args)) == 0
            made[key] = out
        return made[key]

    return run


def assert_same(a, b, where="checkpoint"):
    """Recursive bit-for-bit equality of two loaded checkpoints."""
    if isinstance(a, dict):
        assert set(a) == set(b), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{index}]")
    elif hasattr(a, "shape") or hasattr(a, "array"):
        x, y = np.asarray(getattr(a, "array", a)), np.asarray(getattr(b, "array", b))
        assert x.dtype == y.dtype and x.shape == y.shape, where
        np.testing.assert_array_equal(x, y, err_msg=where)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def interrupt_at(monkeypatch, epoch, step):
    """Send this process a real SIGINT during step ``step`` (1-based) of epoch ``epoch`` (0-based)."""
    original = Trainer.run_step
    seen = {"n": 0}

    def run_step(self, batch):
        if self.epoch == epoch:
            seen["n"] += 1
            if seen["n"] == step:
                os.kill(os.getpid(), signal.SIGINT)
        return original(self, batch)

    monkeypatch.setattr(Trainer, "run_step", run_step)


def test_every_registered_model_has_a_recipe():
    assert sorted(MODELS) == trainable()


CASE_IDS = [name + "".join(f"-{v}" for v in args.values()) for name, args in CASES]


@pytest.mark.parametrize("name, model_args", CASES, ids=CASE_IDS)
def test_interrupted_then_resumed_equals_the_uninterrupted_run(
    name, model_args, tmp_path, monkeypatch, straight_runs, capsys
):
    out = tmp_path / "run"
    interrupt_at(monkeypatch, epoch=1, step=2)
    assert main(tiny_argv(name, out, model_args=model_args)) == 130
    assert "continue with 'mathdl train --resume" in capsys.readouterr().err
    assert md.load(out / "checkpoint.npz")["epoch"] == 1
    monkeypatch.undo()
    assert main(["train", "--resume", str(out), "--verbose", "0"]) == 0  # this time with its figures
    assert all((out / name).stat().st_size > 0 for name in get_recipe(name).figure_names)
    resumed = md.load(out / "checkpoint.npz")
    straight = md.load(straight_runs(name, model_args) / "checkpoint.npz")
    assert resumed["epoch"] == straight["epoch"] == 2
    assert_same(resumed, straight)
    assert (out / "history.csv").read_text() == (straight_runs(name, model_args) / "history.csv").read_text()


@pytest.mark.parametrize("name", MODELS)
def test_out_never_overwrites_a_run(name, straight_runs, capsys):
    out = straight_runs(name)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
    assert main(tiny_argv(name, out)) == 2
    assert f"{out} already holds a run; use --resume" in capsys.readouterr().err
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()} == before


@pytest.mark.parametrize("name", MODELS)
def test_an_option_that_does_not_apply_is_refused_naming_those_that_do(name, tmp_path, capsys):
    recipe = get_recipe(name)
    option = next(o for o in OPTIONS if o not in recipe.options)
    value = {"optimizer": "sgd", "dataset": "mnist", "corpus": "shakespeare"}.get(option, "2")
    assert main(tiny_argv(name, tmp_path / "run", flag(option), value)) == 2
    error = capsys.readouterr().err
    assert f"{flag(option)} does not apply to --model {name}" in error
    assert all(flag(o) in error for o in recipe.options)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", MODELS)
def test_a_non_finite_loss_stops_once_keeping_the_last_good_checkpoint(name, tmp_path, monkeypatch, capsys):
    original = Trainer.run_step

    def poisoned(self, batch):
        if self.epoch == 1:  # the parameters turn NaN in epoch 2: the loss follows
            for parameter in self.model.parameters():
                parameter.array[...] = np.nan
        return original(self, batch)

    monkeypatch.setattr(Trainer, "run_step", poisoned)
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy overflow/invalid warnings leak
        code = main(tiny_argv(name, out, "--epochs", "3"))
    assert code == 1
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("non-finite loss") == 1
    assert "epoch 2, step 1" in captured.err or "block 2, step 1" in captured.err
    saved = md.load(out / "checkpoint.npz")
    assert saved["epoch"] == 1
    assert all(np.isfinite(np.asarray(getattr(v, "array", v))).all() for v in saved["model"].values())
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and "non-finite loss" in metrics["stop_reason"]


@pytest.mark.parametrize("name", MODELS)
def test_evaluate_and_generate_work_or_name_the_command_that_fits(name, straight_runs, tmp_path, capsys):
    out = straight_runs(name)
    recipe = get_recipe(name)
    capsys.readouterr()
    if recipe.evaluates:
        assert main(["evaluate", str(out), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["model"] == name and result["epoch"] == 2
        metrics = json.loads((out / "metrics.json").read_text())
        shared = set(result) & set(metrics) - {"model", "epochs"}
        for key in shared:  # evaluate reproduces the numbers the training run reported
            if isinstance(result[key], float):
                assert result[key] == pytest.approx(metrics[key], rel=1e-5), key
    else:
        assert main(["evaluate", str(out)]) == 2
        assert f"mathdl generate {out}" in capsys.readouterr().err
    if recipe.generates:
        prompt = ["--prompt", "3 March 1998"] if name.startswith("seq2seq") else []
        image = tmp_path / "generated.png"
        assert main(["generate", str(out), "--length", "20", "--output", str(image), *prompt]) == 0
        printed = capsys.readouterr().out
        assert printed.strip()
    else:
        assert main(["generate", str(out)]) == 2
        assert f"mathdl evaluate {out}" in capsys.readouterr().err
