"""nn.utils.clip_grad_norm_ / clip_grad_value_."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.nn.utils import clip_grad_norm_, clip_grad_value_


def with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g)), dtype=np.float64)
        p.grad = md.tensor(np.asarray(g, dtype=np.float64))
        params.append(p)
    return params


def test_clip_grad_norm_scales_jointly():
    params = with_grads([3.0, 0.0], [[4.0]])
    total = clip_grad_norm_(params, 1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(params[0].grad.array, [3 / (5 + 1e-6), 0])
    np.testing.assert_allclose(params[1].grad.array, [[4 / (5 + 1e-6)]])


def test_clip_grad_norm_leaves_small_gradients():
    params = with_grads([0.3, 0.4])
    assert clip_grad_norm_(params, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad.array, [0.3, 0.4])


def test_other_norms_and_missing_grads():
    params = with_grads([1.0, -2.0], [2.0])
    params.append(nn.Parameter(np.zeros(3)))  # no grad: ignored
    assert clip_grad_norm_(params, 10.0, norm_type=1).item() == pytest.approx(5.0)
    assert clip_grad_norm_(params, 10.0, norm_type=math.inf).item() == pytest.approx(2.0)
    assert clip_grad_norm_(params, 10.0, norm_type=3).item() == pytest.approx((1 + 8 + 8) ** (1 / 3))
    assert clip_grad_norm_([nn.Parameter(np.zeros(2))], 1.0).item() == 0.0
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_(params, 1.0, norm_type=-1)
    bad = with_grads([np.nan])
    with pytest.raises(RuntimeError, match="nan"):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    params = with_grads([-3.0, 0.5, 2.0])
    clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.array, [-1.0, 0.5, 1.0])
