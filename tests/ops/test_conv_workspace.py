"""The convolution workspace hands a cached buffer out again only once nobody holds it."""

import numpy as np

import mathdl as md
from mathdl.ops import conv_workspace


def test_buffer_in_use_is_not_handed_out_twice():
    conv_workspace.clear()
    shape = (conv_workspace.MIN_BYTES // 8,)
    a = conv_workspace.empty(shape, np.float64)
    a.fill(1.0)
    view = a[::2]  # a view keeps the buffer in use
    del a
    b = conv_workspace.empty(shape, np.float64)
    assert not np.shares_memory(b, view)
    assert np.all(view == 1.0)
    held = md.Tensor(b)  # a Tensor over the buffer (no copy) keeps it in use too
    assert np.shares_memory(held.array, b)
    del b
    c = conv_workspace.empty(shape, np.float64)
    assert not np.shares_memory(c, held.array) and not np.shares_memory(c, view)
    conv_workspace.clear()


def test_freed_buffer_is_reused_and_zeros_are_zero():
    conv_workspace.clear()
    shape = (4, conv_workspace.MIN_BYTES // 16)
    first = conv_workspace.empty(shape, np.float32)
    address = first.__array_interface__["data"][0]
    first.fill(7.0)
    del first
    again = conv_workspace.zeros(shape, np.float32)
    assert again.__array_interface__["data"][0] == address
    assert not again.any()
    small = conv_workspace.empty((3, 3), np.float64)  # below MIN_BYTES: plain np.empty
    assert small.shape == (3, 3) and small.flags.c_contiguous
    conv_workspace.clear()
