"""optim.swa_utils against torch.optim.swa_utils on copied models: averaged weights after a few
updates (SWA, EMA, custom avg_fn, buffers), SWALR's learning-rate sequence, update_bn."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim
from mathdl.optim.swa_utils import (
    SWALR,
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    update_bn,
)


def pair(torch):
    md_model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2)).double()
    torch_model = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
    ).double()
    for name, value in md_model.state_dict().items():
        torch_model.state_dict()[name].copy_(torch.from_numpy(np.array(value.array)))
    return md_model, torch_model


def train_step(torch, md_model, torch_model, md_opt, torch_opt, x):
    md_opt.zero_grad()
    (md_model(md.tensor(x)) ** 2).sum().backward()
    md_opt.step()
    torch_opt.zero_grad()
    (torch_model(torch.from_numpy(x)) ** 2).sum().backward()
    torch_opt.step()


def assert_same_state(torch, md_module, torch_module):
    theirs = torch_module.state_dict()
    for name, value in md_module.state_dict().items():
        np.testing.assert_allclose(value.array, theirs[name].numpy(), rtol=1e-12, atol=1e-14, err_msg=name)


@pytest.mark.parametrize(
    "kind, use_buffers",
    [("swa", False), ("swa", True), ("ema", False), ("ema_multi", True), ("custom", False)],
)
def test_averaged_model_matches_torch(torch, kind, use_buffers):
    from torch.optim import swa_utils as ts

    md_model, torch_model = pair(torch)
    ours = {
        "swa": {},
        "ema": {"avg_fn": get_ema_avg_fn(0.9)},
        "ema_multi": {"multi_avg_fn": get_ema_multi_avg_fn(0.8)},
        "custom": {"avg_fn": lambda avg, cur, n: 0.5 * avg + 0.5 * cur},
    }[kind]
    theirs = {
        "swa": {},
        "ema": {"avg_fn": ts.get_ema_avg_fn(0.9)},
        "ema_multi": {"multi_avg_fn": ts.get_ema_multi_avg_fn(0.8)},
        "custom": {"avg_fn": lambda avg, cur, n: 0.5 * avg + 0.5 * cur},
    }[kind]
    md_avg = AveragedModel(md_model, use_buffers=use_buffers, **ours)
    torch_avg = ts.AveragedModel(torch_model, use_buffers=use_buffers, **theirs)
    md_opt = optim.SGD(md_model.parameters(), lr=0.05, momentum=0.9)
    torch_opt = torch.optim.SGD(torch_model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(5):
        train_step(torch, md_model, torch_model, md_opt, torch_opt, rng.standard_normal((8, 3)))
        md_avg.update_parameters(md_model)
        torch_avg.update_parameters(torch_model)
    assert int(md_avg.n_averaged.array) == int(torch_avg.n_averaged) == 5
    assert_same_state(torch, md_avg, torch_avg)
    x = rng.standard_normal((6, 3))
    md_avg.eval()
    torch_avg.eval()
    np.testing.assert_allclose(
        md_avg(md.tensor(x)).array, torch_avg(torch.from_numpy(x)).detach().numpy(), rtol=1e-12
    )


def test_swa_is_the_mean_of_the_visited_weights():
    model = nn.Linear(2, 1)
    averaged = AveragedModel(model)
    visited = []
    for k in range(4):
        model.weight.array[...] = k * 1.5 + np.arange(2)
        visited.append(model.weight.array.copy())
        averaged.update_parameters(model)
    np.testing.assert_allclose(averaged.module.weight.array, np.mean(visited, axis=0), rtol=1e-6)
    assert get_swa_avg_fn()(np.array(2.0), np.array(5.0), 2) == pytest.approx(3.0)


@pytest.mark.parametrize("strategy, anneal_epochs", [("cos", 5), ("linear", 3), ("cos", 0)])
def test_swalr_learning_rates_match_torch(torch, strategy, anneal_epochs):
    from torch.optim import swa_utils as ts

    md_model, torch_model = pair(torch)
    md_opt = optim.SGD(
        [{"params": list(md_model[0].parameters())}, {"params": list(md_model[3].parameters()), "lr": 0.3}],
        lr=0.1,
    )
    torch_opt = torch.optim.SGD(
        [
            {"params": list(torch_model[0].parameters())},
            {"params": list(torch_model[3].parameters()), "lr": 0.3},
        ],
        lr=0.1,
    )
    md_sched = SWALR(md_opt, swa_lr=[0.01, 0.02], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    torch_sched = ts.SWALR(
        torch_opt, swa_lr=[0.01, 0.02], anneal_epochs=anneal_epochs, anneal_strategy=strategy
    )
    for _ in range(8):
        np.testing.assert_allclose(md_sched.get_last_lr(), torch_sched.get_last_lr(), rtol=1e-12)
        md_opt.step()
        torch_opt.step()
        md_sched.step()
        torch_sched.step()


def test_update_bn_matches_torch(torch):
    from torch.optim import swa_utils as ts

    md_model, torch_model = pair(torch)
    rng = np.random.default_rng(1)
    batches = [rng.standard_normal((10, 3)) * 2 + 1 for _ in range(4)]
    md_model.eval()
    update_bn([(md.tensor(b), None) for b in batches], md_model)
    ts.update_bn([(torch.from_numpy(b), None) for b in batches], torch_model)
    assert not md_model.training and md_model[1].momentum == 0.1
    assert_same_state(torch, md_model, torch_model)


def test_bad_arguments_raise():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="only one of avg_fn and multi_avg_fn"):
        AveragedModel(model, avg_fn=get_swa_avg_fn(), multi_avg_fn=get_ema_multi_avg_fn())
    with pytest.raises(ValueError, match="decay"):
        get_ema_avg_fn(1.5)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        SWALR(opt, 0.01, anneal_strategy="step")
    with pytest.raises(ValueError, match="anneal_epochs"):
        SWALR(opt, 0.01, anneal_epochs=-1)
    with pytest.raises(ValueError, match="the averaged copy"):
        AveragedModel(model).update_parameters(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)))
