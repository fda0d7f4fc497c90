"""The fit loop: it learns, resumes exactly, stops on NaN keeping the last good checkpoint."""

import io

import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.nn import functional as F
from mathdl.train import (
    Callback,
    EarlyStopping,
    LambdaCallback,
    ModelCheckpoint,
    TimeBudget,
    Trainer,
    load_checkpoint,
)
from mathdl.train import callbacks as callbacks_module


def blobs(n=600, classes=3, features=20, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 2.0, (classes, features))
    labels = rng.integers(0, classes, n)
    x = (centres[labels] + rng.normal(0, 1.0, (n, features))).astype(np.float32)
    return x, labels.astype(np.int64)


def mlp(features=20, classes=3, dropout=0.2):
    return nn.Sequential(nn.Linear(features, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, classes))


def loaders(batch_size=32):
    x, y = blobs()
    train = DataLoader(TensorDataset(x[:500], y[:500]), batch_size=batch_size, shuffle=True)
    val = DataLoader(TensorDataset(x[500:], y[500:]), batch_size=100)
    return train, val


def test_fit_learns_blobs_and_reports_sample_weighted_means():
    md.manual_seed(0)
    train, val = loaders()
    model = mlp()
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-2), verbose=0)
    history = trainer.fit(train, epochs=5, val_data=val)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert len(history) == 5 and trainer.epoch == 5
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.95
    # evaluate's numbers are means over all samples, whatever the batch size
    by_100 = trainer.evaluate(val)
    by_7 = trainer.evaluate(DataLoader(TensorDataset(*val.dataset.arrays), batch_size=7))
    assert by_100["loss"] == pytest.approx(by_7["loss"], rel=1e-5)
    assert by_100["accuracy"] == pytest.approx(by_7["accuracy"])
    assert by_100["accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert model.training  # evaluate restores the mode it found
    assert trainer.predict(val).shape == (100, 3)


def _run(epochs, checkpoint=None, resume_from=None, seed=0):
    """A run with dropout, shuffling and Adam: every source of state a resume must restore."""
    md.manual_seed(seed)
    train, val = loaders()
    model = mlp()
    optimizer = optim.Adam(model.parameters(), lr=5e-3)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    trainer = Trainer(model, optimizer, scheduler=scheduler, verbose=0)
    if resume_from is not None:
        trainer.load_checkpoint(resume_from)
    callbacks = [ModelCheckpoint(checkpoint)] if checkpoint else []
    trainer.fit(train, epochs, val_data=val, callbacks=callbacks)
    return trainer


def test_resume_continues_exactly_like_an_uninterrupted_run(tmp_path):
    straight = _run(2)
    path = str(tmp_path / "checkpoint.npz")
    _run(1, checkpoint=path)
    # a different seed for the fresh process: everything must come from the checkpoint
    resumed = _run(2, resume_from=path, seed=123)
    assert resumed.epoch == 2
    for (name, a), (_, b) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a.array, b.array, err_msg=name)
    assert straight.history.history == resumed.history.history
    assert straight.optimizer.param_groups[0]["lr"] == resumed.optimizer.param_groups[0]["lr"] == 5e-3 / 4
    content = load_checkpoint(path)
    assert content["config"] == {}  # a plain nn.Sequential has no registry config
    assert content["epoch"] == 1 and content["history"]["history"]["loss"] == straight.history["loss"][:1]


def test_resume_without_restoring_the_rng_would_differ(tmp_path):
    # guards the test above: the RNG state in the checkpoint is what makes it exact
    path = str(tmp_path / "checkpoint.npz")
    _run(1, checkpoint=path)
    md.manual_seed(7)
    train, val = loaders()
    model = mlp()
    optimizer = optim.Adam(model.parameters(), lr=5e-3)
    trainer = Trainer(model, optimizer, scheduler=optim.lr_scheduler.StepLR(optimizer, 1, 0.5), verbose=0)
    trainer.load_checkpoint(path, restore_rng=False)
    trainer.fit(train, 2, val_data=val)
    straight = _run(2)
    assert not np.array_equal(straight.model[0].weight.array, trainer.model[0].weight.array)


def test_non_finite_loss_stops_before_the_update_and_keeps_the_last_good_checkpoint(tmp_path):
    md.manual_seed(0)
    train, _ = loaders()
    model = mlp(dropout=0.0)
    calls = {"n": 0}

    def poisoned_loss(output, target):
        calls["n"] += 1
        loss = F.cross_entropy(output, target)
        return loss * float("nan") if calls["n"] == len(train) + 3 else loss  # epoch 2, step 3

    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), loss_fn=poisoned_loss, verbose=0)
    path = str(tmp_path / "last.npz")
    ends = []
    history = trainer.fit(
        train, 5, callbacks=[ModelCheckpoint(path), LambdaCallback(on_train_end=ends.append)]
    )
    assert (
        trainer.stop_training
        and "non-finite loss" in trainer.stop_reason
        and "epoch 2, step 3" in trainer.stop_reason
    )
    assert "checkpoints written so far hold epoch 1" in trainer.stop_reason
    assert len(history) == 1 and trainer.epoch == 1 and len(ends) == 1
    assert all(np.isfinite(p.array).all() for p in model.parameters())
    saved = load_checkpoint(path)
    assert saved["epoch"] == 1
    assert all(np.isfinite(v).all() for v in saved["model"].values())


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    model = nn.Linear(2, 1)

    class FakeTrainer:
        stop_training = False
        progress = None

    FakeTrainer.model = model
    stopper = EarlyStopping("val_loss", patience=2, restore_best_weights=True)
    stopper.set_trainer(FakeTrainer())
    stopper.on_train_begin()
    for epoch, value in enumerate([1.0, 0.8, 0.9, 0.85, 0.7]):
        model.weight.array[...] = epoch
        stopper.on_epoch_end(epoch, {"val_loss": value})
        if stopper.trainer.stop_training:
            break
    assert stopper.stopped_epoch == 3 and stopper.best == 0.8 and stopper.best_epoch == 1
    stopper.on_train_end()
    assert np.all(model.weight.array == 1)


def test_early_stopping_in_the_loop_and_model_checkpoint_best_only(tmp_path):
    md.manual_seed(0)
    train, val = loaders()
    model = mlp()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.05), verbose=0)

    class WorseningValidation(Callback):  # makes val_loss rise after epoch 2
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = [0.5, 0.4, 0.6, 0.7, 0.8, 0.9][epoch]

    best = ModelCheckpoint(str(tmp_path / "best-{epoch}.npz"), save_best_only=True)
    history = trainer.fit(
        train, 6, val_data=val, callbacks=[WorseningValidation(), best, EarlyStopping(patience=2)]
    )
    assert len(history) == 4 and trainer.stop_reason == "callback"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-1.npz", "best-2.npz"]
    assert best.last_path.endswith("best-2.npz")


@pytest.mark.parametrize("seconds, epochs_run", [(100.0, 4), (90.0, 4), (89.5, 3), (10.0, 1)])
def test_time_budget_stops_when_one_more_slowest_epoch_would_pass_it(monkeypatch, seconds, epochs_run):
    # a clock that only the epochs advance: they last 10, 30, 20, 25, 5, 5 s. After epoch e the run
    # has used 10, 40, 60, 85 s and the slowest epoch took 10, 30, 30, 30 s.
    now = [0.0]
    durations = [10.0, 30.0, 20.0, 25.0, 5.0, 5.0]
    monkeypatch.setattr(callbacks_module.time, "perf_counter", lambda: now[0])
    advance = LambdaCallback(on_epoch_end=lambda epoch, logs: now.__setitem__(0, now[0] + durations[epoch]))
    md.manual_seed(0)
    train, _ = loaders(batch_size=250)
    model = mlp()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), verbose=0)
    history = trainer.fit(train, epochs=6, callbacks=[advance, TimeBudget(seconds)])
    assert len(history) == epochs_run
    with pytest.raises(TypeError, match="TimeBudget: seconds must be a number"):
        TimeBudget("15 minutes")


def test_callbacks_see_the_trainer_and_batch_hooks_only_when_overridden():
    md.manual_seed(0)
    train, _ = loaders(batch_size=100)
    model = mlp()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), verbose=0)
    seen = []
    trainer.fit(
        train,
        2,
        callbacks=[LambdaCallback(on_train_batch_end=lambda b, logs: seen.append((b, logs["size"])))],
    )
    assert seen == [(0, 100), (1, 100), (2, 100), (3, 100), (4, 100)] * 2


def test_progress_prints_one_line_per_epoch_to_a_file():
    md.manual_seed(0)
    train, val = loaders()
    model = mlp()
    stream = io.StringIO()
    Trainer(model, optim.SGD(model.parameters(), lr=0.1), stream=stream).fit(train, 3, val_data=val)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and all(
        line.startswith(f"Epoch {i + 1}/3 - 16/16") for i, line in enumerate(lines)
    )
    assert "\r" not in stream.getvalue() and all("val_accuracy" in line for line in lines)


def test_misuse_raises_clear_errors():
    model = mlp()
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        trainer.fit([], -1)
    with pytest.raises(TypeError, match="callbacks"):
        trainer.fit([], 1, callbacks=[print])
    with pytest.raises(TypeError, match=r"\(inputs, targets\)"):
        trainer.fit([np.zeros((2, 20), np.float32)], 1)
    with pytest.raises(ValueError, match="no batches"):
        trainer.fit([], 1)
    with pytest.raises(TypeError, match="optimizer"):
        Trainer(model, "adam")
    with pytest.raises(ValueError, match="no optimizer"):
        Trainer(model, None).fit([], 1)


class WorseningValidation(Callback):
    """Overrides val_loss with a fixed sequence that improves for two epochs, then worsens."""

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = [0.5, 0.4, 0.6, 0.7, 0.8, 0.9][epoch]


def test_a_resumed_run_keeps_the_callbacks_state_so_early_stopping_stops_at_the_same_epoch(tmp_path):
    def run(epochs, resume_from=None, checkpoint=None):
        md.manual_seed(0)
        train, val = loaders()
        model = mlp()
        trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.05), verbose=0)
        if resume_from:
            trainer.load_checkpoint(resume_from)
        callbacks = [WorseningValidation(), EarlyStopping(patience=2)]
        if checkpoint:
            callbacks.insert(1, ModelCheckpoint(checkpoint))  # before EarlyStopping in the list
        trainer.fit(train, epochs, val_data=val, callbacks=callbacks)
        return trainer

    straight = run(6)
    path = str(tmp_path / "c.npz")
    run(3, checkpoint=path)
    resumed = run(6, resume_from=path)
    assert straight.epoch == resumed.epoch == 4  # stops after epoch 4 in both
    assert load_checkpoint(path)["extra"]["callbacks"]["EarlyStopping#0"]["wait"] == 1
    np.testing.assert_array_equal(straight.model[0].weight.array, resumed.model[0].weight.array)


def test_a_custom_strategy_gets_weighted_means_named_optimisers_and_exact_resume(tmp_path):
    from mathdl.train import StepStrategy

    class TwoModels(StepStrategy):
        """A step with two optimisers; 'second' reports on every other batch only."""

        optimizer_names = ("first", "second")

        def __init__(self):
            self.steps = 0

        def train_step(self, batch):
            inputs, targets = batch
            loss = F.cross_entropy(self.model(inputs), targets)
            value = self.finite("loss", loss)
            self.update(loss, "first")
            self.steps += 1
            logs = {"loss": value}
            if self.steps % 2 == 0:
                extra = (self.model[0].weight ** 2).sum() * 1e-3
                logs["penalty"] = self.finite("penalty", extra)
                self.update(extra, "second")
            return logs, inputs.shape[0]

        def state_dict(self):
            return {"steps": self.steps}

        def load_state_dict(self, state):
            self.steps = state["steps"]

    def run(epochs, resume_from=None, checkpoint=None):
        md.manual_seed(0)
        train, _ = loaders(batch_size=100)
        model = mlp()
        optimizers = {
            "first": optim.Adam(model.parameters(), lr=1e-2),
            "second": optim.SGD(model[0].parameters(), lr=0.1, momentum=0.9),
        }
        trainer = Trainer(model, optimizers, strategy=TwoModels(), verbose=0)
        if resume_from:
            trainer.load_checkpoint(resume_from)
        trainer.fit(train, epochs, callbacks=[ModelCheckpoint(checkpoint)] if checkpoint else [])
        return trainer

    straight = run(3)
    # 5 batches of 100 per epoch: 'penalty' is the mean over the batches that reported it
    assert len(straight.history["penalty"]) == 3 and straight.strategy.steps == 15
    path = str(tmp_path / "c.npz")
    run(2, checkpoint=path)
    assert set(load_checkpoint(path)["optimizer"]) == {"first", "second"}
    resumed = run(3, resume_from=path)
    assert resumed.strategy.steps == 15
    np.testing.assert_array_equal(straight.model[0].weight.array, resumed.model[0].weight.array)
    assert straight.history.history == resumed.history.history
    with pytest.raises(ValueError, match="give loss_fn to the strategy"):
        Trainer(mlp(), optim.SGD(mlp().parameters(), lr=0.1), loss_fn=F.cross_entropy, strategy=TwoModels())
