import numpy as np
import pytest

import mathdl as md
from mathdl import optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.data.pixels import scale_images
from mathdl.models.gan import (
    GAN,
    DCDiscriminator,
    DCGenerator,
    MLPDiscriminator,
    MLPGenerator,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    sample,
)
from mathdl.train import Adversarial, Trainer, image_grid, judge_samples


def train_gan(
    generator,
    discriminator,
    data,
    epochs,
    batch_size=64,
    loss="nonsaturating",
    lr=2e-4,
    lr_discriminator=None,
    n_critic=1,
    betas=(0.5, 0.999),
):
    """The GAN through the Trainer: two Adam optimisers, the Adversarial step strategy."""
    model = GAN(generator, discriminator, loss=loss, image_shape=data.shape[1:])
    optimizers = {
        "generator": optim.Adam(generator.parameters(), lr=lr, betas=betas),
        "discriminator": optim.Adam(discriminator.parameters(), lr=lr_discriminator or lr, betas=betas),
    }
    loader = DataLoader(TensorDataset(data), batch_size, shuffle=True, drop_last=True)
    trainer = Trainer(model, optimizers, strategy=Adversarial(n_critic), verbose=0)
    return trainer.fit(loader, epochs)


TARGET_MEAN, TARGET_STD = np.array([0.5, -0.3]), np.array([0.15, 0.1])


@pytest.fixture(scope="module")
def gaussian_data():
    rng = np.random.default_rng(0)
    return (TARGET_MEAN + TARGET_STD * rng.standard_normal((1024, 2))).astype(np.float32)


def test_losses_are_the_formulas(rng):
    real, fake = rng.normal(size=8), rng.normal(size=8)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    expected_d = -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))
    assert discriminator_loss(md.tensor(real), md.tensor(fake)).item() == pytest.approx(expected_d, rel=1e-12)
    assert generator_loss(md.tensor(fake)).item() == pytest.approx(-np.mean(np.log(sigmoid(fake))), rel=1e-12)


def test_penalty_of_a_linear_critic_is_closed_form(rng):
    # f(x) = wᵀx + b has ∇f = w everywhere, so the penalty is (‖w‖ − 1)² for any interpolate
    md.set_default_dtype(np.float64)
    try:
        critic = md.nn.Linear(5, 1)
        w = critic.weight.array[0]
        penalty = gradient_penalty(critic, rng.normal(size=(6, 5)), rng.normal(size=(6, 5)))
        assert penalty.item() == pytest.approx((np.linalg.norm(w) - 1) ** 2, rel=1e-12)
        penalty.backward()
        # ∂/∂w (‖w‖ − 1)² = 2 (‖w‖ − 1) w / ‖w‖
        np.testing.assert_allclose(
            critic.weight.grad.array[0], 2 * (np.linalg.norm(w) - 1) * w / np.linalg.norm(w)
        )
    finally:
        md.set_default_dtype(np.float32)
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(critic, np.zeros((2, 5)), np.zeros((3, 5)))


def test_nonsaturating_gan_learns_a_gaussian(gaussian_data):
    md.manual_seed(0)
    generator = MLPGenerator(latent_dim=4, hidden=(32,), output_dim=2)
    discriminator = MLPDiscriminator(input_dim=2, hidden=(32,))
    start = sample(generator, 2000)
    history = train_gan(
        generator, discriminator, gaussian_data, epochs=30, batch_size=64, lr=5e-4, lr_discriminator=1e-3
    )
    samples = sample(generator, 2000)
    assert np.abs(start.mean(axis=0) - TARGET_MEAN).max() > 0.3
    np.testing.assert_allclose(samples.mean(axis=0), TARGET_MEAN, atol=0.1)
    assert np.all(samples.std(axis=0) > 0.3 * TARGET_STD) and np.all(samples.std(axis=0) < 2 * TARGET_STD)
    # at the game's equilibrium D cannot tell the two apart: L_D → 2 log 2
    assert history["d_loss"][-1] == pytest.approx(2 * np.log(2), abs=0.1)


def test_wgan_gp_learns_a_gaussian(gaussian_data):
    md.manual_seed(0)
    generator = MLPGenerator(latent_dim=4, hidden=(32,), output_dim=2)
    critic = MLPDiscriminator(input_dim=2, hidden=(32,))
    history = train_gan(
        generator,
        critic,
        gaussian_data,
        epochs=30,
        batch_size=64,
        loss="wgan-gp",
        lr=5e-4,
        lr_discriminator=2e-3,
        n_critic=5,
        betas=(0.0, 0.9),
    )
    samples = sample(generator, 2000)
    np.testing.assert_allclose(samples.mean(axis=0), TARGET_MEAN, atol=0.12)
    assert np.all(samples.std(axis=0) > 0.5 * TARGET_STD) and np.all(samples.std(axis=0) < 2.5 * TARGET_STD)
    # the critic's estimate of the Wasserstein-1 distance shrinks as the generator improves
    assert history["wasserstein"][-1] < 0.3 * max(history["wasserstein"])
    assert history["penalty"][-1] < 0.1


def test_dcgan_shapes_and_one_training_epoch():
    md.manual_seed(0)
    generator = DCGenerator(latent_dim=8, width=4)
    discriminator = DCDiscriminator(width=4)
    images = sample(generator, 5)
    assert images.shape == (5, 1, 28, 28) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    assert discriminator(md.tensor(images)).shape == (5,)
    assert discriminator(md.tensor(images.reshape(5, 784))).shape == (5,)
    rng = np.random.default_rng(0)
    data = scale_images((rng.random((64, 1, 28, 28)) > 0.7).astype(np.uint8) * 255, "tanh")
    before = [p.array.copy() for p in generator.parameters()]
    history = train_gan(generator, discriminator, data, epochs=1, batch_size=32)
    assert len(history["d_loss"]) == 1 and np.isfinite(history["g_loss"][0])
    assert all(np.any(p.array != b) for p, b in zip(generator.parameters(), before))


def test_image_grid_and_judging():
    images = np.arange(5 * 4).reshape(5, 2, 2).astype(np.float32)
    grid = image_grid(images, rows=2, padding=1)
    assert grid.shape == (2 * 3 + 1, 3 * 3 + 1)
    np.testing.assert_array_equal(grid[1:3, 4:6], images[1])
    probabilities = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    judged = judge_samples(probabilities)
    np.testing.assert_allclose(judged["class_distribution"], [0.5, 0.25, 0.25])
    assert judged["mean_confidence"] == pytest.approx(0.8)
    assert judged["confident_share"] == 1.0 and judged["coverage"] == 3
    assert judge_samples(probabilities, threshold=0.85)["confident_share"] == 0.25
    assert judge_samples(np.full((4, 3), 1 / 3))["score"] == pytest.approx(1.0)
    assert judge_samples(np.eye(3))["score"] == pytest.approx(3.0, rel=1e-6)


def test_misuse_raises(gaussian_data):
    with pytest.raises(ValueError, match="loss"):
        GAN(MLPGenerator(), MLPDiscriminator(), loss="hinge")
    with pytest.raises(ValueError, match="n_critic"):
        Adversarial(n_critic=0)
    with pytest.raises(ValueError, match="class probabilities"):
        judge_samples(np.zeros(3))
