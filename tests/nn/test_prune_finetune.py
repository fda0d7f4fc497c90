"""A tiny MLP with 90 % of its weights pruned and fine-tuned with the Trainer still classifies its synthetic task."""

import numpy as np

import mathdl as md
from mathdl import nn, optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.nn.utils import prune
from mathdl.train import Trainer


def spirals(n=600, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    t = rng.uniform(0.2, 1.0, n)
    angle = 3.0 * t + y * 2 * np.pi / 3
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], 1) + 0.03 * rng.standard_normal((n, 2))
    return x.astype(np.float32), y


def test_pruned_and_finetuned_mlp_keeps_its_accuracy():
    md.manual_seed(0)
    x, y = spirals()
    train = DataLoader(TensorDataset(x[:450], y[:450]), batch_size=32, shuffle=True)
    test = DataLoader(TensorDataset(x[450:], y[450:]), batch_size=150)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=0.01), verbose=0)
    trainer.fit(train, 40)
    dense = trainer.evaluate(test)["accuracy"]
    layers = [(model[0], "weight"), (model[2], "weight"), (model[4], "weight")]
    prune.global_unstructured(layers, pruning_method=prune.L1Unstructured, amount=0.9)
    pruned = trainer.evaluate(test)["accuracy"]
    tuner = Trainer(model, optim.Adam(model.parameters(), lr=0.005), verbose=0)
    tuner.fit(train, 15)
    finetuned = tuner.evaluate(test)["accuracy"]
    kept = sum(float(m.weight_mask.array.sum()) for m, _ in layers)
    total = sum(m.weight_mask.array.size for m, _ in layers)
    assert kept == total - round(0.9 * total)
    assert all(np.all(m.weight.array[m.weight_mask.array == 0] == 0) for m, _ in layers)
    # pruning 90 % of the weights costs accuracy (about 0.6 here); fine-tuning the survivors restores it
    assert dense > 0.95 and pruned < 0.9 and finetuned > 0.95, (dense, pruned, finetuned)
