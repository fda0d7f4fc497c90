"""The MLP and softmax regression reach stated accuracies on the shipped Fashion-MNIST subset."""

import numpy as np
import pytest

import mathdl as md
from mathdl import models, optim
from mathdl.data import DataLoader, TensorDataset, load_dataset
from mathdl.train import Trainer


@pytest.fixture(scope="module")
def fashion():
    (x_train, y_train), (x_test, y_test) = load_dataset("fashion-mnist-subset")
    x_train = (x_train[:3000].astype(np.float32) / 255)[:, None]
    x_test = (x_test.astype(np.float32) / 255)[:, None]
    return (x_train, y_train[:3000].astype(np.int64)), (x_test, y_test.astype(np.int64))


def _train(model, optimizer, fashion, epochs):
    (x_train, y_train), (x_test, y_test) = fashion
    trainer = Trainer(model, optimizer, verbose=0)
    trainer.fit(DataLoader(TensorDataset(x_train, y_train), 64, shuffle=True), epochs)
    return trainer.evaluate(DataLoader(TensorDataset(x_test, y_test), 500))


def test_mlp_reaches_75_percent_on_the_subset_in_three_epochs(fashion):
    md.manual_seed(0)
    model = models.build("mlp", hidden=[128])
    logs = _train(model, optim.Adam(model.parameters(), lr=2e-3), fashion, 3)
    assert logs["accuracy"] >= 0.75, logs  # measured 0.775 (chance 0.1)


def test_softmax_regression_reaches_73_percent_with_sgd(fashion):
    md.manual_seed(0)
    model = models.build("softmax")
    assert abs(float(model.linear.weight.array.std()) - 0.01) < 0.001
    assert not model.linear.bias.array.any()
    logs = _train(model, optim.SGD(model.parameters(), lr=0.1), fashion, 3)
    assert logs["accuracy"] >= 0.73, logs  # measured 0.756


def test_mlp_structure_and_input_checks():
    model = models.MLP(in_features=12, hidden=[7, 5], num_classes=3, activation="tanh", dropout=0.5)
    assert [p.shape for p in model.parameters()] == [(7, 12), (7,), (5, 7), (5,), (3, 5), (3,)]
    assert model(md.randn(4, 3, 4)).shape == (4, 3)
    with pytest.raises(ValueError, match=r"12 features per sample, got shape \(4, 13\)"):
        model(md.randn(4, 13))
    with pytest.raises(ValueError, match="activation"):
        models.MLP(activation="gelu")
    with pytest.raises(ValueError, match="hidden"):
        models.MLP(hidden=[0])
    with pytest.raises(ValueError, match=r"784 features per sample, got 10"):
        models.SoftmaxRegression()(md.randn(2, 10))
