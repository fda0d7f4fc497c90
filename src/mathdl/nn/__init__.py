"""``mathdl.nn``: Modules, Parameters, layers, losses and initialisation, with PyTorch's names.

    from mathdl import nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    loss = nn.functional.cross_entropy(model(x), labels)
"""
from mathdl.nn import functional, init, utils
from mathdl.nn.containers import ModuleDict, ModuleList, Sequential
from mathdl.nn.layers import (GRU, LSTM, RNN, AdaptiveAvgPool2d, AvgPool2d, Conv2d, ConvTranspose2d, Embedding,
                              GRUCell, LayerNorm, LSTMCell, MaxPool2d, MultiheadAttention, RNNCell,
                              TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                              TransformerEncoderLayer)
from mathdl.nn.layers import (ELU, BatchNorm1d, BatchNorm2d, Dropout, Dropout2d, Flatten, Identity, LeakyReLU,
                              Linear, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh)
from mathdl.nn.layers.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                                   MSELoss, NLLLoss, SmoothL1Loss)
from mathdl.nn.module import Module, StateDictError
from mathdl.nn.parameter import Parameter
from mathdl.nn.sequence import PositionalEncoding

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "Conv2d", "ConvTranspose2d", "Embedding", "GRU", "GRUCell", "LSTM",
           "LSTMCell", "LayerNorm", "MaxPool2d", "MultiheadAttention", "PositionalEncoding", "RNN", "RNNCell",
           "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer",
           "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "CrossEntropyLoss", "Dropout",
           "Dropout2d", "ELU", "Flatten", "HuberLoss", "Identity", "KLDivLoss", "L1Loss", "LeakyReLU", "Linear",
           "LogSoftmax", "MSELoss", "Module", "ModuleDict", "ModuleList", "NLLLoss", "Parameter", "ReLU",
           "Sequential", "SiLU", "Sigmoid", "SmoothL1Loss", "Softmax", "Softplus", "StateDictError", "Tanh",
           "functional", "init", "utils"]
