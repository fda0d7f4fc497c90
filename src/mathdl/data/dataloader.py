"""DataLoader: iterate over a dataset in mini-batches of Tensors, as ``torch.utils.data.DataLoader``.

One epoch is one pass over the indices the sampler gives (0..N-1 in order, or a fresh random
permutation per epoch when ``shuffle=True``, or any ``sampler``), cut into consecutive chunks of
``batch_size`` (or the lists of a ``batch_sampler``). How a chunk becomes a batch:

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
from mathdl.data.dataset import IterableDataset, as_array
from mathdl.data.sampler import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    _check_generator,
    _epoch_indices,
    resolve_generator,
)


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


def default_convert(sample):
    """A sample with its arrays as Tensors (what ``batch_size=None`` yields): NumPy arrays become
    Tensors, tuples/lists/dicts are converted field by field, anything else is kept."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "biufc":
        return Tensor(sample)
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple):
        return tuple(default_convert(value) for value in sample)
    if isinstance(sample, list):
        return [default_convert(value) for value in sample]
    return sample


class WorkerInfo:
    """What ``get_worker_info()`` returns inside ``worker_init_fn``: ``id``, ``num_workers``,
    ``seed``, ``dataset``. mathdl runs its one worker in the main process, so ``num_workers`` is 1."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


_worker_info = None


def get_worker_info():
    """``None`` in the main process, where mathdl loads every batch; a ``WorkerInfo`` while a
    ``worker_init_fn`` runs."""
    return _worker_info


def _to_tensors(batch):
    if isinstance(batch, tuple):
        return tuple(Tensor(field) for field in batch)
    return Tensor(batch)


def _check_dataset(dataset):
    if isinstance(dataset, (Tensor, np.ndarray)):
        if as_array(dataset).ndim == 0:
            raise ValueError("DataLoader: an array dataset needs a first (sample) dimension; got a scalar")
    elif not isinstance(dataset, IterableDataset) and not (
        hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")
    ):
        raise TypeError(
            f"DataLoader: dataset must define __len__ and __getitem__, be an IterableDataset "
            f"(or an array/Tensor), got {type(dataset).__name__}"
        )


def _check_flags(batch_size, shuffle, drop_last, num_workers, collate_fn, worker_init_fn):
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1
    ):
        raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got {batch_size!r}")
    for name, value in (("shuffle", shuffle), ("drop_last", drop_last)):
        if value is not None and not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"DataLoader: {name} must be True or False, got {value!r}")
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
        raise ValueError(
            "DataLoader: num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
        )
    for name, value in (("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)):
        if value is not None and not callable(value):
            raise TypeError(f"DataLoader: {name} must be callable")


def _check_combinations(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last, workers):
    """PyTorch's rules for which options exclude which (the same messages)."""
    num_workers, prefetch_factor, persistent_workers, timeout = workers
    if isinstance(dataset, IterableDataset) and (shuffle or sampler is not None or batch_sampler is not None):
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified shuffle, sampler and batch_sampler options"
        )
    for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value is not None and not hasattr(value, "__iter__"):
            raise TypeError(f"DataLoader: {name} must be an iterable of indices, got {type(value).__name__}")
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
        raise ValueError(
            "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
        )
    if batch_size is None and drop_last:
        raise ValueError(
            "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
        )
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing. let num_workers > 0 to enable "
            "multiprocessing, otherwise set prefetch_factor to None."
        )
    if num_workers == 0 and persistent_workers:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")


class DataLoader:
    """Mini-batches of a dataset as mathdl Tensors, with ``torch.utils.data.DataLoader``'s arguments.

    ``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
    worker_init_fn=None, multiprocessing_context=None, generator=None, *, prefetch_factor=None,
    persistent_workers=False, pin_memory_device='', in_order=True)``.

    Args:
        dataset: a map-style Dataset (``len`` and ``[i]``), an ``IterableDataset`` (its samples
            are batched in the order they come), or a NumPy array / Tensor whose first dimension
            indexes samples.
        batch_size: samples per batch (the last batch may be smaller); ``None`` disables batching:
            each sample is yielded on its own, arrays converted to Tensors (``default_convert``).
        shuffle: a new random order every epoch (a ``RandomSampler``).
        sampler / batch_sampler: where the indices come from (see ``mathdl.data.sampler``);
            PyTorch's exclusions apply (e.g. ``sampler`` with ``shuffle`` is a ValueError).
        collate_fn: turns a list of samples into a batch (default ``default_collate``).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: a ``numpy.random.Generator`` for the default RandomSampler; by default the
            global generator, so ``md.manual_seed`` makes the order reproducible.
        num_workers, worker_init_fn, persistent_workers, prefetch_factor, timeout,
        multiprocessing_context, in_order: accepted and checked as PyTorch does, but **workers
            run in-process**: every batch is loaded in the calling process, in order (NumPy
            releases no work to gain from processes here, and the order is then deterministic).
            ``worker_init_fn(0)`` is called once at the start of every epoch when
            ``num_workers > 0``, with ``get_worker_info()`` describing that one worker.
        pin_memory, pin_memory_device: accepted; there is no device memory to pin on the CPU.

    Iterating yields, per batch, a tuple of Tensors (one per field, first dimension the batch
    size) for tuple samples, or one Tensor for array datasets. ``len(loader)`` is the number of
    batches per epoch: ``ceil(N / batch_size)``, or ``floor`` with ``drop_last``.
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        _check_dataset(dataset)
        _check_flags(batch_size, shuffle, drop_last, num_workers, collate_fn, worker_init_fn)
        workers = (num_workers, prefetch_factor, persistent_workers, timeout)
        _check_combinations(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last, workers)
        self.dataset, self.num_workers, self.collate_fn = dataset, int(num_workers), collate_fn
        self.pin_memory, self.timeout, self.worker_init_fn = bool(pin_memory), timeout, worker_init_fn
        self.prefetch_factor, self.persistent_workers = prefetch_factor, bool(persistent_workers)
        self.multiprocessing_context, self.in_order = multiprocessing_context, in_order
        self.generator = _check_generator(generator, "DataLoader")
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self._iterable = isinstance(dataset, IterableDataset)
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        self.batch_size = None if batch_size is None else int(batch_size)
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        self._auto_batches = batch_sampler is None and self.batch_size is not None
        if self._auto_batches and not self._iterable:
            batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
        self.batch_sampler = batch_sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

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

    def _start_epoch(self):
        global _worker_info
        if self.num_workers > 0 and self.worker_init_fn is not None:
            seed = int(resolve_generator(self.generator, "DataLoader").integers(2**32))
            _worker_info = WorkerInfo(0, 1, seed, self.dataset)
            try:
                self.worker_init_fn(0)
            finally:
                _worker_info = None

    def _stream(self):
        convert = self.collate_fn or (default_collate if self.batch_size is not None else default_convert)
        if self.batch_size is None:
            for sample in self.dataset:
                yield convert(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield convert(batch)
                batch = []
        if batch and not self.drop_last:
            yield convert(batch)

    def __iter__(self):
        self._start_epoch()
        if self._iterable:
            yield from self._stream()
        elif self.batch_size is None and self.batch_sampler is None:
            convert = self.collate_fn or default_convert
            for index in _epoch_indices(self.sampler).tolist():
                yield convert(self.dataset[index])
        elif self._auto_batches:
            # the fast path: one index array per epoch, cut into chunks (no loop over samples)
            order = _epoch_indices(self.sampler)
            stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
            for start in range(0, stop, self.batch_size):
                yield self._fetch(order[start : start + self.batch_size])
        else:
            for batch in self.batch_sampler:
                yield self._fetch(np.asarray(batch, dtype=np.int64))

    def __repr__(self):
        return (
            f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)})"
        )
