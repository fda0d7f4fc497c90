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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 0, 1, 2), (1, 2, 3, 0)])
def test_relu_array_in_any_dense_layout_equals_maximum_with_zero(dtype, order):
    """relu_array on arrays laid out like a convolution's (C, H, W, N) memory behind an NCHW view,
    into a separate buffer of the same layout and in place; and a mismatched layout falls back."""
    from mathdl.ops.dense_layout import relu_array

    rng = np.random.default_rng(3)
    shape = (5, 7, 9, 61)  # 19,215 elements: one whole zero row and a ragged tail
    memory = rng.standard_normal(tuple(shape[a] for a in order)).astype(dtype)
    x = memory.transpose(np.argsort(order))
    x[0, 0, 0, :3] = [np.nan, -np.inf, np.inf]
    want = np.maximum(x, 0)
    out = np.empty_like(memory).transpose(np.argsort(order))
    assert relu_array(x, out) is out
    np.testing.assert_array_equal(out, want)
    other = np.empty(shape, dtype)[:, :, :, ::-1]  # a different layout: NumPy's own loop
    np.testing.assert_array_equal(relu_array(x, other), want)
    assert relu_array(x, x) is x
    np.testing.assert_array_equal(x, want)


def test_relu_function_on_a_pooled_conv_layout_matches_maximum():
    import mathdl as md

    rng = np.random.default_rng(4)
    memory = rng.standard_normal((32, 28, 28, 64)).astype(np.float32)  # (C, H, W, N), 6.4 MB
    x = md.tensor(memory.transpose(3, 0, 1, 2), requires_grad=True)
    y = md.relu(x)
    np.testing.assert_array_equal(y.array, np.maximum(x.array, 0))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, (x.array > 0).astype(np.float32))
