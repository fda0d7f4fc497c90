"""Layers: each a Module that composes the ops of ``mathdl.nn.functional``."""
from mathdl.nn.layers.activation import (ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus,
                                         Tanh)
from mathdl.nn.layers.batchnorm import BatchNorm1d, BatchNorm2d
from mathdl.nn.layers.dropout import Dropout, Dropout2d
from mathdl.nn.layers.flatten import Flatten, Identity
from mathdl.nn.layers.linear import Linear

__all__ = ["BatchNorm1d", "BatchNorm2d", "Dropout", "Dropout2d", "ELU", "Flatten", "Identity", "LeakyReLU",
           "Linear", "LogSoftmax", "ReLU", "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh"]
