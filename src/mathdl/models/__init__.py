"""The model zoo: each model a small file composing ``mathdl.nn`` layers (a Module, its forward
and its loss; no training loops, data loaders or plots), registered by name.

    from mathdl import models
    models.available()                  # ['ae', 'char-gru', ..., 'mlp', 'rbm', 'seq2seq-attention', ...]
    model = models.build("mlp", hidden=[256])

Image classifiers: ``softmax``, ``mlp``, ``lenet`` (d2l), ``lenet5`` (1998, C3 table), ``cnn``
(conv-BN-ReLU with a residual block). Detector: ``detector`` (``YoloDetector``: anchor-free, one
grid of stride 8, and ``detection_loss``). Generative models of images: ``ae`` (dense, convolutional
or denoising autoencoder), ``vae``, ``gan`` (MLP, DCGAN or WGAN-GP), ``rbm``. Language models:
``char-rnn``, ``char-lstm``, ``char-gru``, ``char-transformer``; sequence to sequence:
``seq2seq-attention``, ``seq2seq-transformer``. Super-resolution of luminance: ``srcnn``, ``espcn``
(``build('espcn', scale=3)``); the style-transfer feature network trained on photograph patches:
``photo-patch-cnn`` (``RandomFeatures`` is its untrained twin). Speech: ``speech-digits`` (a log-mel CNN
recognising spoken digits), ``speech-cvae`` (a conditional VAE generating their log-mel
spectrograms). Not registered: ``dncnn.DnCNN`` (denoiser).
Training goes through ``mathdl.train.Trainer`` with the step strategy each model needs; the
``mathdl train`` command knows every registered model's data, options and figures.
"""

from mathdl.models import (  # noqa: F401  (importing registers them)
    autoencoder,
    char_lm,
    cnn,
    detector,
    gan,
    lenet,
    mlp,
    rbm,
    seq2seq,
    softmax_regression,
    speech_generator,
    speech_recognizer,
    style_features,
    superresolution,
    vae,
)
from mathdl.models.autoencoder import ConvAutoencoder, DenoisingAutoencoder, DenseAutoencoder
from mathdl.models.char_lm import CharRNNLM, CharTransformerLM
from mathdl.models.cnn import SmallCNN
from mathdl.models.detector import YoloDetector, detection_loss
from mathdl.models.dncnn import DnCNN
from mathdl.models.gan import GAN
from mathdl.models.lenet import LeNet, LeNet5
from mathdl.models.mlp import MLP
from mathdl.models.rbm import BernoulliRBM
from mathdl.models.registry import UnknownModelError, available, build, from_config, get, register
from mathdl.models.seq2seq import Seq2SeqAttention, TransformerSeq2Seq
from mathdl.models.softmax_regression import SoftmaxRegression
from mathdl.models.speech_generator import SpeechCVAE
from mathdl.models.speech_recognizer import SpeechDigitCNN
from mathdl.models.style_features import PatchClassifier, RandomFeatures
from mathdl.models.superresolution import ESPCN, SRCNN
from mathdl.models.vae import VAE

IMAGE_CLASSIFIERS = ("softmax", "mlp", "lenet", "lenet5", "cnn")
LANGUAGE_MODELS = ("char-rnn", "char-lstm", "char-gru", "char-transformer")
GENERATIVE_MODELS = ("ae", "vae", "gan", "rbm")
SEQ2SEQ_MODELS = ("seq2seq-attention", "seq2seq-transformer")
SUPER_RESOLUTION_MODELS = ("srcnn", "espcn")

__all__ = [
    "BernoulliRBM",
    "CharRNNLM",
    "CharTransformerLM",
    "ConvAutoencoder",
    "DenoisingAutoencoder",
    "DenseAutoencoder",
    "DnCNN",
    "ESPCN",
    "GAN",
    "GENERATIVE_MODELS",
    "IMAGE_CLASSIFIERS",
    "LANGUAGE_MODELS",
    "SUPER_RESOLUTION_MODELS",
    "LeNet",
    "LeNet5",
    "MLP",
    "PatchClassifier",
    "RandomFeatures",
    "SEQ2SEQ_MODELS",
    "Seq2SeqAttention",
    "SmallCNN",
    "SRCNN",
    "SoftmaxRegression",
    "SpeechCVAE",
    "SpeechDigitCNN",
    "TransformerSeq2Seq",
    "UnknownModelError",
    "VAE",
    "YoloDetector",
    "available",
    "build",
    "detection_loss",
    "from_config",
    "get",
    "register",
]
