"""Reusable memory for the framework's big arrays: convolution and pooling (padded copies, im2col
blocks, transposed gradients, outputs), ReLU's large outputs and masks, the recurrent ops (an
LSTM's gates and cells kept for backward, its input projection and ∂L/∂xw, the transposed W_hh
blocks) and the transformer's fused linear paths (GEMM outputs, masks, input gradients).

A training step allocates and frees the same few multi-megabyte arrays every time. glibc serves
blocks that big from fresh pages (``mmap``, or the top of the heap, which it trims back to the
system as soon as a step's arrays are freed), so every step pays one page fault per 4 KiB touched:
thousands per layer, a fifth of the CPU time of a 32-channel 3×3 layer on a 28×28 batch. This
module keeps the buffers it handed out and gives one back, like PyTorch's caching allocator, when
nobody holds it any more and it fits the request: of the free buffers at least as big as the
request and at most ``FIT`` times as big, the smallest; the request gets a view of its first
bytes. So arrays of nearby sizes (a layer norm's ``[x̂ | 1]`` next to the ``(tokens, features)``
arrays) share buffers instead of each size keeping its own, and what the cache keeps is close to
the most its callers held at once. At most ``MAX_CACHED_BYTES`` are kept (least recently handed
out forgotten first, free ones before ones in use); ``clear`` forgets them all.

"Nobody holds it" is read off the reference count: every NumPy view of a buffer (reshape, slice,
transpose, ``as_strided``, a Tensor's array) keeps a reference to it, so a buffer whose only
references are this cache's is free, and one that a caller still holds (a layer output, a padded
input or an LSTM's gates saved for backward) is never handed out twice. Values a Function keeps
for its backward are released by the backward pass (``retain_graph=True`` keeps them, and so keeps
their buffers out of the cache's hands) with no bookkeeping here. A buffer serves one holder at a
time, however small the view it handed out. Buffers are per thread.
``empty`` is ``np.empty``: the contents are whatever was there, and callers overwrite every element.

Requests below ``min_bytes`` (``MIN_BYTES`` unless the caller knows better) get a plain
``np.empty``; the recurrent ops ask for their 1–2 MB arrays from a lower floor (see
``mathdl.nn.functional.recurrent``).
"""

import math
import sys
import threading

import numpy as np

# Smaller arrays mostly come back from malloc's free lists without page faults, and caching them
# measured no faster (A/B in one process); from 4 MiB on (where NumPy also asks for huge pages)
# the faults of fresh blocks cost 5–10 % of a big layer's step.
MIN_BYTES = 2**22
# The cache keeps at most this many bytes of buffers (free or in use): a new buffer that would
# exceed it makes the cache forget the least recently handed-out ones, free ones first; a request
# bigger than this is a plain ``np.empty``.
MAX_CACHED_BYTES = 2**27
# A request is served by the smallest free buffer of its size up to FIT times it (a view of the
# buffer's first bytes), so arrays of nearby sizes share buffers instead of each size keeping its
# own (a transformer's (B, L, 3E) gradient fits a free (B, L, 4E) buffer); a buffer much bigger
# than the request stays for a request its size (at 4× an LSTM LM kept 6 MiB more).
FIT = 1.5
# Activations and their gradients (an LSTM's cells and outputs, a transformer's (tokens, features)
# arrays) are 1–4 MiB at typical sizes, and fresh blocks of that size were page-faulted in every
# step: the layers that make them ask the cache from this size on (``activation``).
ACTIVATION_MIN_BYTES = 2**20

_local = threading.local()


def _pool():
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = []
    return pool


def _free_count():
    """The reference count a pooled buffer shows when only the pool holds it (the list slot and
    getrefcount's argument on CPython), checked to rise when a view exists; None (caching off) if
    this interpreter counts references differently."""
    pool = [np.empty(1)]
    alone = sys.getrefcount(pool[0])
    view = pool[0][:]
    held = sys.getrefcount(pool[0])
    del view
    return alone if held == alone + 1 and sys.getrefcount(pool[0]) == alone else None


_FREE = _free_count()


def _is_free(pool, index):
    return sys.getrefcount(pool[index]) == _FREE


def _best_fit(pool, nbytes):
    """Index of the smallest free buffer of nbytes to FIT·nbytes bytes (the most recently used of
    equal ones), or None."""
    limit = nbytes * FIT
    best = None
    for index in range(len(pool) - 1, -1, -1):
        size = pool[index].nbytes
        if nbytes <= size <= limit and (best is None or size < pool[best].nbytes) and _is_free(pool, index):
            if size == nbytes:
                return index  # nothing fits better
            best = index
    return best


def empty(shape, dtype, min_bytes=MIN_BYTES):
    """An uninitialised array like ``np.empty(shape, dtype)``, C-contiguous, from a free cached
    buffer of its size up to ``FIT`` times that (the smallest such; the array is a view of the
    buffer's first bytes) when there is one, else from a new buffer that the cache keeps. Arrays
    of fewer than ``min_bytes`` bytes are not cached (a caller that measured a gain for its smaller
    arrays passes a lower floor).

    >>> a = empty((2**20,), np.float32)
    >>> b = empty((2**20,), np.float32)  # a is held: b is another buffer
    >>> np.shares_memory(a, b)
    False
    >>> address = a.ctypes.data
    >>> del a
    >>> empty((1024, 1024), np.float32).ctypes.data == address  # free again: handed out again
    True
    >>> smaller = empty((1000, 1024), np.float32, min_bytes=2**20)  # fits a's old buffer
    >>> smaller.shape, smaller.ctypes.data == address
    ((1000, 1024), True)
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < max(min_bytes, 1) or nbytes > MAX_CACHED_BYTES or _FREE is None:
        return np.empty(shape, dtype=dtype)
    pool = _pool()
    index = _best_fit(pool, nbytes)
    if index is None:
        buffer = np.empty(nbytes, dtype=np.uint8)
        _trim(pool, MAX_CACHED_BYTES - nbytes)
    else:
        buffer = pool.pop(index)
    pool.append(buffer)  # most recently used last
    return buffer[:nbytes].view(dtype).reshape(shape)


def activation(shape, dtype):
    """``empty`` from ``ACTIVATION_MIN_BYTES`` on: the buffers of layer activations and their
    gradients (recurrent ops, the transformer's fused linear paths); callers overwrite it all."""
    return empty(shape, dtype, ACTIVATION_MIN_BYTES)


def zeros(shape, dtype, min_bytes=MIN_BYTES):
    """``np.zeros`` from the cache (see ``empty``)."""
    out = empty(shape, dtype, min_bytes)
    out.fill(0)
    return out


def _trim(pool, budget):
    """Forget buffers, least recently handed out first, until those kept total at most ``budget``
    bytes: free ones first (their memory goes back to malloc), then ones still in use (they stay
    their holders' and are freed with them, not cached)."""
    total = sum(buffer.nbytes for buffer in pool)
    for keep_in_use in (True, False):
        index = 0
        while total > budget and index < len(pool):
            if keep_in_use and not _is_free(pool, index):
                index += 1
            else:
                total -= pool.pop(index).nbytes


def clear():
    """Forget every cached buffer of this thread (memory in use stays with its holders) and return
    how many bytes of free buffers that released."""
    pool = _pool()
    released = sum(pool[index].nbytes for index in range(len(pool)) if _is_free(pool, index))
    pool.clear()
    return released
