"""Learning-rate schedules: closed forms, state_dict resume, errors."""

import math

import numpy as np
import pytest

from mathdl import nn, optim
from mathdl.optim import lr_scheduler


def sgd(lr=1.0):
    return optim.SGD([nn.Parameter(np.zeros(1))], lr=lr)


def rates(schedule, epochs):
    values = []
    for _ in range(epochs):
        values.append(schedule.get_last_lr()[0])
        schedule.step()
    return values


def test_step_lr_closed_form():
    assert rates(lr_scheduler.StepLR(sgd(0.5), step_size=3, gamma=0.1), 8) == pytest.approx(
        [0.5 * 0.1 ** (t // 3) for t in range(8)]
    )


def test_exponential_and_cosine_closed_forms():
    assert rates(lr_scheduler.ExponentialLR(sgd(2.0), gamma=0.5), 5) == pytest.approx(
        [2 * 0.5**t for t in range(5)]
    )
    values = rates(lr_scheduler.CosineAnnealingLR(sgd(1.0), T_max=8, eta_min=0.1), 9)
    assert values == pytest.approx([0.1 + 0.9 * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(9)])
    assert values[-1] == pytest.approx(0.1)


def test_schedule_writes_the_optimizer_lr():
    opt = sgd(1.0)
    schedule = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    schedule.step()
    assert opt.param_groups[0]["lr"] == 0.5 and schedule.get_last_lr() == [0.5]
    assert opt.param_groups[0]["initial_lr"] == 1.0


def test_state_dict_resume():
    opt = sgd(1.0)
    schedule = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        schedule.step()
    saved_schedule, saved_opt = schedule.state_dict(), opt.state_dict()
    expected = rates(schedule, 5)
    opt2 = sgd(1.0)
    opt2.load_state_dict(saved_opt)
    resumed = lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    resumed.load_state_dict(saved_schedule)
    assert rates(resumed, 5) == pytest.approx(expected)
    assert "optimizer" not in saved_schedule


def test_errors():
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        lr_scheduler.StepLR(sgd(), step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive integer"):
        lr_scheduler.CosineAnnealingLR(sgd(), T_max=-1)
    with pytest.raises(TypeError, match="expected an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(sgd(), step_size=1, last_epoch=3)


def test_reduce_on_plateau_reduces_after_patience():
    opt = sgd(1.0)
    schedule = lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    for metric in [1.0, 1.0, 1.0]:
        schedule.step(metric)
    assert opt.param_groups[0]["lr"] == 1.0  # two bad epochs: not yet
    schedule.step(1.0)
    assert opt.param_groups[0]["lr"] == 0.5
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)


def test_lambda_lr_and_its_state():
    opt = sgd(2.0)
    schedule = lr_scheduler.LambdaLR(opt, lambda t: 1 / (t + 1))
    assert rates(schedule, 4) == pytest.approx([2.0, 1.0, 2 / 3, 0.5])
    assert "lr_lambdas" not in schedule.state_dict()
    with pytest.raises(ValueError, match="callable"):
        lr_scheduler.LambdaLR(opt, 3)
