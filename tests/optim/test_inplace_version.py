"""Optimiser steps and nn.init fill parameters in place: as in PyTorch, that counts as an in-place
write, so a backward through a graph recorded before the write (which saved the old weights)
raises instead of silently using the new ones."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl import nn
from mathdl.autograd import AutogradError

INPLACE = "modified by an inplace operation"


def _gan(seed):
    md.manual_seed(seed)
    generator = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))
    discriminator = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    return generator, discriminator


def _gan_step(generator, discriminator, detach_for_d, recompute_for_g):
    g_opt = md.optim.Adam(generator.parameters(), lr=1e-2)
    d_opt = md.optim.Adam(discriminator.parameters(), lr=1e-2)
    z, real = md.randn(5, 2), md.randn(5, 3)
    fake = generator(z)
    d_fake = discriminator(fake.detach() if detach_for_d else fake)
    d_loss = F.binary_cross_entropy_with_logits(
        discriminator(real), md.ones(5, 1)
    ) + F.binary_cross_entropy_with_logits(d_fake, md.zeros(5, 1))
    d_opt.zero_grad()
    d_loss.backward(retain_graph=True)
    d_opt.step()
    # the mistake: reuse D(fake), recorded with D's weights from before d_opt.step()
    g_out = discriminator(fake) if recompute_for_g else d_fake
    g_loss = F.binary_cross_entropy_with_logits(g_out, md.ones(5, 1))
    g_opt.zero_grad()
    g_loss.backward()
    g_opt.step()


def test_gan_generator_backward_through_stale_discriminator_raises():
    generator, discriminator = _gan(0)
    with pytest.raises(AutogradError, match=INPLACE):
        _gan_step(generator, discriminator, detach_for_d=False, recompute_for_g=False)


def test_gan_step_done_right_runs_and_trains_the_generator():
    generator, discriminator = _gan(0)
    before = [p.array.copy() for p in generator.parameters()]
    _gan_step(generator, discriminator, detach_for_d=True, recompute_for_g=True)
    assert all(not np.array_equal(b, p.array) for b, p in zip(before, generator.parameters()))


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax"])
def test_every_optimizer_step_counts_as_an_inplace_write(optimizer):
    layer = nn.Linear(3, 2)
    opt = getattr(md.optim, optimizer)(layer.parameters(), lr=0.1)
    x = md.randn(4, 3, requires_grad=True)
    loss = layer(x).square().sum()
    versions = [p._version for p in layer.parameters()]
    loss.backward(retain_graph=True)
    opt.step()
    assert [p._version for p in layer.parameters()] == [v + 1 for v in versions]
    with pytest.raises(AutogradError, match=INPLACE):
        loss.backward()


def test_a_parameter_without_gradient_is_not_written_or_counted():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    opt = md.optim.SGD([*a.parameters(), *b.parameters()], lr=0.1)
    a(md.randn(3, 2)).sum().backward()
    versions = [p._version for p in b.parameters()]
    opt.step()
    assert [p._version for p in b.parameters()] == versions


def test_reinitialising_a_weight_after_the_forward_raises():
    layer = nn.Linear(3, 2)
    loss = layer(md.randn(4, 3, requires_grad=True)).sum()
    nn.init.xavier_uniform_(layer.weight)
    with pytest.raises(AutogradError, match=INPLACE):
        loss.backward()


def test_the_same_mistake_raises_in_torch(torch):
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    out = layer(torch.randn(4, 3, requires_grad=True)).sum()
    out.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=INPLACE):
        out.backward()
