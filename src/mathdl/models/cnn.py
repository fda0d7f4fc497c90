"""A modern small CNN for 28×28 images: conv-BN-ReLU blocks, max pooling and one residual block;
plus the plots of what a trained convolutional network has learned.

    x (N, 1, 28, 28) → [conv 3×3 → BN → ReLU] w,  maxpool 2      28×28 → 14×14
                     → [conv 3×3 → BN → ReLU] 2w, maxpool 2      14×14 → 7×7
                     → residual block 2w: ReLU(h + BN(conv(ReLU(BN(conv h)))))     7×7
                     → flatten 2w·7·7 → dropout → dense 10 (logits)

Pooling early keeps it cheap on a CPU (about 0.5 GFLOP per image for training with w = 32): the
widest convolutions run on 14×14 and 7×7 maps.

Batch normalisation (Ioffe & Szegedy 2015) normalises each channel over the batch and the pixels,
so the convolutions can drop their biases; the residual block (He et al. 2016) adds its input to
its output, so it only has to learn a correction and its gradient has an identity path. With
w = 32 (124,266 parameters) it reached 92.38 % test accuracy on the full Fashion-MNIST after 6 epochs
of Adam (lr 2e-3, cosine schedule, batch 128, random horizontal flips; epochs 1-6: 87.7, 89.2, 90.8,
92.0, 92.1, 92.4 %): ``python examples/cnn_fashion_mnist.py --epochs 6 --lr 2e-3``.

``mathdl.train.plots.plot_filters`` draws the first convolution's kernels and ``plot_feature_maps``
the activations of every stage for one image; both work for any model here with a ``first_conv``
attribute and a ``feature_maps(x)`` method (LeNet, LeNet5, SmallCNN).
"""

from mathdl import nn
from mathdl.models.lenet import as_images
from mathdl.models.registry import register
from mathdl.nn.layers.conv import Conv2d
from mathdl.nn.layers.pooling import MaxPool2d
from mathdl.ops.elementwise import relu


def conv_bn_relu(in_channels, out_channels):
    """conv 3×3 (pad 1, no bias: BN's shift replaces it) → BatchNorm2d → ReLU; keeps H × W."""
    return nn.Sequential(
        Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU()
    )


class ResidualBlock(nn.Module):
    """He et al.'s basic block with an identity shortcut: y = ReLU(x + BN₂(conv₂(ReLU(BN₁(conv₁ x))))).

    (N, C, H, W) → (N, C, H, W); both convolutions 3×3, pad 1, no bias."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        return relu(x + self.bn2(self.conv2(h)))


@register("cnn")
class SmallCNN(nn.Module):
    """The small modern CNN of the module docstring. Input (N, 1, 28, 28) or (N, 28, 28) → logits
    (N, num_classes). ``width``: channels of the first two blocks (the rest use 2·width);
    ``dropout``: drop probability before the classifier."""

    def __init__(self, num_classes=10, width=32, dropout=0.3, in_channels=1, image_size=28):
        super().__init__()
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"SmallCNN: width must be a positive int, got {width!r}")
        if image_size % 4:
            raise ValueError(
                f"SmallCNN: image_size must be divisible by 4 (two 2×2 poolings), got {image_size}"
            )
        self.in_channels = in_channels
        self.block1 = nn.Sequential(conv_bn_relu(in_channels, width), MaxPool2d(2))
        self.block2 = nn.Sequential(conv_bn_relu(width, 2 * width), MaxPool2d(2))
        self.residual = ResidualBlock(2 * width)
        side = image_size // 4
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(2 * width * side * side, num_classes)
        )

    def feature_maps(self, x):
        """[(name, activation (N, C, H, W))] after each block."""
        x = as_images(x, self.in_channels)
        maps = []
        for name in ("block1", "block2", "residual"):
            x = getattr(self, name)(x)
            maps.append((name, x))
        return maps

    def forward(self, x):
        return self.classifier(self.feature_maps(x)[-1][1])

    @property
    def first_conv(self):
        return self.block1[0][0]
