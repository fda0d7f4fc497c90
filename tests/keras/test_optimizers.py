import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim
from mathdl.keras import optimizers


def test_names_give_keras_defaults():
    assert isinstance(optimizers.get("rmsprop"), optimizers.RMSprop)
    rmsprop = optimizers.RMSprop()
    assert (rmsprop.learning_rate, rmsprop.rho, rmsprop.epsilon) == (0.001, 0.9, 1e-7)
    adam = optimizers.get("adam")
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    assert optimizers.get("sgd").learning_rate == 0.01
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert optimizers.SGD(lr=0.5).learning_rate == 0.5  # Keras 2's legacy name


def test_build_binds_the_mathdl_rule_with_those_hyper_parameters():
    layer = nn.Linear(3, 2)
    bound = optimizers.RMSprop(learning_rate=0.01).build(layer.parameters())
    assert isinstance(bound, optim.RMSprop)
    group = bound.param_groups[0]
    assert (group["lr"], group["alpha"], group["eps"]) == (0.01, 0.9, 1e-7)
    adam = optimizers.Adam().build(nn.Linear(3, 2).parameters())
    assert adam.param_groups[0]["eps"] == 1e-7 and adam.param_groups[0]["betas"] == (0.9, 0.999)


def test_one_rmsprop_step_follows_the_formula():
    layer = nn.Linear(2, 1, bias=False)
    layer.weight.array[...] = [[1.0, -2.0]]
    keras_rmsprop = optimizers.RMSprop(learning_rate=0.1)
    bound = keras_rmsprop.build(layer.parameters())
    g = np.array([[0.5, -3.0]], np.float32)
    layer.weight.grad = md.tensor(g)
    bound.step()
    v = 0.1 * g**2
    np.testing.assert_allclose(layer.weight.array, [[1.0, -2.0]] - 0.1 * g / (np.sqrt(v) + 1e-7), rtol=1e-6)
    assert keras_rmsprop.iterations == 1


def test_unknown_optimizer_or_argument_is_rejected():
    with pytest.raises(ValueError, match="known"):
        optimizers.get("lion")
    with pytest.raises(TypeError, match="unrecognized keyword"):
        optimizers.Adam(beta1=0.8)
    with pytest.raises(TypeError, match="already bound"):
        optimizers.get(optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))
