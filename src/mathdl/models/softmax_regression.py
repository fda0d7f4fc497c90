"""Softmax regression (multinomial logistic regression): one affine map to class scores.

    z = W vec(x) + b,      p(y = k | x) = softmax(z)_k = exp(z_k) / Σ_j exp(z_j)

trained by minimising the cross-entropy −log p(y | x), whose gradient with respect to the scores
is p − onehot(y). The model returns the scores z (logits); the loss applies the log-softmax
(``F.cross_entropy``), which is the numerically stable way to compute −log softmax(z)_y.
Initialisation as in Dive into Deep Learning (§3.7): W ~ N(0, 0.01²), b = 0.
"""

from mathdl import nn
from mathdl.models.registry import register


@register("softmax")
class SoftmaxRegression(nn.Module):
    """Flatten the input (N, …) to (N, in_features), then a Linear layer to ``num_classes``
    logits. ``init_std``: standard deviation of the normal initial weights."""

    def __init__(self, in_features=784, num_classes=10, init_std=0.01):
        super().__init__()
        if init_std < 0:
            raise ValueError(f"SoftmaxRegression: init_std must be >= 0, got {init_std}")
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(in_features, num_classes)
        nn.init.normal_(self.linear.weight, 0.0, init_std)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x):
        """x (N, …) with prod(…) = in_features → logits (N, num_classes)."""
        x = self.flatten(x)
        if x.shape[-1] != self.linear.in_features:
            raise ValueError(
                f"SoftmaxRegression: expected inputs with {self.linear.in_features} "
                f"features per sample, got {x.shape[-1]}"
            )
        return self.linear(x)
