"""nn layers against torch.nn: weights copied across via state_dict (same keys), then forward values,
input and parameter gradients, and BatchNorm's running statistics in train and eval mode."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl import nn


def copy_from_torch(ours, theirs):
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(state) == list(ours.state_dict())  # the same names in the same order
    ours.load_state_dict(state)


def check_step(torch, ours, theirs, x, rtol=1e-10, atol=1e-12, seed=0):
    """Forward and backward of one batch; compare outputs, input grads and parameter grads."""
    xm = md.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ym, yt = ours(xm), theirs(xt)
    np.testing.assert_allclose(ym.array, yt.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(seed).standard_normal(ym.shape)
    ym.backward(md.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.array, xt.grad.numpy(), rtol=rtol, atol=atol)
    for (name, p), (t_name, t) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == t_name
        np.testing.assert_allclose(p.grad.array, t.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)


def test_linear_mlp(torch, rng):
    theirs = torch.nn.Sequential(
        torch.nn.Linear(6, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 3, bias=False),
        torch.nn.Tanh(),
        torch.nn.Flatten(),
        torch.nn.Sigmoid(),
    ).double()
    ours = nn.Sequential(
        nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3, bias=False), nn.Tanh(), nn.Flatten(), nn.Sigmoid()
    ).double()
    copy_from_torch(ours, theirs)
    check_step(torch, ours, theirs, rng.standard_normal((5, 6)))
    assert repr(ours) == repr(theirs)


def test_linear_default_init_has_torchs_distribution(torch):
    # the same bounds: U(−1/√in, 1/√in) for weight and bias
    md.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = nn.Linear(300, 200), torch.nn.Linear(300, 200)
    for a, b in (
        (ours.weight.array, theirs.weight.detach().numpy()),
        (ours.bias.array, theirs.bias.detach().numpy()),
    ):
        assert abs(np.abs(a).max() - np.abs(b).max()) < 1e-3
        np.testing.assert_allclose(a.std(), b.std(), rtol=0.05)


@pytest.mark.parametrize(
    "layer,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (3, 3, 4, 4))]
)
@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(momentum=0.3, eps=1e-3),
        dict(affine=False),
        dict(momentum=None),
        dict(track_running_stats=False),
    ],
)
def test_batch_norm_train_then_eval(torch, rng, layer, shape, options):
    theirs = getattr(torch.nn, layer)(3, **options).double()
    ours = getattr(nn, layer)(3, **options).double()
    if ours.affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rng.uniform(0.5, 2, 3)))
            theirs.bias.copy_(torch.tensor(rng.standard_normal(3)))
    copy_from_torch(ours, theirs)
    for step in range(3):  # training: batch statistics, running updates
        for p in list(ours.parameters()):
            p.grad = None
        theirs.zero_grad()
        check_step(torch, ours, theirs, rng.standard_normal(shape) * 2 + 1, seed=step)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].array, value.numpy(), rtol=1e-12, err_msg=key)
    ours.eval()
    theirs.eval()
    for p in list(ours.parameters()):
        p.grad = None
    theirs.zero_grad()
    check_step(torch, ours, theirs, rng.standard_normal(shape), seed=9)


def test_batch_norm_float32(torch, rng):
    theirs, ours = torch.nn.BatchNorm2d(4), nn.BatchNorm2d(4)
    x = (rng.standard_normal((8, 4, 5, 5)) * 3).astype(np.float32)
    ym, yt = ours(md.tensor(x)), theirs(torch.tensor(x))
    assert ym.dtype == np.float32
    np.testing.assert_allclose(ym.array, yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.running_var.array, theirs.running_var.numpy(), rtol=1e-5)


def test_dropout_eval_and_scaling_match(torch, rng):
    x = rng.standard_normal((50, 40))
    ours, theirs = nn.Dropout(0.25), torch.nn.Dropout(0.25)
    ym, yt = ours(md.tensor(x)).array, theirs(torch.tensor(x)).numpy()
    # different random masks, the same rule: kept values are x / (1 − p)
    np.testing.assert_allclose(ym[ym != 0], x[ym != 0] / 0.75, rtol=1e-12)
    np.testing.assert_allclose(yt[yt != 0], x[yt != 0] / 0.75, rtol=1e-12)
    ours.eval()
    theirs.eval()
    np.testing.assert_array_equal(ours(md.tensor(x)).array, theirs(torch.tensor(x)).numpy())


def test_loss_modules_match(torch, rng):
    z = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    weight = rng.uniform(0.5, 2, 4)
    ours = nn.CrossEntropyLoss(weight=weight, reduction="sum")(md.tensor(z), labels)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight), reduction="sum")(
        torch.tensor(z), torch.tensor(labels)
    )
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    y = rng.uniform(0, 1, (6, 4))
    np.testing.assert_allclose(
        nn.BCEWithLogitsLoss()(md.tensor(z), md.tensor(y)).item(),
        torch.nn.BCEWithLogitsLoss()(torch.tensor(z), torch.tensor(y)).item(),
        rtol=1e-12,
    )


def test_training_run_matches_torch(torch, rng):
    """Ten SGD-with-momentum steps of a small BatchNorm MLP on the same data: the same losses."""
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
    ).double()
    ours = nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3)).double()
    copy_from_torch(ours, theirs)
    from mathdl import optim

    our_opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    x = rng.standard_normal((32, 5))
    y = rng.integers(0, 3, 32)
    for _ in range(10):
        our_opt.zero_grad()
        their_opt.zero_grad()
        loss = F.cross_entropy(ours(md.tensor(x)), y)
        t_loss = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        t_loss.backward()
        our_opt.step()
        their_opt.step()
        np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-10)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(
            ours.state_dict()[key].array, value.numpy(), rtol=1e-9, atol=1e-12, err_msg=key
        )


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, rng, norm_type, max_norm):
    from mathdl.nn.utils import clip_grad_norm_

    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ours = [nn.Parameter(np.zeros(g.shape), dtype=np.float64) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = md.tensor(g.copy()), torch.tensor(g.copy())
    total = clip_grad_norm_(ours, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), t_total.item(), rtol=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.array, t.grad.numpy(), rtol=1e-12)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PROPERTY = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(
    seed=st.integers(0, 2**32 - 1),
    lead=st.lists(st.integers(1, 4), min_size=0, max_size=3),
    sizes=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    bias=st.booleans(),
)
@PROPERTY
def test_linear_random_shapes(torch, seed, lead, sizes, bias):
    rng = np.random.default_rng(seed)
    theirs = torch.nn.Linear(*sizes, bias=bias).double()
    ours = nn.Linear(*sizes, bias=bias).double()
    copy_from_torch(ours, theirs)
    check_step(torch, ours, theirs, rng.standard_normal(tuple(lead) + (sizes[0],)), seed=seed % 1000)


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 5),
    c=st.integers(1, 4),
    spatial=st.lists(st.integers(1, 4), min_size=0, max_size=2),
)
@PROPERTY
def test_batch_norm_random_shapes(torch, seed, n, c, spatial):
    rng = np.random.default_rng(seed)
    layer = {0: "BatchNorm1d", 1: "BatchNorm1d", 2: "BatchNorm2d"}[len(spatial)]
    theirs, ours = getattr(torch.nn, layer)(c).double(), getattr(nn, layer)(c).double()
    check_step(torch, ours, theirs, rng.standard_normal((n, c) + tuple(spatial)) * 3, seed=seed % 1000)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].array, value.numpy(), rtol=1e-12, err_msg=key)
