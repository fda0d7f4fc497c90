"""``mathdl.nn.functional`` (import as ``F``): stateless layers and losses, PyTorch's names.

    import mathdl.nn.functional as F
    loss = F.cross_entropy(F.linear(x, w, b), labels)
"""
from mathdl.nn.functional.activation import (dropout, dropout2d, elu, leaky_relu, log_softmax, one_hot, relu,
                                             sigmoid, silu, softmax, softplus, tanh)
from mathdl.nn.functional.linear import linear
from mathdl.nn.functional.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,
                                       cross_entropy, l1_loss, mse_loss, nll_loss)
from mathdl.nn.functional.normalization import batch_norm

__all__ = ["batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
           "dropout", "dropout2d", "elu", "l1_loss", "leaky_relu", "linear", "log_softmax", "mse_loss", "nll_loss",
           "one_hot", "relu", "sigmoid", "silu", "softmax", "softplus", "tanh"]
