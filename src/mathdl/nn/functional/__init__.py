"""``mathdl.nn.functional`` (import as ``F``): stateless layers and losses, PyTorch's names.

import mathdl.nn.functional as F
loss = F.cross_entropy(F.linear(x, w, b), labels)
"""

from mathdl.nn.functional.activation import (
    dropout,
    dropout2d,
    elu,
    leaky_relu,
    log_softmax,
    one_hot,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
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
from mathdl.nn.functional.normalization import batch_norm
from mathdl.nn.functional.resampling import (
    affine_grid,
    grid_sample,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from mathdl.nn.functional.style import content_loss, gram_matrix, style_loss, total_variation
from mathdl.nn.layers.attention import scaled_dot_product_attention
from mathdl.nn.layers.embedding import embedding
from mathdl.nn.layers.layernorm import layer_norm
from mathdl.nn.sequence import sequence_cross_entropy
from mathdl.ops.convolution import conv2d, conv_transpose2d
from mathdl.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "content_loss",
    "gram_matrix",
    "style_loss",
    "total_variation",
    "affine_grid",
    "grid_sample",
    "interpolate",
    "pixel_shuffle",
    "pixel_unshuffle",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "conv2d",
    "conv_transpose2d",
    "embedding",
    "layer_norm",
    "max_pool2d",
    "scaled_dot_product_attention",
    "sequence_cross_entropy",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "elu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]
