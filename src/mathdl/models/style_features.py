"""Feature networks for neural style transfer when no pretrained VGG is at hand.

Gatys, Ecker & Bethge (2016) describe style by Gram matrices of VGG-19 features. VGG's weights
cannot be downloaded here, so two substitutes with one architecture are compared:

    x (N, 3, H, W) − ½ → [conv 3×3 → ReLU] (3 → 32)          layer 1, full resolution
                      → avgpool 2 → [conv 3×3 → ReLU] (32 → 64)   layer 2, ½
                      → avgpool 2 → [conv 3×3 → ReLU] (64 → 64)   layer 3, ¼
                      → avgpool 2 → [conv 3×3 → ReLU] (64 → 128)  layer 4, ⅛

(receptive fields 3, 8, 18 and 38 pixels: a multi-scale description, as VGG's conv1_1 … conv5_1),
with average pooling, which Gatys et al. found gives slightly better results than max pooling.

* ``RandomFeatures``: the weights are random, He-normal (std √(2/fan_in)) and fixed by a seed.
  Random filters carry much of what texture synthesis needs: Ustyuzhaninov, Brendel, Gatys &
  Bethge ("What does it take to generate natural textures?", ICLR 2017) synthesise textures of
  comparable quality from a single layer of random multi-scale filters, and He, Wang & Hopcroft
  ("A Powerful Generative Model Using Random Weights for the Deep Image Representation", NIPS
  2016) do style transfer with a random-weight VGG.
* ``PatchClassifier`` (registered ``photo-patch-cnn``): the same convolutional stack, then global
  average pooling and a linear layer, trained to tell which training photograph a patch comes
  from (cross-entropy); its convolutional layers are then the features, as VGG's are those of an
  ImageNet classifier.

``features(x)`` returns the four ReLU outputs.
"""

import numpy as np

from mathdl import nn
from mathdl.autograd.function import as_tensor
from mathdl.models.registry import register
from mathdl.nn import functional as F
from mathdl.nn.layers.conv import Conv2d
from mathdl.ops.elementwise import relu
from mathdl.ops.pooling import avg_pool2d
from mathdl.ops.reduction import mean

WIDTHS = (32, 64, 64, 128)


class _FeatureStack(nn.Module):
    """Four 3×3 convolutions with ReLU, an average pooling of 2 before each one but the first."""

    def _build(self, widths):
        widths = [int(w) for w in widths]
        if len(widths) < 1 or any(w < 1 for w in widths):
            raise ValueError(f"{type(self).__name__}: widths must be positive ints, got {widths!r}")
        self.widths = widths
        self.convs = nn.ModuleList(
            [Conv2d(c_in, c_out, 3, padding=1) for c_in, c_out in zip([3, *widths[:-1]], widths)]
        )

    def features(self, x):
        """The ReLU output of every layer: a list of (N, C_l, H / 2^l, W / 2^l) Tensors."""
        x = as_tensor(x)
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(
                f"{type(self).__name__}: expected RGB images (N, 3, H, W), got shape {tuple(x.shape)}"
            )
        out, h = [], x - 0.5
        for index, conv in enumerate(self.convs):
            if index:
                h = avg_pool2d(h, 2)
            h = relu(conv(h))
            out.append(h)
        return out


class RandomFeatures(_FeatureStack):
    """The stack with fixed random He-normal weights and zero biases (see the module docstring)."""

    def __init__(self, widths=WIDTHS, seed=0):
        super().__init__()
        self._build(widths)
        rng = np.random.default_rng(seed)
        for conv in self.convs:
            weight = conv.weight.array
            fan_in = weight.shape[1] * weight.shape[2] * weight.shape[3]
            weight[...] = rng.standard_normal(weight.shape) * np.sqrt(2.0 / fan_in)
            conv.bias.array[...] = 0.0
        for parameter in self.parameters():
            parameter.requires_grad = False

    def forward(self, x):
        return self.features(x)


@register("photo-patch-cnn")
class PatchClassifier(_FeatureStack):
    """The stack, global average pooling and a linear layer: logits (N, classes) of which training
    photograph an RGB patch (N, 3, p, p) comes from. ``features(x)`` gives the conv layers' outputs."""

    def __init__(self, num_classes=12, widths=WIDTHS):
        super().__init__()
        self._build(widths)
        self.classifier = nn.Linear(self.widths[-1], int(num_classes))

    @staticmethod
    def loss(logits, labels):
        """Cross-entropy of the photograph labels."""
        return F.cross_entropy(logits, labels)

    def forward(self, x):
        last = self.features(x)[-1]
        return self.classifier(mean(last, (2, 3)))
