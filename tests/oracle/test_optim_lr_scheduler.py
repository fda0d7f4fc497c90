"""Learning-rate schedules against torch.optim.lr_scheduler: the same rates epoch by epoch."""

import numpy as np
import pytest

from mathdl import nn, optim

EPOCHS = 40


@pytest.mark.parametrize(
    "name,options",
    [
        ("StepLR", dict(step_size=7, gamma=0.5)),
        ("StepLR", dict(step_size=1)),
        ("MultiStepLR", dict(milestones=[3, 10, 10, 25], gamma=0.3)),
        ("ExponentialLR", dict(gamma=0.93)),
        ("CosineAnnealingLR", dict(T_max=10)),
        ("CosineAnnealingLR", dict(T_max=13, eta_min=0.01)),
        ("CosineAnnealingWarmRestarts", dict(T_0=5)),
        ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ],
)
def test_schedule_matches_torch(torch, name, options):
    p = nn.Parameter(np.zeros(2))
    t = torch.zeros(2, requires_grad=True)
    ours = optim.SGD(
        [{"params": [p]}, {"params": [nn.Parameter(np.zeros(1))], "lr": 0.02}], lr=0.1, momentum=0.9
    )
    theirs = torch.optim.SGD(
        [{"params": [t]}, {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.02}], lr=0.1, momentum=0.9
    )
    our_schedule = getattr(optim.lr_scheduler, name)(ours, **options)
    their_schedule = getattr(torch.optim.lr_scheduler, name)(theirs, **options)
    for _ in range(EPOCHS):
        np.testing.assert_allclose(
            our_schedule.get_last_lr(), their_schedule.get_last_lr(), rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(
            [g["lr"] for g in ours.param_groups],
            [g["lr"] for g in theirs.param_groups],
            rtol=1e-12,
            atol=1e-15,
        )
        ours.step()
        theirs.step()
        our_schedule.step()
        their_schedule.step()


def test_lambda_lr_matches_torch(torch):
    ours = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.5)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    warmup = lambda epoch: min(1.0, (epoch + 1) / 5) * 0.95**epoch  # noqa: E731
    a, b = optim.lr_scheduler.LambdaLR(ours, warmup), torch.optim.lr_scheduler.LambdaLR(theirs, warmup)
    for _ in range(15):
        np.testing.assert_allclose(a.get_last_lr(), b.get_last_lr(), rtol=1e-14)
        ours.step()
        theirs.step()
        a.step()
        b.step()


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(mode="max", factor=0.5, patience=2, cooldown=1),
        dict(threshold_mode="abs", threshold=0.05, patience=1, min_lr=0.004),
    ],
)
def test_reduce_on_plateau_matches_torch(torch, options):
    metrics = [1.0, 0.9, 0.95, 0.91, 0.9, 0.92, 0.93, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.79, 0.8, 0.81] * 2
    if options.get("mode") == "max":
        metrics = [-m for m in metrics]
    ours = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    options = dict(options)
    if "patience" not in options:
        options["patience"] = 3
    a = optim.lr_scheduler.ReduceLROnPlateau(ours, **options)
    b = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **options)
    for metric in metrics:
        a.step(metric)
        b.step(metric)
        np.testing.assert_allclose(ours.param_groups[0]["lr"], theirs.param_groups[0]["lr"], rtol=1e-14)
        np.testing.assert_allclose(a.get_last_lr(), b.get_last_lr(), rtol=1e-14)
    assert ours.param_groups[0]["lr"] < 0.1


@pytest.mark.parametrize("T_mult", [1, 2])
def test_warm_restarts_with_fractional_epochs_match_torch(torch, T_mult):
    """Per-step use: step(epoch + i / steps), the closed form for T_cur and T_i."""
    ours = optim.SGD([nn.Parameter(np.zeros(2))], lr=0.1)
    theirs = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    our_schedule = optim.lr_scheduler.CosineAnnealingWarmRestarts(ours, T_0=2, T_mult=T_mult, eta_min=1e-3)
    their_schedule = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        theirs, T_0=2, T_mult=T_mult, eta_min=1e-3
    )
    for epoch in range(12):
        for i in range(4):
            our_schedule.step(epoch + i / 4)
            their_schedule.step(epoch + i / 4)
            np.testing.assert_allclose(our_schedule.get_last_lr(), their_schedule.get_last_lr(), rtol=1e-12)
    with pytest.raises(ValueError, match="T_0"):
        optim.lr_scheduler.CosineAnnealingWarmRestarts(ours, T_0=0)
    with pytest.raises(ValueError, match="non-negative epoch"):
        our_schedule.step(-1)
