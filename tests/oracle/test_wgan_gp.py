"""The WGAN-GP penalty and its gradient with respect to the critic's parameters (a gradient of a
gradient) against PyTorch, for a dense and a convolutional critic with the same weights."""

import numpy as np
import pytest

import mathdl as md
from mathdl.models.gan import DCDiscriminator, MLPDiscriminator, gradient_penalty


@pytest.fixture
def float64():
    md.set_default_dtype(np.float64)
    yield
    md.set_default_dtype(np.float32)


def torch_penalty(torch, critic, real, fake, epsilon):
    eps = torch.tensor(epsilon).reshape((-1,) + (1,) * (real.ndim - 1))
    x_hat = (eps * torch.tensor(real) + (1 - eps) * torch.tensor(fake)).requires_grad_(True)
    (gradient,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((gradient.reshape(len(real), -1).norm(dim=1) - 1) ** 2).mean()


def compare(torch, ours, theirs, real, fake, epsilon):
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert p.shape == tuple(tp.shape), (name, tname)
            tp.copy_(torch.tensor(p.array))
    penalty = gradient_penalty(ours, real, fake, epsilon)
    penalty.backward()
    expected = torch_penalty(torch, theirs, real, fake, epsilon)
    expected.backward()
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-10)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        # a parameter that ∇_x f does not depend on (the last bias; biases before a piecewise-linear
        # activation) may be left unset (None) by either framework: compare as zeros
        got = np.zeros(p.shape) if p.grad is None else p.grad.array
        want = np.zeros(p.shape) if tp.grad is None else tp.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12, err_msg=name)
    return [p for p in ours.parameters() if p.grad is not None and np.any(p.grad.array)]


def test_penalty_gradient_equals_torch_dense(torch, float64, rng):
    md.manual_seed(0)
    ours = MLPDiscriminator(input_dim=6, hidden=(5, 4))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(6, 5),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(5, 4),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(4, 1),
    ).double()
    real, fake = rng.normal(size=(7, 6)), rng.normal(size=(7, 6))
    assert len(compare(torch, ours, theirs, real, fake, rng.random(7))) == 3  # the three weights


def test_penalty_gradient_equals_torch_smooth_critic(torch, float64, rng):
    # with tanh every parameter but the last bias shapes ∇_x f, so every gradient is exercised
    md.manual_seed(1)
    ours = md.nn.Sequential(
        md.nn.Linear(4, 8), md.nn.Tanh(), md.nn.Linear(8, 3), md.nn.Tanh(), md.nn.Linear(3, 1)
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
    ).double()
    real, fake = rng.normal(size=(9, 4)), rng.normal(size=(9, 4))
    assert len(compare(torch, ours, theirs, real, fake, rng.random(9))) == 5


def test_penalty_gradient_equals_torch_convolutional(torch, float64, rng):
    md.manual_seed(0)
    ours = DCDiscriminator(channels=1, width=2, batch_norm=False)
    nn = torch.nn
    theirs = nn.Sequential(
        nn.Conv2d(1, 2, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2, 4, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(4 * 7 * 7, 1),
    ).double()
    real, fake = rng.normal(size=(3, 1, 28, 28)), rng.normal(size=(3, 1, 28, 28))
    assert len(compare(torch, ours, theirs, real, fake, rng.random(3))) == 3
