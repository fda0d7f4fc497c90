"""conv2d and conv_transpose2d forward and backward against PyTorch (float64, 1e-6) over a grid of
kernel sizes, strides, paddings, dilations and groups; float32 agreement at float32 precision."""

import itertools

import numpy as np
import pytest

import mathdl as md
from mathdl.ops.convolution import conv2d, conv_transpose2d

GRID = list(itertools.product([1, 3, (2, 3)], [1, 2, (1, 3)], [0, 1, (2, 0)], [1, 2], [1, 2]))


def _compare(torch, rng, ours, theirs, arrays, dtype=np.float64, tol=1e-6):
    mine = [md.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    ref = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    y, ty = ours(*mine), theirs(*ref)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=tol, atol=tol)
    gy = rng.standard_normal(y.shape).astype(dtype)
    y.backward(md.tensor(gy))
    ty.backward(torch.tensor(gy))
    for a, b in zip(mine, ref):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("kernel,stride,padding,dilation,groups", GRID)
def test_conv2d_matches_torch(torch, rng, kernel, stride, padding, dilation, groups):
    k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((6, 4 // groups) + k)
    b = rng.standard_normal(6)
    _compare(
        torch,
        rng,
        lambda x, w, b: conv2d(x, w, b, stride, padding, dilation, groups),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups),
        [x, w, b],
    )


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_string_padding_matches_torch(torch, rng, padding):
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((2, 3, 4, 3))
    _compare(
        torch,
        rng,
        lambda x, w: conv2d(x, w, padding=padding, dilation=(1, 2)),
        lambda x, w: torch.nn.functional.conv2d(x, w, padding=padding, dilation=(1, 2)),
        [x, w],
    )


@pytest.mark.parametrize(
    "kernel,stride,padding,output_padding,dilation,groups",
    [
        (3, 2, 1, 1, 1, 1),
        (4, 2, 1, 0, 1, 1),
        (3, 1, 0, 0, 2, 2),
        ((2, 3), (2, 1), (0, 1), (1, 0), 1, 1),
        (3, 3, 2, 2, 1, 2),
        (5, 2, 2, 1, 1, 1),
        (2, 1, 1, 1, 2, 1),
    ],
)
def test_conv_transpose2d_matches_torch(
    torch, rng, kernel, stride, padding, output_padding, dilation, groups
):
    k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    x = rng.standard_normal((2, 4, 5, 4))
    w = rng.standard_normal((4, 6 // groups) + k)
    b = rng.standard_normal(6)
    _compare(
        torch,
        rng,
        lambda x, w, b: conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(
            x, w, b, stride, padding, output_padding, groups, dilation
        ),
        [x, w, b],
    )


def test_conv2d_float32_matches_torch(torch, rng):
    x, w, b = rng.standard_normal((8, 6, 14, 14)), rng.standard_normal((16, 6, 5, 5)), rng.standard_normal(16)
    _compare(
        torch,
        rng,
        lambda x, w, b: conv2d(x, w, b, padding=2),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=2),
        [x, w, b],
        np.float32,
        2e-4,
    )


def test_conv2d_double_backward_matches_torch(torch, rng):
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    X, W = md.tensor(x, requires_grad=True), md.tensor(w, requires_grad=True)
    TX, TW = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (gx,) = md.grad(md.tanh(conv2d(X, W, stride=2, padding=1)).sum(), [X], create_graph=True)
    (tgx,) = torch.autograd.grad(
        torch.tanh(torch.nn.functional.conv2d(TX, TW, stride=2, padding=1)).sum(), [TX], create_graph=True
    )
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(X.grad.array, TX.grad.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(W.grad.array, TW.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "kernel,padding,dilation,groups",
    list(itertools.product([3, (2, 3)], [0, 1, 2, (1, 2), "same"], [1, 2], [1, 2])),
)
def test_conv2d_stride1_fewer_outputs_matches_torch(torch, rng, kernel, padding, dilation, groups):
    # out_channels <= in_channels with stride 1: the input gradient is taken as a full correlation
    # with the rotated kernel instead of col2im; both routes must agree with PyTorch.
    k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    x = rng.standard_normal((2, 6, 8, 7))
    w = rng.standard_normal((4, 6 // groups) + k)
    _compare(
        torch,
        rng,
        lambda x, w: conv2d(x, w, None, 1, padding, dilation, groups),
        lambda x, w: torch.nn.functional.conv2d(x, w, None, 1, padding, dilation, groups),
        [x, w],
    )


@pytest.mark.parametrize("kernel,stride,padding,dilation,groups", GRID[::3])
def test_conv2d_in_row_blocks_matches_torch(
    torch, rng, monkeypatch, kernel, stride, padding, dilation, groups
):
    # Big layers run im2col + GEMM block by block of output rows; force one-row blocks here.
    import mathdl.ops.conv_arrays as conv_arrays

    monkeypatch.setattr(conv_arrays, "CHUNK_BYTES", 1)
    test_conv2d_matches_torch(torch, rng, kernel, stride, padding, dilation, groups)


@pytest.mark.parametrize("case", [(3, 2, 1, 1, 1, 1), (3, 1, 0, 0, 2, 2), (2, 1, 1, 1, 2, 1)])
def test_conv_transpose2d_and_double_backward_in_row_blocks(torch, rng, monkeypatch, case):
    import mathdl.ops.conv_arrays as conv_arrays

    monkeypatch.setattr(conv_arrays, "CHUNK_BYTES", 1)
    test_conv_transpose2d_matches_torch(torch, rng, *case)
    test_conv2d_double_backward_matches_torch(torch, rng)
