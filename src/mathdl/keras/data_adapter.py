"""What ``fit``/``evaluate``/``predict`` accept as data, turned into batches for the Trainer.

* Arrays: ``x`` an array, a list of arrays (one per model input) or a dict keyed by input name;
  ``y`` likewise per output. They become a ``DataLoader`` over a ``TensorDataset``.
* Iterables: a ``DataLoader``, a generator or any iterable yielding ``(x, y)`` batches. With
  ``steps_per_epoch`` an epoch takes that many batches from one iterator that continues across
  epochs (a re-iterable source starts over when it runs out; a generator that runs out ends the
  epoch early, as Keras does). A one-shot generator without ``steps_per_epoch`` can feed only one
  epoch, so several epochs raise ValueError.

Several inputs (or outputs) travel through the Trainer packed in one 2-D array: every sample's
arrays flattened and laid side by side, ``Packing.pack``; the model unpacks them before its layers
see them (``Packing.unpack``), so the Trainer's one-Tensor batches carry any number of inputs.
Integer inputs (token ids) are packed exactly: the packed array is float64 when dtypes differ
(integers below 2⁵³ are exact).
"""

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor


def as_array(value):
    """A Tensor, array or nested list as a NumPy array (no copy for arrays and Tensors)."""
    return value.array if isinstance(value, Tensor) else np.asarray(value)


def conform_input(array, dtype, where):
    """``array`` in the dtype a model input expects: floats in the layer dtype policy, integer
    ids kept (float arrays of whole numbers are accepted for integer inputs)."""
    if dtype is not None and np.dtype(dtype).kind in "iu":
        if array.dtype.kind not in "iu":
            if array.size and not np.all(np.mod(array, 1) == 0):
                raise ValueError(
                    f"{where}: this input takes integer indices, got non-integer values of dtype {array.dtype}"
                )
            array = array.astype(np.int64)
        return array
    if array.dtype.kind in "iu" and dtype is None:
        return array
    target = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
    if array.dtype.kind == "f" and target.kind != "f":
        return array
    return array if array.dtype == target else array.astype(target)


class Packing:
    """Flatten several per-sample arrays into one (N, Σ dᵢ) array and back."""

    def __init__(self, arrays):
        self.shapes = [tuple(a.shape[1:]) for a in arrays]
        self.dtypes = [a.dtype for a in arrays]
        self.sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.dtype = self.dtypes[0] if len(set(self.dtypes)) == 1 else np.dtype(np.float64)

    def pack(self, arrays):
        n = len(arrays[0])
        if any(len(a) != n for a in arrays):
            raise ValueError(f"Data cardinality is ambiguous: sizes {[len(a) for a in arrays]}")
        return np.concatenate([a.reshape(n, -1).astype(self.dtype, copy=False) for a in arrays], axis=1)

    def unpack(self, tensor, differentiable=False):
        """Tensors of the original shapes and dtypes (slices of ``tensor`` (N, Σ dᵢ))."""
        n = tensor.shape[0]
        out, start = [], 0
        for shape, dtype, size in zip(self.shapes, self.dtypes, self.sizes):
            if differentiable:
                part = tensor[:, start : start + size].reshape((n,) + shape)
            else:
                part = Tensor(
                    tensor.array[:, start : start + size].reshape((n,) + shape).astype(dtype, copy=False)
                )
            out.append(part)
            start += size
        return out

    def unpack_arrays(self, array):
        """NumPy arrays of the original shapes and dtypes (for metrics)."""
        n = array.shape[0]
        out, start = [], 0
        for shape, dtype, size in zip(self.shapes, self.dtypes, self.sizes):
            out.append(array[:, start : start + size].reshape((n,) + shape).astype(dtype, copy=False))
            start += size
        return out


def as_list(value, names, what, where):
    """``value`` (array, list/tuple or dict by name) as a list in ``names`` order."""
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        if missing:
            raise ValueError(f"{where}: {what} dict is missing {missing}; expected keys {names}")
        return [value[n] for n in names]
    if isinstance(value, (list, tuple)) and not (len(names) == 1 and _looks_like_data(value)):
        if len(value) != len(names):
            raise ValueError(f"{where}: the model has {len(names)} {what}s, got {len(value)} arrays")
        return list(value)
    return [value]


def _looks_like_data(value):
    # a plain nested list of numbers (one input given as a list) rather than a list of arrays
    return len(value) > 0 and not isinstance(value[0], (np.ndarray, Tensor, list, tuple))


def is_iterable_source(x):
    """True for loaders/generators/iterables of batches (not arrays, Tensors, lists or dicts)."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict, str, bytes)):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__")


class StepSource:
    """Batches of an iterable, ``steps`` per epoch from one continuing iterator (all of it per
    epoch when ``steps`` is None), each converted by ``convert``."""

    def __init__(self, source, steps, convert, where):
        self.source, self.steps, self.convert, self.where = source, steps, convert, where
        self.one_shot = iter(source) is source if hasattr(source, "__iter__") else True
        self._iterator = None
        self._pending = None

    def peek(self):
        """The first batch (converted), without losing it for the first epoch."""
        if not self.one_shot:
            return self.convert(next(iter(self.source)))
        if self._pending is None:
            if self._iterator is None:
                self._iterator = self._next_iterator()
            self._pending = next(self._iterator)
        return self.convert(self._pending)

    def _take_pending(self):
        batch, self._pending = self._pending, None
        return batch

    def __len__(self):
        if self.steps is not None:
            return int(self.steps)
        return len(self.source)

    def _next_iterator(self):
        if self.one_shot:
            return self.source if hasattr(self.source, "__next__") else iter(self.source)
        return iter(self.source)

    def __iter__(self):
        taken = 0
        if self._pending is not None:
            taken = 1
            yield self.convert(self._take_pending())
        if self.steps is None:
            if self.one_shot:
                if self._iterator is None:
                    self._iterator = self._next_iterator()
                iterator = self._iterator
            else:
                iterator = iter(self.source)
            for batch in iterator:
                yield self.convert(batch)
            return
        restarted = False
        while taken < self.steps:
            if self._iterator is None:
                self._iterator = self._next_iterator()
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                if self.one_shot or restarted:
                    if taken == 0:
                        raise ValueError(
                            f"{self.where}: the input ran out of data; give a source that yields at least "
                            f"steps_per_epoch × epochs batches (or a re-iterable loader)"
                        ) from None
                    return
                restarted = True
                continue
            restarted = False
            taken += 1
            yield self.convert(batch)


def split_batch(batch, where):
    """(x, y) of a batch; y None for an inputs-only batch; sample weights are refused."""
    if isinstance(batch, (tuple, list)) and not isinstance(batch, Tensor):
        if len(batch) == 2:
            return batch[0], batch[1]
        if len(batch) == 3:
            raise ValueError(f"{where}: batches with sample weights (x, y, w) are not supported")
        if len(batch) == 1:
            return batch[0], None
    return batch, None
