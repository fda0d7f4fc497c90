"""Resampling ops by finite differences (float64), second derivatives, their algebra (pixel_shuffle is
a permutation, tables are partitions of unity, the adjoint table is the transpose) and their errors."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.ops.resampling import cubic_convolution_weights, interpolation_table, transpose_table


def _t(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize(
    "mode,align_corners,spec",
    [
        ("nearest", None, {"scale_factor": 1.7}),
        ("nearest-exact", None, {"size": (3, 8)}),
        ("bilinear", False, {"scale_factor": (2.5, 0.6)}),
        ("bilinear", True, {"size": (7, 3)}),
        ("bicubic", False, {"scale_factor": 1.5}),
        ("bicubic", True, {"scale_factor": (0.7, 2.2)}),
        ("bicubic", False, {"scale_factor": 1.05}),  # same size, not the identity (PyTorch's grad copies)
        ("area", None, {"size": (2, 3)}),
        ("bicubic", False, {"scale_factor": 0.5, "antialias": True}),
        ("bilinear", True, {"size": (3, 1), "antialias": True}),  # a 1-pixel side (PyTorch's forward errs)
    ],
)
def test_interpolate_gradients_by_finite_differences(rng, mode, align_corners, spec):
    x = _t(rng, 2, 2, 6, 5)
    gradcheck(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **spec), [x])


def test_antialiased_shrinking_averages_instead_of_aliasing():
    # A checkerboard (the highest frequency) halved: plain bilinear samples between pixels and
    # returns a constant 0.5 only by luck of phase; nearest aliases it to a constant 0 or 1; the
    # antialiased filter averages it to 0.5 everywhere. At a third, nearest keeps a full-contrast
    # pattern while antialiasing stays within a small band around the mean.
    board = (np.add.outer(np.arange(24), np.arange(24)) % 2).astype(float)[None, None]
    shrunk = F.interpolate(board, scale_factor=0.5, mode="bicubic", antialias=True).array
    np.testing.assert_allclose(shrunk[..., 2:-2, 2:-2], 0.5, atol=1e-12)
    third = F.interpolate(board, scale_factor=1 / 3, mode="bicubic", antialias=True).array[..., 1:-1, 1:-1]
    aliased = F.interpolate(board, scale_factor=1 / 3, mode="nearest").array
    assert np.ptp(aliased) == 1.0 and np.ptp(third) < 0.25


@pytest.mark.parametrize(
    "mode,shape", [("linear", (2, 3, 6)), ("nearest", (2, 3, 6)), ("trilinear", (1, 2, 3, 3, 2))]
)
def test_interpolate_1d_and_3d_gradients(rng, mode, shape):
    x = _t(rng, *shape)
    align = None if mode == "nearest" else False
    gradcheck(lambda x: F.interpolate(x, scale_factor=1.6, mode=mode, align_corners=align), [x])


def test_interpolate_second_derivatives(rng):
    x = _t(rng, 1, 2, 4, 3)
    gradgradcheck(lambda x: F.interpolate(x, scale_factor=2.5, mode="bicubic") ** 2, [x])
    gradgradcheck(lambda x: F.interpolate(x, size=(3, 7), mode="bilinear", align_corners=True) ** 2, [x])


def test_interpolation_tables_are_partitions_of_unity_and_align_corners_keeps_corners():
    for kind in ("nearest", "linear", "cubic"):
        for n_in, n_out in ((4, 9), (9, 4), (5, 5), (1, 3)):
            _, w = interpolation_table(kind, n_in, n_out, scale=None)
            np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-14)
    x = np.random.default_rng(0).standard_normal((1, 1, 5, 6))
    for mode in ("bilinear", "bicubic"):
        y = F.interpolate(x, size=(9, 11), mode=mode, align_corners=True).array
        np.testing.assert_allclose(
            y[0, 0, [0, 0, -1, -1], [0, -1, 0, -1]], x[0, 0, [0, 0, -1, -1], [0, -1, 0, -1]]
        )


def test_cubic_convolution_kernel_values():
    # Keys' kernel with a = -0.75: W(0) = 1, W(±1) = W(±2) = 0, and at t = 0.5 the weights are known.
    np.testing.assert_allclose(cubic_convolution_weights(np.array(0.0)), [0, 1, 0, 0], atol=1e-15)
    np.testing.assert_allclose(
        cubic_convolution_weights(np.array(0.5)), [-0.09375, 0.59375, 0.59375, -0.09375]
    )


def test_transpose_table_is_the_matrix_transpose():
    index, weight = interpolation_table("cubic", 5, 13, align_corners=False, scale=None)
    dense = np.zeros((13, 5))
    np.add.at(dense, (np.repeat(np.arange(13), 4), index.ravel()), weight.ravel())
    adjoint_index, adjoint_weight = transpose_table(index, weight, 5)
    dense_adjoint = np.zeros((5, 13))
    np.add.at(
        dense_adjoint,
        (np.repeat(np.arange(5), adjoint_index.shape[1]), adjoint_index.ravel()),
        adjoint_weight.ravel(),
    )
    np.testing.assert_allclose(dense_adjoint, dense.T, atol=1e-15)


def test_bilinear_upsampling_reproduces_a_linear_ramp():
    # Away from the clamped border, linear interpolation of a linear function is exact.
    ramp = np.add.outer(np.arange(6.0), 2 * np.arange(6.0))[None, None]
    y = F.interpolate(ramp, size=(11, 11), mode="bilinear", align_corners=True).array[0, 0]
    np.testing.assert_allclose(y, np.add.outer(np.arange(11) / 2, np.arange(11)), atol=1e-12)


def test_pixel_shuffle_is_a_permutation_inverted_by_unshuffle(rng):
    x = rng.standard_normal((2, 18, 3, 4))
    y = F.pixel_shuffle(x, 3).array
    assert y.shape == (2, 2, 9, 12)
    np.testing.assert_array_equal(np.sort(y.ravel()), np.sort(x.ravel()))
    np.testing.assert_array_equal(F.pixel_unshuffle(y, 3).array, x)
    # the formula y[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w] at one entry
    assert y[1, 1, 2 * 3 + 1, 3 * 3 + 2] == x[1, 1 * 9 + 1 * 3 + 2, 2, 3]
    v = _t(rng, 1, 8, 2, 3)
    gradcheck(lambda v: F.pixel_shuffle(v, 2), [v])
    gradcheck(lambda v: F.pixel_unshuffle(v, 2), [_t(rng, 1, 2, 4, 6)])


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_gradients_by_finite_differences(rng, padding_mode, align_corners):
    image = _t(rng, 2, 2, 4, 5)
    grid = md.tensor(rng.uniform(-1.3, 1.3, (2, 3, 4, 2)), requires_grad=True)
    f = lambda i, g: F.grid_sample(i, g, padding_mode=padding_mode, align_corners=align_corners)
    gradcheck(f, [image, grid])
    gradgradcheck(lambda i, g: f(i, g) ** 2, [image, grid])


def test_grid_sample_nearest_gradient_reaches_the_image_only(rng):
    image = _t(rng, 1, 2, 4, 5)
    grid = md.tensor(rng.uniform(-1, 1, (1, 3, 3, 2)))
    gradcheck(lambda i: F.grid_sample(i, grid, mode="nearest"), [image])


def test_identity_affine_grid_samples_the_image_back(rng):
    image = rng.standard_normal((2, 3, 5, 6))
    theta = np.tile(np.eye(2, 3), (2, 1, 1))
    for align_corners in (False, True):
        grid = F.affine_grid(theta, image.shape, align_corners=align_corners)
        out = F.grid_sample(image, grid, align_corners=align_corners).array
        np.testing.assert_allclose(out, image, atol=1e-12)
    theta_grad = md.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4)), [theta_grad])


def test_resampling_errors_name_the_problem():
    x = md.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="mode must be one of"):
        F.interpolate(x, scale_factor=2, mode="cubic")
    with pytest.raises(ValueError, match="needs a 3-D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="align_corners can only be set"):
        F.interpolate(x, scale_factor=2, mode="nearest", align_corners=True)
    with pytest.raises(ValueError, match="must be positive"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match="antialias=True needs"):
        F.interpolate(x, scale_factor=0.5, antialias=True)
    with pytest.raises(ValueError, match="2 entries"):
        F.interpolate(x, size=(2, 3, 4))
    with pytest.raises(TypeError, match="floating"):
        F.interpolate(md.zeros(1, 1, 2, 2, dtype=np.int64), scale_factor=2)
    with pytest.raises(ValueError, match="divisible by r"):
        F.pixel_shuffle(md.zeros(1, 3, 2, 2), 2)
    with pytest.raises(ValueError, match="divisible by r"):
        F.pixel_unshuffle(md.zeros(1, 1, 3, 4), 2)
    with pytest.raises(ValueError, match="positive int"):
        F.pixel_shuffle(x, 0)
    with pytest.raises(ValueError, match="grid must have shape"):
        F.grid_sample(x, md.zeros(1, 2, 2, 3))
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(x, md.zeros(1, 2, 2, 2), padding_mode="wrap")
    with pytest.raises(ValueError, match="theta must have shape"):
        F.affine_grid(md.zeros(2, 2, 3), (1, 1, 3, 3))
