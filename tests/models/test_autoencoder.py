import numpy as np
import pytest

import mathdl as md
import mathdl.models  # noqa: F401
from mathdl.data import load_fashion_mnist_subset
from mathdl.models.autoencoder import ConvAutoencoder, DenoisingAutoencoder, DenseAutoencoder, corrupt
from training_helpers import fit_model


@pytest.fixture(scope="module")
def images():
    (x, _), (x_test, _) = load_fashion_mnist_subset()
    return x[:1000].astype(np.float32) / 255.0, x_test[:300].astype(np.float32) / 255.0


def mean_image_error(train, test):
    """The MSE per pixel of the best constant predictor: the training mean image."""
    return float(np.mean((test - train.mean(axis=0)) ** 2))


def test_dense_autoencoder_learns_a_code(images):
    x, x_test = images
    md.manual_seed(0)
    model = DenseAutoencoder(hidden=(128,), latent_dim=16)
    with md.no_grad():
        before = model.loss(x_test).item()
    history = fit_model(model, x, epochs=3, batch_size=64, lr=2e-3, x_val=x_test)
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_loss"][-1] < 0.6 * before
    # a 16-number code reconstructs far better than the mean image does
    assert model.reconstruction_error(x_test) < 0.65 * mean_image_error(x, x_test)
    assert model(md.tensor(x_test[:4])).dtype == np.float32


def test_conv_autoencoder_shapes_and_learning(images):
    x, x_test = images
    md.manual_seed(0)
    model = ConvAutoencoder(latent_dim=16)
    assert model.encode(x_test[:5].reshape(5, 28, 28)).shape == (5, 16)
    assert model(md.tensor(x_test[:5].reshape(5, 1, 28, 28))).shape == (5, 1, 28, 28)
    history = fit_model(model, x[:600].reshape(600, 1, 28, 28), epochs=3, batch_size=64, lr=3e-3)
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    assert model.reconstruction_error(x_test) < 0.9 * mean_image_error(x, x_test)


def test_denoising_autoencoder_removes_noise(images):
    x, x_test = images
    md.manual_seed(0)
    model = DenoisingAutoencoder(DenseAutoencoder(hidden=(128,), latent_dim=32), noise="gaussian", level=0.3)
    fit_model(model, x, epochs=8, batch_size=64, lr=2e-3)
    noisy = corrupt(x_test, "gaussian", 0.3)
    noise_error = float(np.mean((noisy - x_test) ** 2))
    denoised_error = model.reconstruction_error(noisy, target=x_test)
    assert denoised_error < 0.7 * noise_error  # measured 0.031 against 0.052


def test_corruption_statistics():
    md.manual_seed(0)
    x = np.full((200, 100), 0.5, dtype=np.float32)
    masked = corrupt(x, "masking", 0.25)
    assert masked.dtype == np.float32
    assert np.mean(masked == 0) == pytest.approx(0.25, abs=0.01)
    noisy = corrupt(x, "gaussian", 0.1)
    assert np.std(noisy - x) == pytest.approx(0.1, rel=0.05)


def test_misuse_raises():
    with pytest.raises(ValueError, match="kind"):
        corrupt(np.zeros(3), "salt")
    with pytest.raises(ValueError, match="masking level"):
        DenoisingAutoencoder(DenseAutoencoder(), noise="masking", level=1.5)
    with pytest.raises(TypeError, match="DenseAutoencoder"):
        DenoisingAutoencoder(md.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="divisible by 4"):
        ConvAutoencoder(image_size=30)
    with pytest.raises(TypeError, match="dtype"):
        DenseAutoencoder().loss(np.zeros((2, 784), dtype=bool))


def test_registered_factories_reject_unknown_kinds():
    assert isinstance(md.models.build("ae", kind="conv"), ConvAutoencoder)
    with pytest.raises(ValueError, match="kind"):
        md.models.build("ae", kind="sparse")
    with pytest.raises(ValueError, match="kind"):
        md.models.build("gan", kind="stylegan")
