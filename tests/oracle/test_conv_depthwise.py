"""Depthwise conv2d (groups = C = O), which runs the banded-matrix kernel of ops/conv_depthwise.py,
against PyTorch: values and all gradients in float64 over strides, paddings (including windows that
reach past the top/bottom rows), dilations and both input layouts the kernel reads (NCHW memory and
the (C, H, W, N) memory of a previous conv's output); the band gate; grad-of-grad; float32."""

import itertools

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck
from mathdl.ops import conv_depthwise
from mathdl.ops.conv_arrays import Geometry, _padding, _pair
from mathdl.ops.conv_depthwise import banded
from mathdl.ops.convolution import conv2d

GRID = list(itertools.product([3, (3, 2), 1], [1, 2, (2, 1)], [0, 1, (3, 0)], [1, (2, 1)], [False, True]))


def _chwn(x):
    """The same values with (C, H, W, N) memory, as a preceding conv2d returns them."""
    return np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def _assert_like_torch(torch, rng, arrays, chwn, **conv):
    """conv2d(x, w, b, **conv) and its three gradients against PyTorch's in float64 (x and ȳ handed
    over in (C, H, W, N) memory when ``chwn``)."""
    x, w, b = arrays
    mine = [md.tensor(_chwn(x) if chwn else x, requires_grad=True)]
    mine += [md.tensor(w, requires_grad=True), md.tensor(b, requires_grad=True)]
    ref = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = conv2d(*mine, **conv)
    ty = torch.nn.functional.conv2d(*ref, **conv)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    gy = rng.standard_normal(y.shape)
    y.backward(md.tensor(_chwn(gy) if chwn else gy))
    ty.backward(torch.tensor(gy))
    for a, t in zip(mine, ref):
        np.testing.assert_allclose(a.grad.array, t.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kernel,stride,padding,dilation,chwn", GRID)
def test_depthwise_matches_torch(torch, rng, kernel, stride, padding, dilation, chwn):
    k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    x, w, b = rng.standard_normal((3, 5, 9, 8)), rng.standard_normal((5, 1) + k), rng.standard_normal(5)
    pairs = (
        _pair(stride, "stride", "test", 1),
        _padding(padding, "test"),
        _pair(dilation, "dilation", "test", 1),
    )
    geometry = Geometry(k, *pairs, groups=5)
    assert banded(geometry, x.shape, w.shape)
    _assert_like_torch(
        torch, rng, (x, w, b), chwn, stride=stride, padding=padding, dilation=dilation, groups=5
    )


def test_band_gate():
    """The band kernel takes depthwise layers with narrow rows only; others use im2col."""
    g = Geometry((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 8)
    assert banded(g, (2, 8, 14, 14), (8, 1, 3, 3))
    assert not banded(g, (2, 8, 14, 200), (8, 1, 3, 3))  # too wide: R·W ≫ kh·kw
    assert not banded(g, (2, 8, 14, 14), (16, 1, 3, 3))  # channel multiplier 2
    assert not banded(Geometry((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1), (2, 8, 14, 14), (8, 8, 3, 3))


def test_depthwise_second_order_matches_torch(torch, rng):
    """A gradient penalty through the band kernel: ∂/∂w of ‖∂L/∂x‖²."""
    x, w = rng.standard_normal((2, 4, 6, 7)), rng.standard_normal((4, 1, 3, 3))
    mx, mw = md.tensor(x, requires_grad=True), md.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (gx,) = md.grad((conv2d(mx, mw, padding=1, groups=4) ** 2).sum(), [mx], create_graph=True)
    (gx**2).sum().backward()
    (tgx,) = torch.autograd.grad(
        (torch.nn.functional.conv2d(tx, tw, padding=1, groups=4) ** 2).sum(), [tx], create_graph=True
    )
    (tgx**2).sum().backward()
    np.testing.assert_allclose(mw.grad.array, tw.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mx.grad.array, tx.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_depthwise_float32(torch, rng):
    x = rng.standard_normal((4, 6, 14, 14)).astype(np.float32)
    w = rng.standard_normal((6, 1, 3, 3)).astype(np.float32)
    y = conv2d(md.tensor(x), md.tensor(w), padding=1, groups=6)
    assert y.dtype == np.float32
    ty = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1, groups=6)
    np.testing.assert_allclose(y.array, ty.numpy(), rtol=1e-5, atol=1e-5)


# Blocks of g output rows per product: odd heights leave a shorter last block, and with padding,
# stride and dilation the first and last blocks read only part of their band rows.
BLOCK_GRID = list(
    itertools.product([2, 3], [(3, 1, 1, 1), (3, 2, 1, 1), (3, 1, 2, 2), ((3, 2), 2, (3, 0), 1)])
)


@pytest.mark.parametrize("block,spec", BLOCK_GRID)
@pytest.mark.parametrize("chwn", [False, True])
def test_depthwise_row_blocks_match_torch(torch, rng, monkeypatch, block, spec, chwn):
    monkeypatch.setattr(conv_depthwise, "FORWARD_BLOCK_ROWS", block)
    monkeypatch.setattr(conv_depthwise, "GRAD_BLOCK_ROWS", block)
    kernel, stride, padding, dilation = spec
    k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    x, w, b = rng.standard_normal((3, 4, 11, 7)), rng.standard_normal((4, 1) + k), rng.standard_normal(4)
    _assert_like_torch(
        torch, rng, (x, w, b), chwn, stride=stride, padding=padding, dilation=dilation, groups=4
    )


@pytest.mark.parametrize("block", [1, 2, 3])
def test_depthwise_row_blocks_gradcheck(rng, monkeypatch, block):
    """Float64 finite differences through blocks of g rows (a 7-row output: a shorter last block)."""
    monkeypatch.setattr(conv_depthwise, "FORWARD_BLOCK_ROWS", block)
    monkeypatch.setattr(conv_depthwise, "GRAD_BLOCK_ROWS", block)
    x = md.tensor(rng.standard_normal((2, 3, 7, 6)), requires_grad=True)
    w = md.tensor(rng.standard_normal((3, 1, 3, 3)), requires_grad=True)
    assert gradcheck(lambda x, w: conv2d(x, w, padding=1, groups=3), [x, w])


def test_placement_of_a_block_starts_with_that_of_fewer_rows():
    """A shorter last block uses the top-left corner of the g-row band."""
    g = Geometry((3, 3), (2, 1), ((1, 1), (1, 1)), (1, 2), 4)
    three, one = conv_depthwise._placement(g, 9, 7, 3), conv_depthwise._placement(g, 9, 7, 1)
    np.testing.assert_array_equal(three[:, :7, : one.shape[2]], one)
    assert three.shape == (9, 3 * 7, (2 * 2 + 3) * 9)  # R_g = s(g − 1) + R rows
