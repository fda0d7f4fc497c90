"""The model zoo: each model a small file composing ``mathdl.nn`` layers, registered by name.

    from mathdl import models
    models.available()                  # ['mlp', 'softmax', ...]
    model = models.build("mlp", hidden=[256])
"""
from mathdl.models import mlp, softmax_regression  # noqa: F401  (importing registers the models)
from mathdl.models.mlp import MLP
from mathdl.models.registry import UnknownModelError, available, build, from_config, get, register
from mathdl.models.softmax_regression import SoftmaxRegression

__all__ = ["MLP", "SoftmaxRegression", "UnknownModelError", "available", "build", "from_config", "get",
           "register"]
