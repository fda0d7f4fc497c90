"""Layers: each a Module that holds parameters and calls ``mathdl.nn.functional``."""

from mathdl.nn.layers.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from mathdl.nn.layers.attention import (
    MultiheadAttention,
)
from mathdl.nn.layers.batchnorm import (
    BatchNorm1d,
    BatchNorm2d,
)
from mathdl.nn.layers.conv import (
    Conv2d,
    ConvTranspose2d,
)
from mathdl.nn.layers.convolution1d import (
    AvgPool1d,
    Conv1d,
    MaxPool1d,
)
from mathdl.nn.layers.distance import (
    CosineSimilarity,
    PairwiseDistance,
)
from mathdl.nn.layers.dropout import (
    Dropout,
    Dropout2d,
)
from mathdl.nn.layers.embedding import (
    Embedding,
)
from mathdl.nn.layers.flatten import (
    Flatten,
    Identity,
)
from mathdl.nn.layers.layernorm import (
    GroupNorm,
    LayerNorm,
)
from mathdl.nn.layers.lazy import (
    LazyConv2d,
    LazyLinear,
    UninitializedParameter,
)
from mathdl.nn.layers.linear import (
    Linear,
)
from mathdl.nn.layers.padding import (
    CircularPad1d,
    CircularPad2d,
    ConstantPad1d,
    ConstantPad2d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    ZeroPad1d,
    ZeroPad2d,
)
from mathdl.nn.layers.pooling import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    MaxPool2d,
)
from mathdl.nn.layers.recurrent import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    RNNCell,
)
from mathdl.nn.layers.sync_batchnorm import SyncBatchNorm
from mathdl.nn.layers.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "CELU",
    "CircularPad1d",
    "CircularPad2d",
    "ConstantPad1d",
    "ConstantPad2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CosineSimilarity",
    "Dropout",
    "Dropout2d",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "GLU",
    "GRU",
    "GRUCell",
    "GroupNorm",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Identity",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "LazyConv2d",
    "LazyLinear",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MaxPool1d",
    "MaxPool2d",
    "Mish",
    "MultiheadAttention",
    "PairwiseDistance",
    "RNN",
    "RNNCell",
    "ReLU",
    "ReLU6",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softsign",
    "SyncBatchNorm",
    "Tanh",
    "Tanhshrink",
    "Threshold",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "UninitializedParameter",
    "ZeroPad1d",
    "ZeroPad2d",
]
