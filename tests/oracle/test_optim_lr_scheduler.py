"""Learning-rate schedules against torch.optim.lr_scheduler: the same rates epoch by epoch."""
import numpy as np
import pytest

from mathdl import nn, optim

EPOCHS = 40


@pytest.mark.parametrize("name,options", [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("MultiStepLR", dict(milestones=[3, 10, 10, 25], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=13, eta_min=0.01)),
])
def test_schedule_matches_torch(torch, name, options):
    p = nn.Parameter(np.zeros(2))
    t = torch.zeros(2, requires_grad=True)
    ours = optim.SGD([{"params": [p]}, {"params": [nn.Parameter(np.zeros(1))], "lr": 0.02}], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([{"params": [t]}, {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.02}],
                             lr=0.1, momentum=0.9)
    our_schedule = getattr(optim.lr_scheduler, name)(ours, **options)
    their_schedule = getattr(torch.optim.lr_scheduler, name)(theirs, **options)
    for _ in range(EPOCHS):
        np.testing.assert_allclose(our_schedule.get_last_lr(), their_schedule.get_last_lr(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose([g["lr"] for g in ours.param_groups], [g["lr"] for g in theirs.param_groups],
                                   rtol=1e-12, atol=1e-15)
        ours.step()
        theirs.step()
        our_schedule.step()
        their_schedule.step()
