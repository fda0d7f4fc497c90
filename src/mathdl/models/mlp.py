"""The multilayer perceptron: affine maps with a nonlinearity between them.

    h₀ = vec(x),   hₗ = φ(Wₗ hₗ₋₁ + bₗ)  (l = 1 … L),   z = W_out h_L + b_out

with φ = ReLU by default and optional (inverted) dropout after each hidden activation. Returns
the logits z; train with ``F.cross_entropy``. Linear layers keep PyTorch's initialisation
(U(−1/√fan_in, 1/√fan_in)).
"""

from mathdl import nn
from mathdl.models.registry import register

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


@register("mlp")
class MLP(nn.Module):
    """Flatten → [Linear → activation → Dropout(dropout)] per hidden size → Linear(num_classes).

    ``hidden``: sizes of the hidden layers (an int for one layer, a list for several, empty for
    none, which is softmax regression); ``activation``: 'relu', 'tanh' or 'sigmoid';
    ``dropout``: drop probability after each hidden layer (0 = no dropout layer).
    """

    def __init__(self, in_features=784, hidden=(256,), num_classes=10, activation="relu", dropout=0.0):
        super().__init__()
        if isinstance(hidden, int):
            hidden = (hidden,)
        hidden = tuple(hidden)
        if any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
            raise ValueError(f"MLP: hidden sizes must be positive integers, got {hidden!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout!r}")
        self.in_features = in_features
        layers = [nn.Flatten()]
        width = in_features
        for size in hidden:
            layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        """x (N, …) with prod(…) = in_features → logits (N, num_classes)."""
        features = 1
        for size in x.shape[1:]:
            features *= size
        if x.ndim < 2 or features != self.in_features:
            raise ValueError(
                f"MLP: expected inputs of shape (N, ...) with {self.in_features} features "
                f"per sample, got shape {tuple(x.shape)}"
            )
        return self.net(x)
