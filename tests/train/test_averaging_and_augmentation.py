"""Ensembles, snapshot ensembles and SWA as callbacks of the Trainer; batch-level augmentation as
its step (AugmentedSupervised)."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.data import transforms as T
from mathdl.nn import functional as F
from mathdl.optim.lr_scheduler import CosineAnnealingWarmRestarts
from mathdl.optim.swa_utils import SWALR
from mathdl.train import (
    AugmentedSupervised,
    LambdaCallback,
    ModelCheckpoint,
    SnapshotEnsemble,
    StochasticWeightAveraging,
    Trainer,
    ensemble_probabilities,
    predict_probabilities,
)


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1, 4, 4)).astype(np.float32)
    y = (x.reshape(n, -1)[:, :3].sum(1) > 0).astype(np.int64) + (x[:, 0, 0, 0] > 1)
    return x, y


def _model(batchnorm=False):
    layers = [nn.Flatten(), nn.Linear(16, 12)]
    layers += [nn.BatchNorm1d(12)] if batchnorm else []
    return nn.Sequential(*layers, nn.ReLU(), nn.Linear(12, 3))


def _weights(model):
    return {k: np.array(v.array, copy=True) for k, v in model.state_dict().items()}


def test_augmented_step_transforms_training_batches_only():
    x, y = _data()
    seen = []

    def zero_images(inputs, targets):
        seen.append(inputs.shape[0])
        return inputs * 0.0, targets

    md.manual_seed(0)
    model = _model()
    trainer = Trainer(
        model, optim.SGD(model.parameters(), lr=0.0), strategy=AugmentedSupervised(zero_images), verbose=0
    )
    loader = DataLoader(TensorDataset(x, y), 32)
    history = trainer.fit(loader, 1, val_data=loader)
    assert seen == [32, 32, 32]  # validation did not go through the transform
    bias_only = F.cross_entropy(model(md.tensor(np.zeros_like(x))), md.tensor(y))
    np.testing.assert_allclose(history.history["loss"][0], float(bias_only.array), rtol=1e-5)
    assert history.history["val_loss"][0] != pytest.approx(history.history["loss"][0])
    with pytest.raises(TypeError, match="batch_transform"):
        AugmentedSupervised(None)


def test_mixup_training_uses_soft_targets_and_learns():
    x, y = _data(192)
    md.manual_seed(0)
    model = _model()
    step = AugmentedSupervised(T.MixUp(alpha=0.4, num_classes=3))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=0.02), strategy=step, verbose=0)
    trainer.fit(DataLoader(TensorDataset(x, y), 32, shuffle=True), 15)
    assert trainer.evaluate(DataLoader(TensorDataset(x, y), 64))["accuracy"] > 0.8


def test_ensemble_probabilities_are_the_mean_of_the_members_softmax():
    x, _ = _data(10)
    md.manual_seed(0)
    members = [_model(), _model()]
    loader = DataLoader(x, 4)
    p = ensemble_probabilities(members, loader)
    each = [predict_probabilities(m, loader) for m in members]
    np.testing.assert_allclose(p, (each[0] + each[1]) / 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    logits = members[0](md.tensor(x)).array.astype(np.float64)
    np.testing.assert_allclose(each[0], np.exp(logits) / np.exp(logits).sum(1, keepdims=True), rtol=1e-6)
    with pytest.raises(ValueError, match="at least one"):
        ensemble_probabilities([], loader)


def test_snapshot_ensemble_saves_at_the_end_of_every_cosine_cycle():
    x, y = _data()
    md.manual_seed(0)
    model = _model()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    snapshots = SnapshotEnsemble(cycle_epochs=2)
    trainer = Trainer(model, optimizer, scheduler=CosineAnnealingWarmRestarts(optimizer, T_0=2), verbose=0)
    history = trainer.fit(DataLoader(TensorDataset(x, y), 32, shuffle=True), 6, callbacks=[snapshots])
    assert snapshots.snapshot_epochs == [1, 3, 5]
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.1, 0.05, 0.1, 0.05])  # restarts
    for name, value in _weights(model).items():
        np.testing.assert_array_equal(snapshots.snapshots[-1][name], value)
    members = snapshots.models()
    loader = DataLoader(x, 32)
    np.testing.assert_allclose(snapshots.predict_proba(loader), ensemble_probabilities(members, loader))
    assert len(snapshots.models(last=2)) == 2
    with pytest.raises(ValueError, match="cycle_epochs"):
        SnapshotEnsemble(0)


def test_swa_callback_averages_the_weights_of_the_swa_epochs():
    x, y = _data()
    md.manual_seed(0)
    model = _model(batchnorm=True)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    recorded = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: recorded.append(_weights(model)))
    bn_loader = DataLoader(x, 32)
    swa = StochasticWeightAveraging(swa_lr=0.02, swa_start=2, anneal_epochs=1, bn_data=bn_loader)
    trainer = Trainer(model, optimizer, verbose=0)
    history = trainer.fit(DataLoader(TensorDataset(x, y), 32, shuffle=True), 5, callbacks=[record, swa])
    assert isinstance(trainer.scheduler, SWALR)
    # SWALR (PyTorch's): the first SWA epoch starts the one-epoch anneal from 0.1, then 0.02
    np.testing.assert_allclose(history.history["lr"][2:], [0.1, 0.02, 0.02])  # no lr logged before
    averaged = swa.averaged_model.module
    for name, parameter in averaged.named_parameters():
        expected = np.mean([w[name] for w in recorded[2:]], axis=0)
        np.testing.assert_allclose(parameter.array, expected, rtol=1e-5, atol=1e-6)
    # BatchNorm statistics recomputed for the averaged weights (cumulative over one pass)
    hidden = averaged[1](averaged[0](md.tensor(x))).array
    np.testing.assert_allclose(averaged[2].running_mean.array, hidden.mean(0), rtol=1e-4, atol=1e-5)
    assert int(swa.averaged_model.n_averaged.array) == 3


def test_snapshots_and_swa_resume_from_a_checkpoint_exactly(tmp_path):
    x, y = _data(64)
    path = str(tmp_path / "checkpoint.npz")

    def run(epochs, resume=False):
        md.manual_seed(0)
        model = _model(batchnorm=True)
        trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), verbose=0)
        snapshots, swa = SnapshotEnsemble(1), StochasticWeightAveraging(swa_lr=0.05, swa_start=1)
        if resume:
            trainer.load_checkpoint(path)
        loader = DataLoader(TensorDataset(x, y), 16, shuffle=True)
        trainer.fit(loader, epochs, callbacks=[snapshots, swa, ModelCheckpoint(path)])
        return snapshots, swa

    run(2)
    resumed = run(4, resume=True)
    straight = run(4)
    assert resumed[0].snapshot_epochs == straight[0].snapshot_epochs == [0, 1, 2, 3]
    for ours, theirs in zip(resumed[0].snapshots, straight[0].snapshots):
        for name in theirs:
            np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-6)
    for ours, theirs in zip(resumed[1].averaged_model.parameters(), straight[1].averaged_model.parameters()):
        np.testing.assert_allclose(ours.array, theirs.array, rtol=1e-6)
