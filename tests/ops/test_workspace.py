"""The buffer cache (convolution, pooling and the recurrent ops) hands a cached buffer out again
only once nobody holds it."""

import numpy as np

import mathdl as md
from mathdl.ops import workspace


def test_buffer_in_use_is_not_handed_out_twice():
    workspace.clear()
    shape = (workspace.MIN_BYTES // 8,)
    a = workspace.empty(shape, np.float64)
    a.fill(1.0)
    view = a[::2]  # a view keeps the buffer in use
    del a
    b = workspace.empty(shape, np.float64)
    assert not np.shares_memory(b, view)
    assert np.all(view == 1.0)
    held = md.Tensor(b)  # a Tensor over the buffer (no copy) keeps it in use too
    assert np.shares_memory(held.array, b)
    del b
    c = workspace.empty(shape, np.float64)
    assert not np.shares_memory(c, held.array) and not np.shares_memory(c, view)
    workspace.clear()


def test_freed_buffer_is_reused_and_zeros_are_zero():
    workspace.clear()
    shape = (4, workspace.MIN_BYTES // 16)
    first = workspace.empty(shape, np.float32)
    address = first.__array_interface__["data"][0]
    first.fill(7.0)
    del first
    again = workspace.zeros(shape, np.float32)
    assert again.__array_interface__["data"][0] == address
    assert not again.any()
    small = workspace.empty((3, 3), np.float64)  # below MIN_BYTES: plain np.empty
    assert small.shape == (3, 3) and small.flags.c_contiguous
    workspace.clear()


def test_min_bytes_is_the_requests_floor_and_clear_reports_the_free_bytes():
    workspace.clear()
    small = (16, 16)  # 2 KiB: cached only when the request lowers the floor
    a = workspace.empty(small, np.float64)
    assert len(workspace._pool()) == 0
    a = workspace.empty(small, np.float64, min_bytes=0)
    address = a.ctypes.data
    held = workspace.empty(small, np.float64, min_bytes=0)
    assert not np.shares_memory(a, held)
    del a
    assert workspace.zeros(small, np.float64, min_bytes=0).ctypes.data == address
    assert workspace.clear() == small[0] * small[1] * 8  # the free one; `held` stays its holder's
    assert workspace._pool() == [] and workspace.clear() == 0
    assert held.shape == small
