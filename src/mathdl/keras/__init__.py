"""A Keras 3 facade on mathdl: Keras code runs with only its imports changed.

    from mathdl import keras
    from mathdl.keras import layers, ops

    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    model = keras.Model(inputs, layers.Dense(10)(x))
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    model.fit(x_train, y_train, epochs=2)

Layers translate onto ``mathdl`` ops with weights in Keras's layout, ``fit`` runs
``mathdl.train.Trainer``, optimisers are ``mathdl.optim`` with Keras's defaults, ``keras.ops`` is
mathdl's differentiable ops, ``model.save`` writes mathdl's own ``.keras`` zip (config JSON + npz
weights; not Keras's format). See docs/keras.md for what is and is not there.
"""

from mathdl.keras import (
    activations,
    backend,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    saving,
    utils,
)
from mathdl.keras.base_layer import Layer, Variable
from mathdl.keras.functional import Input, InputLayer, KerasTensor
from mathdl.keras.functional_model import Functional
from mathdl.keras.initializers import Initializer
from mathdl.keras.losses import Loss
from mathdl.keras.metrics import Metric
from mathdl.keras.models import Model, Sequential
from mathdl.keras.optimizers import Optimizer


def version():
    """The Keras API version the facade follows, and that it is mathdl's facade."""
    return "3 (mathdl facade)"


__all__ = [
    "Initializer",
    "Loss",
    "Metric",
    "Optimizer",
    "version",
    "Functional",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "Model",
    "Sequential",
    "Variable",
    "activations",
    "backend",
    "callbacks",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "random",
    "saving",
    "utils",
]
