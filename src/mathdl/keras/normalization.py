"""Keras's ``BatchNormalization`` on ``nn.BatchNorm1d``/``BatchNorm2d``.

Over the batch (and spatial) axes, for each feature c of the last axis (Keras's ``axis=-1``):

    training:   y = γ (x − μ_B) / √(σ²_B + ε) + β,   moving ← ρ · moving + (1 − ρ) · batch statistic
    inference:  y = γ (x − moving_mean) / √(moving_variance + ε) + β

Keras's defaults: ρ (``momentum``) = 0.99, ε = 1e-3, so nn's momentum is 1 − ρ = 0.01. One
difference remains: the moving variance is updated with the unbiased batch variance
σ²_B · M/(M − 1) (PyTorch's rule, M values per feature) where Keras uses σ²_B; for a batch of 128
they differ by 0.8% and only in inference. ``get_weights`` returns Keras's four arrays
[gamma, beta, moving_mean, moving_variance]; the last two are not trained.
"""

from mathdl.keras.layers import Layer, format_shape
from mathdl.nn.layers.batchnorm import BatchNorm1d, BatchNorm2d


class BatchNormalization(Layer):
    """``BatchNormalization(axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True)``
    for inputs (None, C), (None, T, C) or (None, H, W, C)."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if axis != -1:
            raise ValueError(f"BatchNormalization: only axis=-1 (channels last) is supported, got {axis}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1], got {momentum}")
        if not center or not scale:
            raise ValueError("BatchNormalization: center=False / scale=False are not supported")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.norm = None

    def build(self, input_shape):
        if len(input_shape) not in (2, 3, 4) or input_shape[-1] is None:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape (None, C), "
                f"(None, T, C) or (None, H, W, C), found {format_shape(input_shape)}"
            )
        kind = BatchNorm2d if len(input_shape) == 4 else BatchNorm1d
        self.norm = kind(
            input_shape[-1], eps=self.epsilon, momentum=1.0 - self.momentum, dtype=self.dtype_policy
        )

    def forward(self, x):
        if x.shape[1:] != self.input_shape[1:]:
            self.check_input_shape(x.shape)
        if x.ndim == 2:
            return self.norm(x)
        if x.ndim == 3:  # (N, T, C) ↔ nn's (N, C, T)
            return self.norm(x.transpose(0, 2, 1)).transpose(0, 2, 1)
        return self.norm(x.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1)

    def weight_tensors(self):
        """[gamma, beta, moving_mean, moving_variance], as Keras orders them."""
        return [self.norm.weight, self.norm.bias, self.norm.running_mean, self.norm.running_var]

    def to_keras_layout(self, array):
        return array

    def from_keras_layout(self, array, ndim):
        return array
