"""The InformationPlane callback records every watched layer's coordinates at the chosen epochs."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.probes import InformationPlane
from mathdl.stats import mutual_information_binned
from mathdl.train import Trainer


def test_records_layers_at_the_chosen_epochs():
    md.manual_seed(0)
    bits = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float32)
    labels = (bits.sum(1) > 4).astype(np.int64)
    model = nn.Sequential(nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3), nn.Tanh(), nn.Linear(3, 2))
    probe = InformationPlane(bits, labels, [model[1], model[3]], epochs=[0, 4], kde_epochs=[4])
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=0.01), verbose=0)
    trainer.fit(DataLoader(TensorDataset(bits, labels), batch_size=32, shuffle=True), 5, callbacks=[probe])
    epochs, binned = probe.as_arrays("binned")
    np.testing.assert_array_equal(epochs, [-1, 0, 4])
    assert binned.shape == (3, 3, 2)  # two hidden layers and the softmax output
    assert np.all(binned[:, :, 0] <= math.log2(256) + 1e-9) and np.all(binned[:, :, 1] <= 1 + 1e-9)
    kde_epochs, kde = probe.as_arrays("kde")
    np.testing.assert_array_equal(kde_epochs, [4])
    # the recorded value is the estimator applied to the layer's activations after that epoch
    hidden = np.tanh(model[0](md.tensor(bits)).array)
    assert binned[-1, 0] == pytest.approx(mutual_information_binned(hidden, labels, base=2))
    assert model.training  # the probe restores the training mode


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="inputs but"):
        InformationPlane(np.zeros((4, 2)), np.zeros(3), [])
    with pytest.raises(ValueError, match="at least one layer"):
        InformationPlane(np.zeros((4, 2)), np.zeros(4), [], include_output=False)
