"""The GAN's score: how many generated images a Fashion-MNIST classifier recognises.

A classifier (the ``mlp`` model, 784-256-10, 5 epochs of Adam on the run's own training images,
in [0, 1]) labels 1,000 samples; the score is the share it classifies with confidence
max_y p(y|x) ≥ 0.5, and the coverage the number of classes among those confident labels. Real
test images score about 0.9 on the shipped subset, blurry blobs near 0, and a generator that
draws one kind of garment covers one class. The classifier trains from its own seed, and the
global RNG is put back afterwards, so scoring never changes a run.
"""

import numpy as np


def train_judge(x_unit, y, epochs=5, seed=1234):
    """The judging classifier trained on uint8 images ``x_unit`` (N, 28, 28) and labels ``y``."""
    from mathdl import models, optim
    from mathdl.data import DataLoader, TensorDataset
    from mathdl.data.pixels import scale_images
    from mathdl.random import get_rng_state, manual_seed, set_rng_state
    from mathdl.train import Trainer

    state = get_rng_state()
    try:
        manual_seed(seed)
        judge = models.build("mlp")
        loader = DataLoader(TensorDataset(scale_images(x_unit, "unit"), y), batch_size=128, shuffle=True)
        Trainer(judge, optim.Adam(judge.parameters(), lr=1e-3), verbose=0).fit(loader, epochs)
    finally:
        set_rng_state(state)
    return judge.eval()


def probabilities(judge, images_unit, batch_size=1000):
    """softmax(judge(x)) for images in [0, 1] of any (N, …) shape with 784 pixels."""
    from mathdl.autograd import no_grad
    from mathdl.autograd.tensor import Tensor

    images = np.asarray(images_unit, dtype=np.float32).reshape(len(images_unit), -1)
    with no_grad():
        return np.concatenate(
            [
                judge(Tensor(images[s : s + batch_size])).softmax(axis=-1).array
                for s in range(0, len(images), batch_size)
            ]
        )


def gan_score(gan, x_unit, y, x_real, samples=1000):
    """``{'confident_share', 'coverage', 'class_distribution', 'mean_confidence', 'samples',
    'real_confident_share'}`` of ``samples`` draws from ``gan`` (RNG restored afterwards); the
    judge learns from ``x_unit``/``y`` and ``real_confident_share`` is its score on the real
    held-out images ``x_real`` (uint8)."""
    from mathdl.data.pixels import scale_images
    from mathdl.random import get_rng_state, set_rng_state
    from mathdl.train import judge_samples

    judge = train_judge(x_unit, y)
    state = get_rng_state()
    try:
        generated = (gan.sample(samples) + 1.0) / 2.0
    finally:
        set_rng_state(state)
    judged = judge_samples(probabilities(judge, generated))
    real = judge_samples(probabilities(judge, scale_images(x_real[:samples], "unit")))
    return {**judged, "samples": samples, "real_confident_share": real["confident_share"]}
