"""A small CNN that recognises a spoken digit from its log-mel spectrogram.

    x (N, n_mels, T) dB  →  BN (a learned input scale: dB values are large and offset)
      → [conv 3×3 → BN → ReLU] w,   maxpool 2          40 × 63 → 20 × 31
      → [conv 3×3 → BN → ReLU] 2w,  maxpool 2          20 × 31 → 10 × 15
      → [conv 3×3 → BN → ReLU] 4w,  maxpool 2          10 × 15 →  5 × 7
      → mean over time (keep frequency: which bands are loud tells the vowels apart)
      → flatten 4w · 5 → dropout → dense num_classes (logits)

The spectrogram is treated as a one-channel image whose axes mean different things: a 3×3 kernel
looks at three mel bands over three frames (48 ms at hop 128 and 8 kHz), the stacked convolutions and
poolings widen that to the whole word. Averaging over time makes the logits nearly independent of
where in the clip the word is said (the words are centred, but generated speech need not be).
Loss: cross-entropy of the logits (the Trainer's default).
"""

from mathdl import nn
from mathdl.models.cnn import conv_bn_relu
from mathdl.models.registry import register
from mathdl.nn.layers.pooling import MaxPool2d


@register("speech-digits")
class SpeechDigitCNN(nn.Module):
    """Log-mel spectrogram (N, n_mels, T) (or (N, 1, n_mels, T)) → logits (N, num_classes).

    Args: num_classes (10 digits), n_mels (frequency rows of the input; divisible by 8),
    width (channels of the first block; then 2w and 4w), dropout (before the classifier).

    >>> import numpy as np
    >>> SpeechDigitCNN(width=4)(np.zeros((2, 40, 63), dtype=np.float32)).shape
    (2, 10)
    """

    def __init__(self, num_classes=10, n_mels=40, width=16, dropout=0.2):
        super().__init__()
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"SpeechDigitCNN: width must be a positive int, got {width!r}")
        if n_mels < 8:
            raise ValueError(f"SpeechDigitCNN: n_mels must be at least 8 (three 2×2 poolings), got {n_mels}")
        self.n_mels = n_mels
        self.input_norm = nn.BatchNorm2d(1)
        self.features = nn.Sequential(
            conv_bn_relu(1, width),
            MaxPool2d(2),
            conv_bn_relu(width, 2 * width),
            MaxPool2d(2),
            conv_bn_relu(2 * width, 4 * width),
            MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(4 * width * (n_mels // 8), num_classes)
        )

    def forward(self, x):
        from mathdl.autograd.tensor import Tensor

        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim == 3:
            x = x.reshape(x.shape[0], 1, x.shape[1], x.shape[2])
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[2] != self.n_mels:
            raise ValueError(
                f"SpeechDigitCNN: expected log-mel spectrograms (N, {self.n_mels}, T), got {tuple(x.shape)}"
            )
        h = self.features(self.input_norm(x))  # (N, 4w, n_mels/8, T/8)
        return self.classifier(h.mean(axis=3))
