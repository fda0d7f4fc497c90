"""LeNet: the convolutional network of LeCun et al. (1989, 1998), in two versions.

``LeNet`` (registered "lenet") is the version of *Dive into Deep Learning* §7.6: sigmoid activations
and average pooling, every convolution seeing every input channel:

    x (N, 1, 28, 28) → conv 6@5×5 pad 2 → σ → avgpool 2 → conv 16@5×5 → σ → avgpool 2
      → flatten 400 → dense 120 → σ → dense 84 → σ → dense 10 (logits)

``LeNet5`` (registered "lenet5") follows the 1998 paper ("Gradient-based learning applied to document
recognition", §II.B) more closely:

- the squashing function f(a) = A·tanh(S·a), A = 1.7159, S = 2/3, after every layer up to F6;
- trainable subsampling S2/S4: each unit adds the four inputs of its 2×2 window, multiplies by a
  trainable coefficient and adds a trainable bias (one pair per feature map), then squashes;
- C3's partial connection table (Table I): map j of C3 sees only some of S2's six maps, breaking the
  symmetry between maps and cutting C3 to 60 kernels (1,516 parameters instead of 2,416);
- C5 is a 5×5 convolution to 120 maps of size 1×1, and F6 has 84 units;
- weights start uniform in ±2.4 / F_in (F_in = the unit's fan-in), as in the paper.

Two changes, made on purpose and documented: the 28×28 images are zero-padded to the paper's 32×32
by C1's padding (the paper centred digits in a 32×32 field), and the output layer is a linear layer
giving logits for softmax cross-entropy instead of the paper's Euclidean RBF units with hand-drawn
7×12 bitmaps as fixed parameters (those bitmaps are not part of the paper's text).
"""

import numpy as np

from mathdl import nn
from mathdl.autograd.function import as_tensor
from mathdl.models.registry import register
from mathdl.nn import init
from mathdl.nn.layers.conv import Conv2d
from mathdl.nn.layers.pooling import AvgPool2d, MaxPool2d
from mathdl.ops.convolution import conv2d
from mathdl.ops.elementwise import tanh
from mathdl.ops.pooling import avg_pool2d
from mathdl.ops.shape import reshape

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}
POOLS = {"avg": AvgPool2d, "max": MaxPool2d}


def as_images(x, channels=1):
    """Inputs as (N, C, H, W): a (N, H, W) batch of one-channel images gains its channel axis."""
    x = as_tensor(x)
    if x.ndim == 3 and channels == 1:
        x = reshape(x, (x.shape[0], 1) + x.shape[1:])
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(
            f"expected images of shape (N, {channels}, H, W)"
            f"{' or (N, H, W)' if channels == 1 else ''}, got shape {tuple(x.shape)}"
        )
    return x


@register("lenet")
class LeNet(nn.Module):
    """The d2l LeNet (see the module docstring). Input (N, 1, 28, 28) or (N, 28, 28) → logits (N, 10).

    ``activation``: 'sigmoid' (the book's), 'relu' or 'tanh'; ``pool``: 'avg' (the book's) or 'max'.
    Sub-modules: ``features`` (the convolutional part) and ``classifier`` (the dense part).
    """

    def __init__(self, num_classes=10, activation="sigmoid", pool="avg", in_channels=1):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"LeNet: unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}")
        if pool not in POOLS:
            raise ValueError(f"LeNet: unknown pool {pool!r}; choose from {sorted(POOLS)}")
        act, pooling = ACTIVATIONS[activation], POOLS[pool]
        self.in_channels = in_channels
        self.features = nn.Sequential(
            Conv2d(in_channels, 6, 5, padding=2), act(), pooling(2, 2), Conv2d(6, 16, 5), act(), pooling(2, 2)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            act(),
            nn.Linear(120, 84),
            act(),
            nn.Linear(84, num_classes),
        )
        # d2l initialises every weight with Xavier/Glorot: U(±√(6/(fan_in + fan_out))). With
        # PyTorch's default (smaller) weights the sigmoid network sits on a plateau for epochs.
        for layer in (*self.features, *self.classifier):
            if isinstance(layer, (Conv2d, nn.Linear)):
                init.xavier_uniform_(layer.weight)

    def forward(self, x):
        return self.classifier(self.features(as_images(x, self.in_channels)))

    def feature_maps(self, x):
        """[(name, activation (N, C, H, W))] after each convolution's nonlinearity and pooling."""
        x = as_images(x, self.in_channels)
        maps = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in (1, 2, 4, 5):
                maps.append((f"features.{index} {type(layer).__name__}", x))
        return maps

    @property
    def first_conv(self):
        return self.features[0]


# ----- LeNet-5 (1998) -----------------------------------------------------------------------------

# Table I of the paper: the S2 maps that feed each of the 16 C3 maps. Maps 0-5 see 3 contiguous
# maps, 6-11 see 4 contiguous maps, 12-14 see 4 non-contiguous maps, and map 15 sees all six.
C3_TABLE = tuple(
    [tuple((j + i) % 6 for i in range(3)) for j in range(6)]
    + [tuple((j + i) % 6 for i in range(4)) for j in range(6)]
    + [(0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5), (0, 1, 2, 3, 4, 5)]
)


def c3_connection_mask(dtype=np.float32):
    """The (16, 6, 1, 1) 0/1 mask of C3's connections: mask[j, i] = 1 when C3 map j sees S2 map i."""
    mask = np.zeros((16, 6, 1, 1), dtype=dtype)
    for j, inputs in enumerate(C3_TABLE):
        mask[j, list(inputs), 0, 0] = 1
    return mask


class ScaledTanh(nn.Module):
    """LeNet-5's squashing function f(a) = A·tanh(S·a) with A = 1.7159, S = 2/3 (so f(±1) = ±1 and
    the gain is largest around the targets)."""

    A, S = 1.7159, 2.0 / 3.0

    def forward(self, x):
        return tanh(x * self.S) * self.A


class Subsampling(nn.Module):
    """LeNet-5's trainable subsampling: y[n, c] = α_c · Σ_{2×2 window} x[n, c] + β_c, stride 2.

    (N, C, H, W) → (N, C, H/2, W/2); parameters ``weight`` α (C,) and ``bias`` β (C,)."""

    def __init__(self, channels):
        super().__init__()
        self.channels = channels
        self.weight = nn.Parameter(np.zeros(channels))
        self.bias = nn.Parameter(np.zeros(channels))
        bound = 2.4 / 4  # the paper's ±2.4/F_in with F_in = 4
        init.uniform_(self.weight, 0.5 * bound, bound)  # positive: start as a (scaled) average

    def forward(self, x):
        total = avg_pool2d(x, 2) * 4.0
        return total * reshape(self.weight, (1, -1, 1, 1)) + reshape(self.bias, (1, -1, 1, 1))


class PartialConv2d(Conv2d):
    """A Conv2d whose kernel is multiplied by a fixed 0/1 connection mask (C3 of LeNet-5):
    y[n, j] = b_j + Σ_{i : mask[j, i] = 1} w[j, i] ⋆ x[n, i]. Masked weights get zero gradient."""

    def __init__(self, in_channels, out_channels, kernel_size, mask):
        super().__init__(in_channels, out_channels, kernel_size)
        self.register_buffer("mask", as_tensor(np.asarray(mask, dtype=self.weight.dtype)), persistent=False)
        self.weight.array *= self.mask.array

    def forward(self, x):
        return conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding)

    def connections(self):
        """Number of kernels actually used (60 for LeNet-5's C3)."""
        return int(self.mask.array.sum())


@register("lenet5")
class LeNet5(nn.Module):
    """LeNet-5 as in LeCun et al. 1998 (see the module docstring). Input (N, 1, 28, 28) or
    (N, 28, 28) (zero-padded to 32×32 by C1) → logits (N, 10).

    Layers: c1 (6@28×28), s2 (6@14×14), c3 (16@10×10, partial table), s4 (16@5×5), c5 (120@1×1),
    f6 (84), output (10); ScaledTanh after c1, s2, c3, s4, c5 and f6.
    """

    def __init__(self, num_classes=10):
        super().__init__()
        self.c1 = Conv2d(1, 6, 5, padding=2)
        self.s2 = Subsampling(6)
        self.c3 = PartialConv2d(6, 16, 5, c3_connection_mask())
        self.s4 = Subsampling(16)
        self.c5 = Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, num_classes)
        self.squash = ScaledTanh()
        for layer in (self.c1, self.c3, self.c5, self.f6, self.output):
            fan_in = int(np.prod(layer.weight.shape[1:]))
            if layer is self.c3:
                fan_in = 25 * 4  # a C3 unit sees 3-6 maps; use the typical 4
            init.uniform_(layer.weight, -2.4 / fan_in, 2.4 / fan_in)
            init.zeros_(layer.bias)
        self.c3.weight.array *= self.c3.mask.array

    def feature_maps(self, x):
        """[(name, activation)] for c1, s2, c3, s4 (each after the squashing function)."""
        x = as_images(x, 1)
        maps = []
        for name in ("c1", "s2", "c3", "s4"):
            x = self.squash(getattr(self, name)(x))
            maps.append((name, x))
        return maps

    def forward(self, x):
        x = self.feature_maps(x)[-1][1]
        x = self.squash(self.c5(x))
        x = reshape(x, (x.shape[0], -1))
        return self.output(self.squash(self.f6(x)))

    @property
    def first_conv(self):
        return self.c1
