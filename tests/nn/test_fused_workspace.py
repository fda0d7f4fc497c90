"""The fused linear, layer-norm-linear and attention paths take their big arrays from
``mathdl.ops.workspace``: a held output or gradient must never be handed out again, and the
ReLU layer norm's backward, which forms z̄ = ȳ ⊙ [y > 0] a block of rows at a time, must give the
same gradients for any block size (a ragged last block included)."""

import importlib

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F

lnl_module = importlib.import_module("mathdl.nn.functional.layer_norm_linear")


def test_held_outputs_and_gradients_are_not_reused():
    rng = np.random.default_rng(0)
    x = md.tensor(rng.standard_normal((2048, 128)).astype(np.float32), requires_grad=True)
    w = md.tensor(rng.standard_normal((256, 128)).astype(np.float32), requires_grad=True)
    first = F.linear_relu(x, w)  # (2048, 256) float32: 2 MiB, from the workspace
    kept = first.array.copy()
    first.sum().backward()
    grad = x.grad.array.copy()
    for _ in range(3):  # the same sizes again while first and x.grad are held
        second = F.linear_relu(md.tensor(-x.array), w)
        second.sum().backward()
        assert not np.shares_memory(second.array, first.array)
    np.testing.assert_array_equal(first.array, kept)
    np.testing.assert_array_equal(x.grad.array, grad)


@pytest.mark.parametrize("block_bytes", [8 * 5 * 3, 8 * 5 * 7, 2**20])
def test_relu_backward_blocks_agree_with_composed(monkeypatch, block_bytes):
    monkeypatch.setattr(lnl_module, "_BLOCK_BYTES", block_bytes)  # blocks of 3 or 7 of 20 rows, or 1
    rng = np.random.default_rng(1)
    shapes = [(4, 5, 6), (6,), (6,), (5, 6), (5,)]
    xs = [md.tensor(rng.standard_normal(s), dtype=np.float64, requires_grad=True) for s in shapes]
    y = F.layer_norm_linear(*xs, relu=True)
    cotangent = md.tensor(rng.standard_normal(y.shape))
    fast = md.grad([y], xs, [cotangent], retain_graph=True)
    composed = md.grad([y], xs, [cotangent], create_graph=True)
    for a, b in zip(fast, composed):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2048, 512), (3, 2**14 + 5), (7,), (0, 4)])
def test_relu_in_place_equals_maximum_with_zero(dtype, shape):
    from mathdl.nn.functional.linear import relu_

    rng = np.random.default_rng(2)
    a = rng.standard_normal(shape).astype(dtype)
    if a.size:
        a.reshape(-1)[:3] = [np.nan, -np.inf, np.inf]
    want = np.maximum(a, 0)
    assert relu_(a) is a
    np.testing.assert_array_equal(a, want)
    strided = rng.standard_normal((6, 8)).astype(dtype)[:, ::2]  # not contiguous: still in place
    want = np.maximum(strided, 0)
    relu_(strided)
    np.testing.assert_array_equal(strided, want)
