"""conv2d / conv_transpose2d: finite-difference gradients, second derivatives, formulas, errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.ops.convolution import conv2d, conv_transpose2d, same_padding


def _t(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


def _direct_conv2d(x, w, b, stride, padding, dilation, groups):
    """The convolution sum written out with loops (the textbook formula; small sizes only)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    wo = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, o, ho, wo))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(ho):
            for j in range(wo):
                patch = xp[
                    :,
                    g * cg : (g + 1) * cg,
                    i * stride : i * stride + dilation * (kh - 1) + 1 : dilation,
                    j * stride : j * stride + dilation * (kw - 1) + 1 : dilation,
                ]
                y[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3)) + (0 if b is None else b[oc])
    return y


@pytest.mark.parametrize(
    "stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 2), (3, 1, 1, 4), (2, 0, 2, 1)]
)
def test_conv2d_matches_the_convolution_sum(rng, stride, padding, dilation, groups):
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((4, 4 // groups, 3, 2))
    b = rng.standard_normal(4)
    y = conv2d(x, w, b, stride, padding, dilation, groups)
    np.testing.assert_allclose(
        y.array, _direct_conv2d(x, w, b, stride, padding, dilation, groups), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 1, 1, 1), (2, 0, 1, 2), (2, 1, 2, 1)])
def test_conv2d_gradients_match_finite_differences(rng, stride, padding, dilation, groups):
    x, w, b = _t(rng, 2, 4, 6, 5), _t(rng, 4, 4 // groups, 3, 2), _t(rng, 4)
    gradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding, dilation, groups), [x, w, b])


def test_conv2d_second_derivatives(rng):
    x, w = _t(rng, 2, 2, 5, 5), _t(rng, 4, 1, 3, 3)
    gradgradcheck(lambda x, w: conv2d(x, w, None, 2, 1, 1, 2), [x, w])


def test_gradient_penalty_through_conv_matches_finite_differences(rng):
    # WGAN-GP style: the loss is a function of ∂y/∂x, so it needs the derivative of a derivative.
    w = _t(rng, 3, 2, 3, 3)
    x = _t(rng, 2, 2, 5, 5)

    def penalty(x, w):
        with md.enable_grad():  # gradcheck evaluates f under no_grad for the differences
            y = md.tanh(conv2d(x, w, padding=1)).sum()
            (gx,) = md.grad(y, [x], create_graph=True)
            return (gx * gx).sum()

    gradcheck(penalty, [x, w])


@pytest.mark.parametrize(
    "stride,padding,output_padding,dilation,groups", [(2, 1, 1, 1, 1), (1, 0, 0, 2, 2), (3, 1, 2, 1, 1)]
)
def test_conv_transpose2d_gradients_and_adjointness(rng, stride, padding, output_padding, dilation, groups):
    x, w, b = _t(rng, 2, 4, 3, 4), _t(rng, 4, 6 // groups, 3, 3), _t(rng, 6)
    gradcheck(
        lambda x, w, b: conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
        [x, w, b],
    )
    # ⟨conv_transpose(u), v⟩ = ⟨u, conv(v)⟩: the two are adjoint linear maps.
    y = conv_transpose2d(x.array, w.array, None, stride, padding, output_padding, groups, dilation)
    v = rng.standard_normal(y.shape)
    back = conv2d(v, w.array, None, stride, padding, dilation, groups)
    assert back.shape == x.shape
    np.testing.assert_allclose((y.array * v).sum(), (back.array * x.array).sum(), rtol=1e-10)


def test_conv_transpose2d_second_derivatives(rng):
    x, w = _t(rng, 1, 2, 3, 3), _t(rng, 2, 3, 2, 2)
    gradgradcheck(lambda x, w: conv_transpose2d(x, w, stride=2, padding=1, output_padding=1), [x, w])


def test_float32_stays_float32_and_unbatched_input(rng):
    x = md.tensor(rng.standard_normal((3, 8, 8)).astype(np.float32), requires_grad=True)
    w = md.tensor(rng.standard_normal((5, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = md.tensor(np.zeros(5, np.float32), requires_grad=True)
    y = conv2d(x, w, b, padding="same")
    assert y.shape == (5, 8, 8) and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32 and b.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad.array, np.full(5, 64.0))


def test_same_padding_keeps_size_and_tensorflow_rule():
    x = np.ones((1, 1, 7, 6))
    assert conv2d(x, np.ones((1, 1, 4, 3)), padding="same").shape == (1, 1, 7, 6)
    assert same_padding((7, 6), 3, 2) == ((1, 1), (0, 1))  # ceil(7/2)=4, ceil(6/2)=3
    pads = same_padding((7, 6), 3, 2)
    assert conv2d(x, np.ones((1, 1, 3, 3)), stride=2, padding=pads).shape == (1, 1, 4, 3)


def test_misuse_raises_clear_errors(rng):
    x, w = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((4, 3, 3, 3))
    with pytest.raises(ValueError, match="3 channels"):
        conv2d(x, rng.standard_normal((4, 2, 3, 3)))
    with pytest.raises(ValueError, match="4-D"):
        conv2d(rng.standard_normal((8, 8)), w)
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        conv2d(x, rng.standard_normal((4, 3, 5, 5)), dilation=3)
    with pytest.raises(ValueError, match="stride"):
        conv2d(x, w, stride=0)
    with pytest.raises(TypeError, match="stride"):
        conv2d(x, w, stride=1.5)
    with pytest.raises(ValueError, match="groups"):
        conv2d(x, w, groups=0)
    with pytest.raises(ValueError, match="divisible"):
        conv2d(rng.standard_normal((2, 4, 8, 8)), rng.standard_normal((3, 2, 3, 3)), groups=2)
    with pytest.raises(ValueError, match="bias must have shape"):
        conv2d(x, w, np.zeros(3))
    with pytest.raises(ValueError, match="'same'"):
        conv2d(x, w, padding="same", stride=2)
    with pytest.raises(TypeError, match="dtype"):
        conv2d(x.astype(np.float32), w)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose2d(x, rng.standard_normal((3, 2, 3, 3)), stride=2, output_padding=2)


@pytest.mark.parametrize("channels,out_channels", [(1, 8), (16, 32)])  # tiny K·O (row-batched) and large
def test_weight_gradient_equals_the_window_sum(rng, channels, out_channels):
    x = rng.standard_normal((3, channels, 7, 6))
    w = md.tensor(rng.standard_normal((out_channels, channels, 3, 3)), requires_grad=True)
    gy = rng.standard_normal((3, out_channels, 7, 6))
    conv2d(x, w, padding=1).backward(md.tensor(gy))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))  # (n, c, i, j, u, v)
    expected = np.einsum("noij,ncijuv->ocuv", gy, windows)
    np.testing.assert_allclose(w.grad.array, expected, rtol=1e-10, atol=1e-10)


def test_large_im2col_matrices_are_rebuilt_not_kept(rng, monkeypatch):
    import mathdl.ops.convolution as convolution

    x = md.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = md.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    conv2d(x, w).sum().backward()
    expected = w.grad.array.copy()
    w.grad = None
    monkeypatch.setattr(convolution, "COLS_CACHE_BYTES", 0)
    y = conv2d(x, w)
    assert y.creator.cols is None  # nothing held between forward and backward
    y.sum().backward()
    np.testing.assert_allclose(w.grad.array, expected, rtol=1e-12)


def test_im2col_and_col2im_are_adjoint(rng):
    from mathdl.ops.convolution import Geometry, col2im, im2col

    geometry = Geometry((3, 2), (2, 1), ((1, 0), (2, 1)), (1, 2), 1)
    x = rng.standard_normal((3, 7, 6, 2))  # (C, H, W, N)
    cols, out_hw = im2col(x, geometry)
    assert cols.shape == (3 * 3 * 2, out_hw[0] * out_hw[1] * 2)
    c = rng.standard_normal(cols.shape)
    back = col2im(c, geometry, (7, 6), out_hw, 3, 2)
    np.testing.assert_allclose((cols * c).sum(), (x * back).sum(), rtol=1e-12)


def test_nchw_to_chwn_copy_in_batch_blocks_is_the_transposition(rng, monkeypatch):
    from mathdl.ops import conv_arrays

    monkeypatch.setattr(conv_arrays, "TRANSPOSE_MIN_BYTES", 0)  # the blocked path at any size
    x = rng.standard_normal((37, 3, 5, 4)).astype(np.float32)  # 37 = two blocks of 16 and a rest
    assert not conv_arrays.is_chwn(x)
    chwn = conv_arrays.as_chwn(x)
    np.testing.assert_array_equal(chwn, x.transpose(1, 2, 3, 0))
    assert chwn.flags.c_contiguous
    view = conv_arrays.as_chwn_view(x)
    assert conv_arrays.is_chwn(view) and conv_arrays.as_chwn_view(view) is view
    np.testing.assert_array_equal(view, x)
    padded = conv_arrays.padded_chwn(x, ((1, 2), (0, 1)))
    np.testing.assert_array_equal(padded, np.pad(x, ((0, 0), (0, 0), (1, 2), (0, 1))).transpose(1, 2, 3, 0))


@pytest.mark.parametrize("stride", [1, 2])
def test_nchw_and_chwn_inputs_give_the_same_gradients(rng, monkeypatch, stride):
    # An NCHW x keeps its padded CHWN copy for the weight gradient and an NCHW ȳ is converted once
    # for both products; a CHWN-backed x and ȳ take neither path (backward's copy of ȳ keeps its
    # layout). Same numbers either way.
    from mathdl.ops import conv_arrays

    monkeypatch.setattr(conv_arrays, "TRANSPOSE_MIN_BYTES", 0)
    monkeypatch.setattr(conv_arrays, "CHUNK_BYTES", 1)  # row blocks: no im2col matrix kept
    x = rng.standard_normal((20, 3, 7, 6))
    w, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    y_shape = conv2d(x, w, b, stride, 1).shape
    gy = rng.standard_normal(y_shape)
    grads = []
    for layout in ("nchw", "chwn"):
        xs, gys = x, gy
        if layout == "chwn":
            xs = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
            gys = np.ascontiguousarray(gy.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
        tensors = [md.tensor(a, requires_grad=True) for a in (xs, w, b)]
        y = conv2d(*tensors, stride=stride, padding=1)
        assert (y.creator.padded is not None) == (layout == "nchw")
        y.backward(md.tensor(gys))
        grads.append([t.grad.array for t in tensors])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))[:, :, ::stride, ::stride]
    np.testing.assert_allclose(grads[0][1], np.einsum("noij,ncijuv->ocuv", gy, windows), rtol=1e-10)
    np.testing.assert_allclose(grads[0][2], gy.sum(axis=(0, 2, 3)), rtol=1e-10)


@pytest.mark.parametrize("channels,out_channels", [(1, 8), (16, 32)])  # thin (row by row) and large
def test_weight_gradient_in_row_blocks_equals_the_window_sum(rng, monkeypatch, channels, out_channels):
    from mathdl.ops import conv_arrays

    # blocks of two output rows (and a last one of one): K·W_out·N·8 bytes per row, N = 3
    monkeypatch.setattr(conv_arrays, "CHUNK_BYTES", 2 * channels * 9 * 6 * 3 * 8)
    test_weight_gradient_equals_the_window_sum(rng, channels, out_channels)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("min_run", [1, 10**9])  # col2im's window adds unbuffered / NumPy-buffered
def test_col2im_input_gradient_with_and_without_numpy_buffering(rng, monkeypatch, dtype, stride, min_run):
    from mathdl.ops import conv_arrays

    monkeypatch.setattr(conv_arrays, "UNBUFFERED_MIN_RUN", min_run)
    # more output than input channels: the input gradient is Wᵀ·Ȳ scattered by col2im
    x = md.tensor(rng.standard_normal((40, 3, 9, 7)).astype(dtype), requires_grad=True)
    w = rng.standard_normal((6, 3, 3, 3)).astype(dtype)
    y = conv2d(x, w, stride=stride, padding=1)
    gy = rng.standard_normal(y.shape).astype(dtype)
    bufsize = np.getbufsize()
    y.backward(md.tensor(gy))
    assert np.getbufsize() == bufsize  # NumPy's buffer size is restored
    assert x.grad.dtype == dtype
    expected = np.zeros((40, 3, 9 + 2, 7 + 2))
    ho, wo = gy.shape[2:]
    for u in range(3):
        for v in range(3):
            expected[
                :, :, u : u + stride * (ho - 1) + 1 : stride, v : v + stride * (wo - 1) + 1 : stride
            ] += np.einsum("noij,oc->ncij", gy.astype(np.float64), w[:, :, u, v].astype(np.float64))
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(x.grad.array, expected[:, :, 1:-1, 1:-1], rtol=tolerance, atol=tolerance)
