"""Property tests: conv2d and conv_transpose2d agree with PyTorch (values and all gradients, float64)
for random batch, channels, groups, image size, kernel, stride, padding, dilation (and output
padding) — the grids in test_conv.py fix most of these; here hypothesis draws them jointly. More
examples in CI (hypothesis_budget)."""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hypothesis_budget import examples
from mathdl.ops.convolution import conv2d, conv_transpose2d
from torch_oracle import compare_with_torch

SETTINGS = settings(
    max_examples=examples(10, ci=150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
PAIR = st.tuples(st.integers(1, 3), st.integers(1, 3))


@st.composite
def conv_case(draw):
    groups = draw(st.integers(1, 3))
    return dict(
        batch=draw(st.integers(1, 2)),
        groups=groups,
        in_channels=groups * draw(st.integers(1, 2)),
        out_channels=groups * draw(st.integers(1, 2)),
        size=(draw(st.integers(1, 7)), draw(st.integers(1, 7))),
        kernel=draw(PAIR),
        stride=draw(PAIR),
        padding=(draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        dilation=draw(PAIR),
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@SETTINGS
@given(case=conv_case())
def test_conv2d_random_geometry_matches_torch(torch, case):
    (h, w), (kh, kw), (dh, dw), (ph, pw) = case["size"], case["kernel"], case["dilation"], case["padding"]
    assume(h + 2 * ph >= dh * (kh - 1) + 1 and w + 2 * pw >= dw * (kw - 1) + 1)  # at least one output
    groups, out_channels = case["groups"], case["out_channels"]
    rng = np.random.default_rng(case["seed"])
    arrays = [
        rng.standard_normal((case["batch"], case["in_channels"], h, w)),
        rng.standard_normal((out_channels, case["in_channels"] // groups, kh, kw)),
    ]
    if case["bias"]:
        arrays.append(rng.standard_normal(out_channels))
    geometry = (case["stride"], case["padding"], case["dilation"], groups)
    compare_with_torch(
        torch,
        lambda x, w, *b: conv2d(x, w, b[0] if b else None, *geometry),
        lambda x, w, *b: torch.nn.functional.conv2d(x, w, b[0] if b else None, *geometry),
        arrays,
        seed=case["seed"],
        rtol=1e-9,
        atol=1e-10,
    )


@SETTINGS
@given(case=conv_case(), output_padding=PAIR)
def test_conv_transpose2d_random_geometry_matches_torch(torch, case, output_padding):
    (kh, kw), groups, out_channels = case["kernel"], case["groups"], case["out_channels"]
    # PyTorch's rule: output_padding < stride or < dilation, in each direction
    output_padding = tuple(
        op - 1 if op - 1 < max(s, d) else 0
        for op, s, d in zip(output_padding, case["stride"], case["dilation"])
    )
    (h, w), (sh, sw), (dh, dw), (ph, pw) = case["size"], case["stride"], case["dilation"], case["padding"]
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding[0] + 1
    out_w = (w - 1) * sw - 2 * pw + dw * (kw - 1) + output_padding[1] + 1
    assume(out_h >= 1 and out_w >= 1)
    rng = np.random.default_rng(case["seed"])
    arrays = [
        rng.standard_normal((case["batch"], case["in_channels"], h, w)),
        rng.standard_normal((case["in_channels"], out_channels // groups, kh, kw)),
    ]
    if case["bias"]:
        arrays.append(rng.standard_normal(out_channels))
    stride, padding, dilation = case["stride"], case["padding"], case["dilation"]
    compare_with_torch(
        torch,
        lambda x, w, *b: conv_transpose2d(
            x, w, b[0] if b else None, stride, padding, output_padding, groups, dilation
        ),
        lambda x, w, *b: torch.nn.functional.conv_transpose2d(
            x, w, b[0] if b else None, stride, padding, output_padding, groups, dilation
        ),
        arrays,
        seed=case["seed"],
        rtol=1e-9,
        atol=1e-10,
    )
