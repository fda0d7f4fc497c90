"""``mathdl.nn.functional`` (import as ``F``): stateless layers and losses, PyTorch's names.

import mathdl.nn.functional as F
loss = F.cross_entropy(F.linear(x, w, b), labels)
"""

from mathdl.nn.functional.activation import (
    celu,
    dropout,
    dropout2d,
    elu,
    gelu,
    glu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    one_hot,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from mathdl.nn.functional.attention import scaled_dot_product_attention
from mathdl.nn.functional.convolution1d import avg_pool1d, conv1d, max_pool1d
from mathdl.nn.functional.distance import cosine_similarity, normalize, pairwise_distance
from mathdl.nn.functional.linear import linear
from mathdl.nn.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from mathdl.nn.functional.normalization import batch_norm, group_norm, layer_norm
from mathdl.nn.functional.padding import pad
from mathdl.nn.functional.sequence_loss import sequence_cross_entropy
from mathdl.nn.functional.sparse import embedding
from mathdl.ops.convolution import conv2d, conv_transpose2d
from mathdl.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "elu",
    "embedding",
    "gelu",
    "glu",
    "group_norm",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "mish",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "relu",
    "relu6",
    "scaled_dot_product_attention",
    "selu",
    "sequence_cross_entropy",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
]
