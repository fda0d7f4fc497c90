"""Optimizer trajectories against torch.optim: the same start, the same gradient sequence, several
steps and option combinations, float64; parameters must agree to ~1e-12."""

import itertools

import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim

STEPS = 12


def configurations():
    yield "SGD", dict(lr=0.1)
    for momentum, dampening, nesterov, weight_decay in itertools.product(
        [0.9], [0.0, 0.3], [False, True], [0.0, 0.05]
    ):
        if nesterov and dampening:
            continue
        yield (
            "SGD",
            dict(
                lr=0.05, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay
            ),
        )
    yield "SGD", dict(lr=0.05, momentum=0.5, maximize=True, weight_decay=0.1)
    yield "Adagrad", dict(lr=0.1)
    yield "Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2, eps=1e-6)
    for momentum, centered, weight_decay in itertools.product([0.0, 0.7], [False, True], [0.0, 0.05]):
        yield (
            "RMSprop",
            dict(lr=0.01, alpha=0.9, momentum=momentum, centered=centered, weight_decay=weight_decay),
        )
    yield "RMSprop", dict()
    for amsgrad, weight_decay in itertools.product([False, True], [0.0, 0.1]):
        yield "Adam", dict(lr=0.05, betas=(0.8, 0.95), amsgrad=amsgrad, weight_decay=weight_decay)
        yield "AdamW", dict(lr=0.05, betas=(0.8, 0.95), amsgrad=amsgrad, weight_decay=weight_decay)
    yield "Adam", dict(lr=0.01, maximize=True)
    yield "AdamW", dict()
    yield "Adadelta", dict()
    yield "Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)
    yield "Adamax", dict()
    yield "Adamax", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1)
    yield "NAdam", dict()
    yield "NAdam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, momentum_decay=0.01)
    yield "NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)


CONFIGS = list(configurations())


@pytest.mark.parametrize("name,options", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_trajectory_matches_torch(torch, rng, name, options):
    shapes = [(3, 4), (4,)]
    starts = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) * (1 + step % 3) for s in shapes] for step in range(STEPS)]
    ours = [nn.Parameter(a.copy(), dtype=np.float64) for a in starts]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in starts]
    kwargs = dict(options)
    if name in ("SGD",) and "lr" not in kwargs:
        kwargs["lr"] = 0.1
    our_opt = getattr(optim, name)(ours, **kwargs)
    # PyTorch keeps scalar state (NAdam's μ-product, step counts) in the default dtype: make it float64
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        their_opt = getattr(torch.optim, name)(theirs, **kwargs)
        run_both(torch, ours, theirs, our_opt, their_opt, grads)
    finally:
        torch.set_default_dtype(previous)


def run_both(torch, ours, theirs, our_opt, their_opt, grads):
    for step_grads in grads:
        for p, t, g in zip(ours, theirs, step_grads):
            p.grad = md.tensor(g)
            t.grad = torch.tensor(g)
        our_opt.step()
        their_opt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize(
    "name,options",
    [
        ("SGD", dict(lr=0.1, momentum=0.9)),
        ("RMSprop", dict(lr=0.01)),
        ("Adam", dict(lr=0.01)),
        ("Adagrad", dict(lr=0.1)),
    ],
)
def test_float32_trajectory_close_to_torch(torch, rng, name, options):
    start = rng.standard_normal((5, 5)).astype(np.float32)
    ours = nn.Parameter(start.copy())
    theirs = torch.tensor(start.copy(), requires_grad=True)
    our_opt, their_opt = (
        getattr(optim, name)([ours], **options),
        getattr(torch.optim, name)([theirs], **options),
    )
    for _ in range(10):
        g = rng.standard_normal((5, 5)).astype(np.float32)
        ours.grad, theirs.grad = md.tensor(g), torch.tensor(g)
        our_opt.step()
        their_opt.step()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_matches_torch_layout(torch, rng):
    p = nn.Parameter(rng.standard_normal(3), dtype=np.float64)
    t = torch.tensor(p.array.copy(), requires_grad=True)
    ours, theirs = optim.Adam([p], lr=0.01), torch.optim.Adam([t], lr=0.01)
    g = rng.standard_normal(3)
    p.grad, t.grad = md.tensor(g), torch.tensor(g)
    ours.step()
    theirs.step()
    a, b = ours.state_dict(), theirs.state_dict()
    assert set(a["state"]) == set(b["state"]) == {0}
    assert set(a["state"][0]) == set(b["state"][0])
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(a["state"][0][key], b["state"][0][key].numpy(), rtol=1e-14)
    assert a["state"][0]["step"] == int(b["state"][0]["step"])
    common = set(a["param_groups"][0]) & set(b["param_groups"][0])
    assert {"lr", "betas", "eps", "weight_decay", "amsgrad", "params"} <= common
    for key in common:
        assert a["param_groups"][0][key] == b["param_groups"][0][key], key
