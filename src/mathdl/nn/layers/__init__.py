"""Layers: each a Module that composes the ops of ``mathdl.nn.functional``."""

from mathdl.nn.layers.activation import (
    ELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from mathdl.nn.layers.attention import MultiheadAttention
from mathdl.nn.layers.batchnorm import BatchNorm1d, BatchNorm2d
from mathdl.nn.layers.conv import Conv2d, ConvTranspose2d
from mathdl.nn.layers.dropout import Dropout, Dropout2d
from mathdl.nn.layers.embedding import Embedding
from mathdl.nn.layers.flatten import Flatten, Identity
from mathdl.nn.layers.layernorm import LayerNorm
from mathdl.nn.layers.linear import Linear
from mathdl.nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from mathdl.nn.layers.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from mathdl.nn.layers.sync_batchnorm import SyncBatchNorm
from mathdl.nn.layers.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "Conv2d",
    "ConvTranspose2d",
    "Embedding",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "MaxPool2d",
    "MultiheadAttention",
    "RNN",
    "RNNCell",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "BatchNorm1d",
    "BatchNorm2d",
    "Dropout",
    "Dropout2d",
    "ELU",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "SyncBatchNorm",
    "Tanh",
]
