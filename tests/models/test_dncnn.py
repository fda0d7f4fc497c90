"""DnCNN: residual structure, PSNR, and that a small one learns to denoise (σ = 25)."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl import optim
from mathdl.data import load_fashion_mnist_subset
from mathdl.models.dncnn import DnCNN, add_gaussian_noise, psnr


def test_structure_and_residual_output():
    md.manual_seed(0)
    model = DnCNN(depth=5, features=8)
    convs = [m for m in model.body if type(m).__name__ == "Conv2d"]
    assert len(convs) == 5 and convs[1].bias is None  # BN layers replace biases
    assert sum(type(m).__name__ == "BatchNorm2d" for m in model.body) == 3
    y = md.randn(2, 1, 13, 9)
    np.testing.assert_allclose(model(y).array, (y - model.noise(y)).array, atol=1e-6)  # x̂ = y − R(y)
    assert model(y).shape == (2, 1, 13, 9)  # any size: padding 1
    with pytest.raises(ValueError, match="depth"):
        DnCNN(depth=1)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        model(md.randn(2, 3, 8, 8))


def test_psnr_of_gaussian_noise():
    rng = np.random.default_rng(0)
    clean = rng.random((8, 1, 64, 64)).astype(np.float32)
    noisy = add_gaussian_noise(clean, 25 / 255, rng)
    assert noisy.dtype == np.float32
    assert abs(psnr(noisy, clean) - 20 * np.log10(255 / 25)) < 0.05  # 20.17 dB
    assert psnr(clean, clean) == float("inf")


def test_small_dncnn_denoises_fashion_mnist():
    (x_train, _), (x_test, _) = load_fashion_mnist_subset()
    x_train = (x_train[:512, None] / np.float32(255.0)).astype(np.float32)
    x_test = (x_test[:64, None] / np.float32(255.0)).astype(np.float32)
    rng, sigma = np.random.default_rng(0), 25 / 255
    md.manual_seed(0)
    model = DnCNN(depth=3, features=16)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(50):  # 32 random 16×16 patches per step, as the paper
        index = rng.integers(0, len(x_train), 32)
        top, left = rng.integers(0, 13, 2)
        clean = x_train[index, :, top : top + 16, left : left + 16]
        noisy = add_gaussian_noise(clean, sigma, rng)
        loss = F.mse_loss(model.noise(md.Tensor(noisy)), md.Tensor(noisy - clean))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    noisy = add_gaussian_noise(x_test, sigma, rng)
    with md.no_grad():
        denoised = model(md.Tensor(noisy))
    assert psnr(denoised, x_test) > psnr(noisy, x_test) + 1.5  # dB gained on unseen images
