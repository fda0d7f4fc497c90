"""The model zoo: each model a small file composing ``mathdl.nn`` layers, registered by name.

    from mathdl import models
    models.available()                  # ['char-gru', 'char-lstm', ..., 'cnn', 'lenet', 'mlp', ...]
    model = models.build("mlp", hidden=[256])

Image classifiers: ``softmax``, ``mlp``, ``lenet`` (d2l), ``lenet5`` (1998, C3 table), ``cnn``
(conv-BN-ReLU with a residual block). Language models: ``char-rnn``, ``char-lstm``, ``char-gru``,
``char-transformer``; sequence to sequence: ``seq2seq-attention``, ``seq2seq-transformer``.
Speech: ``speech-digits`` (a log-mel CNN recognising spoken digits).
Not registered (they are not classifiers), imported from their files: ``dncnn.DnCNN`` (denoiser),
``autoencoder``, ``vae``, ``gan``, ``rbm``.
"""

from mathdl.models import (
    char_lm,
    cnn,
    lenet,
    mlp,
    seq2seq,  # noqa: F401  (importing registers them)
    softmax_regression,
    speech_recognizer,
)
from mathdl.models.char_lm import CharRNNLM, CharTransformerLM
from mathdl.models.cnn import SmallCNN, plot_feature_maps, plot_filters
from mathdl.models.dncnn import DnCNN
from mathdl.models.lenet import LeNet, LeNet5
from mathdl.models.mlp import MLP
from mathdl.models.registry import UnknownModelError, available, build, from_config, get, register
from mathdl.models.seq2seq import Seq2SeqAttention
from mathdl.models.softmax_regression import SoftmaxRegression
from mathdl.models.speech_recognizer import SpeechDigitCNN

IMAGE_CLASSIFIERS = ("softmax", "mlp", "lenet", "lenet5", "cnn")
LANGUAGE_MODELS = ("char-rnn", "char-lstm", "char-gru", "char-transformer")

__all__ = [
    "CharRNNLM",
    "CharTransformerLM",
    "DnCNN",
    "IMAGE_CLASSIFIERS",
    "LANGUAGE_MODELS",
    "LeNet",
    "LeNet5",
    "MLP",
    "Seq2SeqAttention",
    "SmallCNN",
    "SoftmaxRegression",
    "SpeechDigitCNN",
    "UnknownModelError",
    "available",
    "build",
    "from_config",
    "get",
    "plot_feature_maps",
    "plot_filters",
    "register",
]
