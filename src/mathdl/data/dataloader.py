"""DataLoader: iterate over a dataset in mini-batches of Tensors, as ``torch.utils.data.DataLoader``.

One epoch is one pass over a fresh order of the indices 0..N-1 (a new random permutation per epoch
when ``shuffle=True``), cut into consecutive chunks of ``batch_size``. How a chunk becomes a batch:

* a NumPy array or Tensor dataset: the batch is ``Tensor(data[chunk])``;
* a dataset with ``get_batch(indices)`` (``TensorDataset``, ``Subset`` of one, the image datasets):
  one call returns every field already stacked, so a batch costs one fancy-index per field and
  never a copy of the whole dataset;
* any other dataset: ``collate_fn([dataset[i] for i in chunk])`` with ``default_collate``, which
  stacks the samples field by field (a loop over samples, which only this generic path pays).
"""

import numbers
from collections.abc import Mapping

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor
from mathdl.data.dataset import as_array
from mathdl.random import generator as global_generator


def _stack(values, where):
    try:
        return np.stack(values)
    except ValueError:
        shapes = sorted({np.shape(v) for v in values}, key=str)
        raise ValueError(
            f"default_collate: cannot stack the samples' {where}: their shapes differ "
            f"({', '.join(map(str, shapes[:4]))}); give a collate_fn that pads "
            f"or crops them"
        ) from None


def _collate_field(values, where):
    first = values[0]
    if isinstance(first, Tensor):
        return Tensor(_stack([v.array if isinstance(v, Tensor) else np.asarray(v) for v in values], where))
    if isinstance(first, (np.ndarray, np.generic)):
        return Tensor(_stack([np.asarray(v) for v in values], where))
    if isinstance(first, (bool, np.bool_)):
        return Tensor(np.array(values, dtype=bool))
    if isinstance(first, numbers.Integral):
        return Tensor(np.array(values, dtype=np.int64))
    if isinstance(first, numbers.Real):
        # Python floats carry no precision of their own: they take mathdl's default dtype.
        return Tensor(np.array(values, dtype=backend.get_default_dtype()))
    if isinstance(first, str):
        return list(values)
    if isinstance(first, Mapping):
        keys = list(first)
        for v in values:
            if not isinstance(v, Mapping) or list(v) != keys:
                raise ValueError(f"default_collate: samples' {where} are dicts with different keys")
        return {key: _collate_field([v[key] for v in values], f"{where}[{key!r}]") for key in keys}
    if isinstance(first, (tuple, list)):
        size = len(first)
        for v in values:
            if not isinstance(v, (tuple, list)) or len(v) != size:
                raise ValueError(
                    f"default_collate: samples' {where} have different lengths "
                    f"({size} and {len(v) if isinstance(v, (tuple, list)) else 'n/a'})"
                )
        return tuple(_collate_field([v[k] for v in values], f"{where}[{k}]") for k in range(size))
    raise TypeError(
        f"default_collate: cannot batch samples' {where} of type {type(first).__name__}; "
        f"allowed: Tensor, ndarray, int, float, bool, str, tuple/list, dict"
    )


def default_collate(samples):
    """Stack a list of B samples into one batch, field by field.

    A sample that is a tuple/list of fields gives a tuple of batched fields; a dict gives a dict.
    Arrays and Tensors of shape S become a Tensor of shape (B, *S); ints an int64 Tensor (B,);
    floats a Tensor (B,) of the default dtype; bools a bool Tensor; strings a list of str.
    """
    if not isinstance(samples, (list, tuple)) or len(samples) == 0:
        raise ValueError("default_collate: expected a non-empty list of samples")
    return _collate_field(list(samples), "field")


def _to_tensors(batch):
    if isinstance(batch, tuple):
        return tuple(Tensor(field) for field in batch)
    return Tensor(batch)


class DataLoader:
    """Mini-batches of a dataset as mathdl Tensors.

    Args:
        dataset: a Dataset (``len`` and ``[i]``), a ``TensorDataset``, or a NumPy array / Tensor
            whose first dimension indexes samples.
        batch_size: samples per batch (a positive int). The last batch may be smaller.
        shuffle: draw a new random order at the start of every epoch (every ``iter(loader)``).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: a ``numpy.random.Generator`` for the shuffling; by default
            ``mathdl.random.generator()`` is asked at each epoch, so ``md.manual_seed`` makes the
            order reproducible.
        collate_fn: turns a list of samples into a batch (default ``default_collate``); giving
            one forces the generic per-sample path.
        sampler: an iterable of indices giving each epoch's order (with ``len``), e.g. a
            ``DistributedSampler`` for this rank's shard; excludes ``shuffle=True``.

    Iterating yields, per batch, a tuple of Tensors (one per field, first dimension the batch
    size) for tuple samples, or one Tensor for array datasets. ``len(loader)`` is the number of
    batches per epoch: ``ceil(N / batch_size)``, or ``floor`` with ``drop_last``.
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=False,
        drop_last=False,
        generator=None,
        collate_fn=None,
        sampler=None,
    ):
        if isinstance(dataset, Tensor) or isinstance(dataset, np.ndarray):
            if as_array(dataset).ndim == 0:
                raise ValueError(
                    "DataLoader: an array dataset needs a first (sample) dimension; got a scalar"
                )
        elif not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset must define __len__ and __getitem__ (or be an "
                f"array/Tensor), got {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"DataLoader: shuffle must be True or False, got {shuffle!r}")
        if not isinstance(drop_last, (bool, np.bool_)):
            raise TypeError(f"DataLoader: drop_last must be True or False, got {drop_last!r}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy.random.Generator or None, got "
                f"{type(generator).__name__}"
            )
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError("DataLoader: collate_fn must be callable")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is not None and not (hasattr(sampler, "__iter__") and hasattr(sampler, "__len__")):
            raise TypeError(
                f"DataLoader: sampler must be an iterable with a length, got {type(sampler).__name__}"
            )
        self.sampler = sampler
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn

    def __len__(self):
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def _order(self):
        if self.sampler is not None:
            return np.fromiter(iter(self.sampler), dtype=np.int64, count=len(self.sampler))
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        rng = self.generator if self.generator is not None else global_generator()
        return rng.permutation(n).astype(np.int64, copy=False)

    def _fetch(self, indices):
        dataset = self.dataset
        if self.collate_fn is None:
            if isinstance(dataset, (np.ndarray, Tensor)):
                return Tensor(as_array(dataset)[indices])
            get_batch = getattr(dataset, "get_batch", None)
            if get_batch is not None:
                return _to_tensors(get_batch(indices))
            return default_collate([dataset[int(i)] for i in indices])
        return self.collate_fn([dataset[int(i)] for i in indices])

    def __iter__(self):
        order = self._order()
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield self._fetch(order[start : start + self.batch_size])

    def __repr__(self):
        return (
            f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)})"
        )
