"""The buffer cache (convolution, pooling, ReLU, the recurrent ops, the transformer's fused paths)
hands a cached buffer out again only once nobody holds it, to a request of its size or up to FIT
times smaller (a view of exactly the requested shape and dtype), keeps at most MAX_CACHED_BYTES
(least recently used forgotten first, free ones before held ones) and frees everything on clear."""

import weakref

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


def _get(shape, dtype=np.float32):
    """A cached array from 4 KiB on (small arrays keep the tests light)."""
    return workspace.empty(shape, dtype, min_bytes=2**12)


def _buffer_id(array):
    """id of the cache buffer behind ``array`` (an id, not the buffer: a reference would hold it)."""
    while array.base is not None:
        array = array.base
    return id(array)


def test_smaller_request_is_a_view_of_a_larger_free_buffer():
    workspace.clear()
    big = _get((1000,), np.float64)  # 8000 bytes
    address, buffer = big.ctypes.data, _buffer_id(big)
    del big
    small = _get((7, 3, 80), np.float32)  # 6720 bytes: 8000 / 6720 < 1.25 ≤ FIT
    assert small.shape == (7, 3, 80) and small.dtype == np.float32 and small.flags.c_contiguous
    assert small.ctypes.data == address and _buffer_id(small) == buffer
    small[...] = 2.5  # every element is writable and its own
    assert np.all(small == 2.5) and len(workspace._pool()) == 1
    workspace.clear()


def test_best_fit_and_no_buffer_much_bigger_than_the_request():
    workspace.clear()
    request = 4800  # float32 elements
    sizes = (int(request * workspace.FIT), 5000, int(request * workspace.FIT) + 1)
    held = [_get((n,)) for n in sizes]
    buffers = [_buffer_id(a) for a in held]
    del held
    got = _get((request,))
    assert _buffer_id(got) == buffers[1]  # the smallest that fits, not the newest or the biggest
    other = _get((request,))
    assert _buffer_id(other) == buffers[0]  # FIT times as big: still fits
    third = _get((request,))
    assert _buffer_id(third) not in buffers  # more than FIT times as big: a new buffer
    assert len(workspace._pool()) == 4
    nothing = workspace.empty((0, 3), np.float32, min_bytes=0)  # no bytes: no buffer taken
    assert nothing.shape == (0, 3) and nothing.base is None and len(workspace._pool()) == 4
    workspace.clear()


def test_views_of_one_buffer_are_never_handed_out_twice():
    workspace.clear()
    first = _get((4096,))
    del first
    a = _get((4000,))  # a view of the freed buffer
    a.fill(1.0)
    b = _get((3900,))  # that buffer is a's: another one
    b.fill(2.0)
    assert not np.shares_memory(a, b) and np.all(a == 1.0)
    kept = a[10:20].T  # a view of the view still holds the buffer
    del a
    c = _get((4000,))
    assert not np.shares_memory(c, kept) and not np.shares_memory(c, b)
    held = md.Tensor(c)  # a Tensor over the view holds it too
    del c
    d = _get((3800,))
    assert not any(np.shares_memory(d, x) for x in (kept, b, held.array))
    del kept
    e = _get((3800,))  # the buffer `kept` held is free again
    assert not any(np.shares_memory(e, x) for x in (b, d, held.array))
    workspace.clear()


def test_cap_forgets_least_recently_used_buffers_free_ones_first(monkeypatch):
    monkeypatch.setattr(workspace, "MAX_CACHED_BYTES", 3 * 2**16)
    workspace.clear()
    shape = (2**14,)  # float32: 64 KiB each, three fit under the cap
    held, a, b = _get(shape), _get(shape), _get(shape)
    ids = {name: _buffer_id(x) for name, x in (("held", held), ("a", a), ("b", b))}
    del a, b
    x = _get(shape)
    assert _buffer_id(x) == ids["b"]  # of equal free buffers the most recently handed out
    y = _get((3 * 2**13,))  # 96 KiB: no buffer fits, and a new one would pass the cap, so the cache
    pool = workspace._pool()  # forgets a (free), then held (the least recently used in use)
    assert [id(buffer) for buffer in pool] == [ids["b"], _buffer_id(y)]
    assert sum(buffer.nbytes for buffer in pool) <= workspace.MAX_CACHED_BYTES
    held[...], x[...], y[...] = 1.0, 2.0, 3.0  # a forgotten buffer in use stays its holder's
    assert np.all(held == 1.0) and np.all(x == 2.0)
    del held  # forgotten while in use: freed now, not cached, so z gets a new buffer
    z = _get(shape)
    assert not np.shares_memory(z, x) and not np.shares_memory(z, y)
    assert [id(buffer) for buffer in workspace._pool()] == [_buffer_id(y), _buffer_id(z)]
    big = _get((2**16,))  # 256 KiB, more than the cap: a plain np.empty
    assert _buffer_id(big) not in {id(buffer) for buffer in workspace._pool()}
    workspace.clear()


def test_clear_frees_every_free_buffer():
    workspace.clear()
    held = _get((3000,), np.float64)
    free = _get((5000,), np.float64)
    free_buffer = weakref.ref(free.base)
    del free
    assert workspace.clear() == 5000 * 8
    assert workspace._pool() == [] and free_buffer() is None  # its memory went back to malloc
    held[...] = 1.0  # the held one stays its holder's and is no longer the cache's
    again = _get((3000,), np.float64)
    assert not np.shares_memory(again, held) and workspace.clear() == 0
