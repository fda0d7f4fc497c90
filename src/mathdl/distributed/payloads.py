"""Bytes between ranks: a run folder's name, an error message, a serialised state.

PyTorch's ``broadcast_object_list``/``all_gather_object`` pickle arbitrary objects; mathdl never
unpickles what arrives from another process, so these send bytes only (the caller encodes: UTF-8
text, JSON, or ``mathdl.save`` into an ``io.BytesIO``). Each is two buffer collectives: the
lengths first, then the bytes padded to the longest (one ``Allgather``/``Bcast`` of uint8).
"""

import numpy as np

from mathdl.distributed import collectives, process_group


def _as_bytes(data, where):
    if isinstance(data, str):
        raise TypeError(f"{where}: expected bytes, got str; encode it first (e.g. text.encode('utf-8'))")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{where}: expected bytes, got {type(data).__name__}")
    return bytes(data)


def all_gather_bytes(data):
    """Every rank's ``data`` (bytes), in rank order, on every rank.

    In a job of two ranks (``mpiexec -n 2``), every rank gets the same list::

        dist.all_gather_bytes(f"rank {dist.get_rank()}".encode())   # [b'rank 0', b'rank 1']
    """
    data = _as_bytes(data, "all_gather_bytes")
    size = process_group.get_world_size()
    length = np.array([len(data)], dtype=np.int64)
    lengths = [np.zeros(1, dtype=np.int64) for _ in range(size)]
    collectives.all_gather(lengths, length)
    longest = max(int(n[0]) for n in lengths)
    padded = np.zeros(max(longest, 1), dtype=np.uint8)
    padded[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    received = [np.zeros_like(padded) for _ in range(size)]
    collectives.all_gather(received, padded)
    return [part[: int(n[0])].tobytes() for part, n in zip(received, lengths)]


def broadcast_bytes(data, src=0):
    """Rank ``src``'s ``data`` (bytes) on every rank; the others' ``data`` is ignored (may be None).

    Rank 0 tells every rank the run folder it chose::

        folder = dist.broadcast_bytes(folder.encode() if dist.get_rank() == 0 else None).decode()
    """
    mine = process_group.get_rank() == src
    data = _as_bytes(data, "broadcast_bytes") if mine else b""
    length = np.array([len(data)], dtype=np.int64)
    collectives.broadcast(length, src)
    buffer = np.zeros(int(length[0]), dtype=np.uint8)
    if mine:
        buffer[...] = np.frombuffer(data, dtype=np.uint8)
    if len(buffer):
        collectives.broadcast(buffer, src)
    return buffer.tobytes()
