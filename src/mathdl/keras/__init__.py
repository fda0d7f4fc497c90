"""A Keras-style facade on mathdl: the classic book examples run with only their imports changed.

    from mathdl.keras import models, layers
    from mathdl.keras.utils import to_categorical
    from mathdl.keras.datasets import mnist          # or fashion_mnist

Layers translate onto ``mathdl.nn``, ``fit`` runs ``mathdl.train.Trainer``, optimisers are
``mathdl.optim`` with Keras's defaults (RMSprop rho 0.9, ε 1e-7; Adam ε 1e-7).
"""

from mathdl.keras import backend, callbacks, datasets, layers, losses, models, optimizers, utils
from mathdl.keras.layers import Input
from mathdl.keras.models import Sequential

__all__ = [
    "Input",
    "Sequential",
    "backend",
    "callbacks",
    "datasets",
    "layers",
    "losses",
    "models",
    "optimizers",
    "utils",
]
