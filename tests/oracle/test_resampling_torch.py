"""interpolate, pixel_shuffle/unshuffle, grid_sample and affine_grid against PyTorch: values and
vector-Jacobian products in float64, over modes, align_corners both ways, sizes and non-integer
scale factors (a grid of cases and hypothesis over shapes)."""

import functools
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mathdl as md
import mathdl.nn.functional as F
import torch_oracle

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
compare_with_torch = functools.partial(torch_oracle.compare_with_torch, rtol=1e-10, atol=1e-12)

SPECS_2D = [
    {"size": (9, 4)},
    {"size": (5, 13)},
    {"size": 1},
    {"scale_factor": 2},
    {"scale_factor": 3},
    {"scale_factor": 1.7},
    {"scale_factor": 0.6},
    {"scale_factor": (2.5, 1.3)},
    {"scale_factor": (0.45, 2.2)},
    {"scale_factor": 1.7, "recompute_scale_factor": True},
    {"scale_factor": (2.5, 0.7), "recompute_scale_factor": True},
]


def _same_size_with_factor(shape, spec):
    # PyTorch's backward of bicubic (and of 1-D/3-D nearest) copies the gradient when the output
    # has the input's size, even when a scale factor made the forward resample (its forward does
    # not copy): that gradient is wrong, so such cases compare values only (and the finite
    # differences in tests/ops/test_resampling.py check ours).
    factor = spec.get("scale_factor")
    if factor is None or spec.get("recompute_scale_factor"):
        return False
    factors = factor if isinstance(factor, tuple) else (factor,) * len(shape)
    return all(int(n * f) == n for n, f in zip(shape, factors)) and any(f != 1 for f in factors)


def _check(torch, rng, x, ours, theirs, spatial, spec):
    try:
        empty = theirs(torch.tensor(x)).numel() == 0  # PyTorch's area mode returns an empty tensor
    except RuntimeError:  # an empty output in the other modes
        empty = True
    if empty:  # ours refuses an empty output
        with pytest.raises(ValueError, match="must be positive"):
            ours(md.tensor(x))
        return
    if _same_size_with_factor(spatial, spec):
        np.testing.assert_allclose(ours(md.tensor(x)).array, theirs(torch.tensor(x)).numpy(), atol=1e-12)
    else:
        compare_with_torch(torch, ours, theirs, [x], seed=int(rng.integers(2**31)))


@pytest.mark.parametrize("spec", SPECS_2D)
@pytest.mark.parametrize(
    "mode,align_corners",
    [("nearest", None), ("nearest-exact", None), ("area", None)]
    + list(itertools.product(["bilinear", "bicubic"], [False, True])),
)
@pytest.mark.parametrize("hw", [(5, 7), (8, 8), (1, 4)])
def test_interpolate_2d_matches_torch(torch, rng, mode, align_corners, spec, hw):
    x = rng.standard_normal((2, 3) + hw)
    kwargs = dict(spec, mode=mode, align_corners=align_corners)
    _check(
        torch,
        rng,
        x,
        lambda t: F.interpolate(t, **kwargs),
        lambda t: torch.nn.functional.interpolate(t, **kwargs),
        hw,
        spec,
    )


@pytest.mark.parametrize(
    "spec", [{"size": 11}, {"size": 3}, {"scale_factor": 2.5}, {"scale_factor": 0.7}, {"scale_factor": 1.05}]
)
@pytest.mark.parametrize(
    "mode,align_corners",
    [("nearest", None), ("nearest-exact", None), ("area", None), ("linear", False), ("linear", True)],
)
def test_interpolate_1d_matches_torch(torch, rng, mode, align_corners, spec):
    x = rng.standard_normal((2, 3, 8))
    kwargs = dict(spec, mode=mode, align_corners=align_corners)
    _check(
        torch,
        rng,
        x,
        lambda t: F.interpolate(t, **kwargs),
        lambda t: torch.nn.functional.interpolate(t, **kwargs),
        (8,),
        spec,
    )


@pytest.mark.parametrize("spec", [{"size": (2, 5, 3)}, {"scale_factor": (1.5, 0.8, 2.0)}])
@pytest.mark.parametrize("mode,align_corners", [("nearest", None), ("trilinear", False), ("trilinear", True)])
def test_interpolate_3d_matches_torch(torch, rng, mode, align_corners, spec):
    x = rng.standard_normal((1, 2, 3, 4, 5))
    kwargs = dict(spec, mode=mode, align_corners=align_corners)
    compare_with_torch(
        torch,
        lambda t: F.interpolate(t, **kwargs),
        lambda t: torch.nn.functional.interpolate(t, **kwargs),
        [x],
    )


@SETTINGS
@given(
    in_size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    factor=st.tuples(st.floats(0.3, 4.0), st.floats(0.3, 4.0)),
    mode=st.sampled_from(["nearest", "bilinear", "bicubic"]),
    align_corners=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_interpolate_over_shapes_and_factors(torch, in_size, factor, mode, align_corners, seed):
    rng = np.random.default_rng(seed)
    if any(int(n * f) < 1 for n, f in zip(in_size, factor)):
        return  # an empty output, an error in both libraries
    x = rng.standard_normal((1, 2) + in_size)
    kwargs = {
        "scale_factor": factor,
        "mode": mode,
        "align_corners": None if mode == "nearest" else align_corners,
    }
    spec = {"scale_factor": factor}
    _check(
        torch,
        rng,
        x,
        lambda t: F.interpolate(t, **kwargs),
        lambda t: torch.nn.functional.interpolate(t, **kwargs),
        in_size,
        spec,
    )


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_float32_matches_torch(torch, rng, mode):
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    for spec in ({"scale_factor": 2.3}, {"size": (4, 11)}):
        ours = F.interpolate(md.tensor(x), mode=mode, **spec)
        theirs = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **spec)
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "factor,shape", [(2, (2, 12, 3, 5)), (3, (9, 2, 2)), (1, (1, 4, 3, 3)), (2, (2, 1, 8, 4, 2))]
)
def test_pixel_shuffle_and_unshuffle_match_torch(torch, rng, factor, shape):
    x = rng.standard_normal(shape)
    compare_with_torch(
        torch,
        lambda t: F.pixel_shuffle(t, factor),
        lambda t: torch.nn.functional.pixel_shuffle(t, factor),
        [x],
    )
    y = rng.standard_normal(shape[:-3] + (shape[-3], shape[-2] * factor, shape[-1] * factor))
    compare_with_torch(
        torch,
        lambda t: F.pixel_unshuffle(t, factor),
        lambda t: torch.nn.functional.pixel_unshuffle(t, factor),
        [y],
    )


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("image_shape", [(2, 3, 5, 7), (1, 1, 1, 4), (2, 2, 4, 1)])
def test_grid_sample_matches_torch(torch, rng, mode, padding_mode, align_corners, image_shape):
    image = rng.standard_normal(image_shape)
    grid = rng.uniform(-1.5, 1.5, (image_shape[0], 4, 6, 2))  # points inside and outside the image
    kwargs = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    compare_with_torch(
        torch,
        lambda i, g: F.grid_sample(i, g, **kwargs),
        lambda i, g: torch.nn.functional.grid_sample(i, g, **kwargs),
        [image, grid],
    )


@SETTINGS
@given(
    n=st.integers(1, 2),
    channels=st.integers(1, 3),
    in_hw=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    out_hw=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    padding_mode=st.sampled_from(["zeros", "border", "reflection"]),
    align_corners=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_affine_grid_then_grid_sample_over_shapes(
    torch, n, channels, in_hw, out_hw, padding_mode, align_corners, seed
):
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((n, channels) + in_hw)
    theta = np.tile(np.eye(2, 3), (n, 1, 1)) + 0.4 * rng.standard_normal((n, 2, 3))
    size = (n, channels) + out_hw
    kwargs = {"padding_mode": padding_mode, "align_corners": align_corners}
    compare_with_torch(
        torch,
        lambda i, t: F.grid_sample(i, F.affine_grid(t, size, align_corners=align_corners), **kwargs),
        lambda i, t: torch.nn.functional.grid_sample(
            i, torch.nn.functional.affine_grid(t, size, align_corners=align_corners), **kwargs
        ),
        [image, theta],
        seed=seed,
    )


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 3), (3, 2, 6, 1)])
def test_affine_grid_matches_torch(torch, rng, align_corners, size):
    theta = rng.standard_normal((size[0], 2, 3))
    compare_with_torch(
        torch,
        lambda t: F.affine_grid(t, size, align_corners=align_corners),
        lambda t: torch.nn.functional.affine_grid(t, size, align_corners=align_corners),
        [theta],
    )


def test_resampling_layers_match_torch(torch, rng):
    x = rng.standard_normal((2, 8, 5, 6))
    pairs = [
        (
            md.nn.Upsample(scale_factor=1.5, mode="bicubic"),
            torch.nn.Upsample(scale_factor=1.5, mode="bicubic"),
        ),
        (md.nn.Upsample(size=(7, 3), mode="bilinear"), torch.nn.Upsample(size=(7, 3), mode="bilinear")),
        (md.nn.UpsamplingNearest2d(scale_factor=2), torch.nn.UpsamplingNearest2d(scale_factor=2)),
        (md.nn.UpsamplingBilinear2d(size=(9, 4)), torch.nn.UpsamplingBilinear2d(size=(9, 4))),
        (md.nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
        (md.nn.PixelUnshuffle(1), torch.nn.PixelUnshuffle(1)),
    ]
    for ours, theirs in pairs:
        compare_with_torch(torch, ours, theirs, [x])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize(
    "spec",
    [
        {"scale_factor": 0.5},
        {"scale_factor": 1 / 3},
        {"scale_factor": 0.37},
        {"scale_factor": 1.6},
        {"size": (11, 4)},
    ],
)
@pytest.mark.parametrize("hw", [(16, 16), (5, 7), (12, 9)])
def test_interpolate_antialias_matches_torch(torch, rng, mode, align_corners, spec, hw):
    # (PyTorch's antialiased forward is wrong when an output side is 1 pixel, a constant along the
    # other side, while its backward is right; the shapes here keep both sides >= 2.)
    x = rng.standard_normal((2, 2) + hw)
    kwargs = dict(spec, mode=mode, align_corners=align_corners, antialias=True)
    compare_with_torch(
        torch,
        lambda t: F.interpolate(t, **kwargs),
        lambda t: torch.nn.functional.interpolate(t, **kwargs),
        [x],
    )


@SETTINGS
@given(
    lead=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    channels=st.integers(1, 3),
    factor=st.integers(1, 3),
    hw=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    seed=st.integers(0, 2**31 - 1),
)
def test_pixel_shuffle_over_shapes(torch, lead, channels, factor, hw, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(tuple(lead) + (channels * factor * factor,) + hw)
    compare_with_torch(
        torch,
        lambda t: F.pixel_shuffle(t, factor),
        lambda t: torch.nn.functional.pixel_shuffle(t, factor),
        [x],
        seed,
    )
    y = rng.standard_normal(tuple(lead) + (channels, hw[0] * factor, hw[1] * factor))
    compare_with_torch(
        torch,
        lambda t: F.pixel_unshuffle(t, factor),
        lambda t: torch.nn.functional.pixel_unshuffle(t, factor),
        [y],
        seed,
    )


def test_upsample_functions_match_torch(torch, rng):
    import warnings

    x = rng.standard_normal((1, 2, 4, 5))
    with warnings.catch_warnings():  # PyTorch deprecates these names in favour of interpolate
        warnings.simplefilter("ignore")
        compare_with_torch(
            torch,
            lambda t: F.upsample_bilinear(t, size=(7, 9)),
            lambda t: torch.nn.functional.upsample_bilinear(t, size=(7, 9)),
            [x],
        )
        compare_with_torch(
            torch,
            lambda t: F.upsample_nearest(t, scale_factor=3),
            lambda t: torch.nn.functional.upsample_nearest(t, scale_factor=3),
            [x],
        )
        compare_with_torch(
            torch,
            lambda t: F.upsample(t, scale_factor=1.5, mode="bicubic"),
            lambda t: torch.nn.functional.upsample(t, scale_factor=1.5, mode="bicubic"),
            [x],
        )
