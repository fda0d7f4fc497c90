"""Samplers: which dataset indices an epoch visits, and in which order (``torch.utils.data``'s).

A sampler is an iterable of indices (``BatchSampler``: of lists of indices) with a ``len``. Each
draws its randomness at the start of every ``iter()`` from ``generator`` (a
``numpy.random.Generator``, or any object with its ``permutation``/``integers``/``choice``
methods) or else from ``mathdl.random.generator()``, so ``md.manual_seed`` fixes the order.

    SequentialSampler        0, 1, …, N−1
    RandomSampler            a random permutation; with ``replacement``, ``num_samples`` uniform draws;
                             without, ``num_samples`` > N chains ⌈num_samples / N⌉ permutations
    SubsetRandomSampler      a random permutation of the given indices
    WeightedRandomSampler    ``num_samples`` draws with P(i) = wᵢ / Σ w (with or without replacement)
    BatchSampler             groups another sampler's indices into lists of ``batch_size``

The samplers also offer ``epoch_indices()``: the whole epoch as one int64 array, which ``DataLoader``
uses to batch without a Python loop over samples.
"""

import numbers

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.random import generator as global_generator


def resolve_generator(generator, where):
    """``generator`` if it can draw (a numpy Generator or one with the same methods), else the global one."""
    if generator is None:
        return global_generator()
    if all(hasattr(generator, name) for name in ("permutation", "integers", "choice")):
        return generator
    raise TypeError(
        f"{where}: generator must be a numpy.random.Generator (or have its permutation, integers and "
        f"choice methods), got {type(generator).__name__}"
    )


def _check_generator(generator, where):
    if generator is not None:
        resolve_generator(generator, where)
    return generator


def _positive_int(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{where}: {name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


def _check_bool(value, name, where):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} should be a boolean value, but got {name}={value!r}")
    return bool(value)


class Sampler:
    """Base class: subclasses define ``__iter__`` (and usually ``__len__``)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def epoch_indices(self):
        """The indices of one epoch as an int64 array (one ``iter()`` of the sampler)."""
        return np.fromiter(iter(self), dtype=np.int64)


class SequentialSampler(Sampler):
    """0, 1, …, len(data_source) − 1, in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def epoch_indices(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(self.epoch_indices().tolist())

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """``RandomSampler(data_source, replacement=False, num_samples=None, generator=None)``: a random
    order of the indices (see the module docstring); ``num_samples`` defaults to ``len(data_source)``.

    >>> import numpy as np
    >>> sorted(RandomSampler(range(5), generator=np.random.default_rng(0)))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = _check_bool(replacement, "replacement", "RandomSampler")
        self._num_samples = num_samples
        self.generator = _check_generator(generator, "RandomSampler")
        if num_samples is not None:
            _positive_int(num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def epoch_indices(self):
        n, count = len(self.data_source), self.num_samples
        rng = resolve_generator(self.generator, "RandomSampler")
        if self.replacement:
            return np.asarray(rng.integers(0, n, size=count), dtype=np.int64)
        rounds = [rng.permutation(n) for _ in range(-(-count // n) if n else 0)]
        order = np.concatenate(rounds) if rounds else np.zeros(0, dtype=np.int64)
        return order[:count].astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self.epoch_indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new one every epoch)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self._indices = np.asarray(indices.array if isinstance(indices, Tensor) else indices, dtype=np.int64)
        self.generator = _check_generator(generator, "SubsetRandomSampler")

    def epoch_indices(self):
        rng = resolve_generator(self.generator, "SubsetRandomSampler")
        return self._indices[rng.permutation(len(self._indices))]

    def __iter__(self):
        return iter(self.epoch_indices().tolist())

    def __len__(self):
        return len(self._indices)


class WeightedRandomSampler(Sampler):
    """``WeightedRandomSampler(weights, num_samples, replacement=True, generator=None)``: indices
    0..len(weights)−1 drawn with probability proportional to ``weights`` (e.g. to rebalance classes).

    >>> import numpy as np
    >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3, generator=np.random.default_rng(0)))
    [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        where = "WeightedRandomSampler"
        self.num_samples = _positive_int(num_samples, "num_samples", where)
        self.replacement = _check_bool(replacement, "replacement", where)
        weights = np.asarray(weights.array if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0:
            raise ValueError(
                f"{where}: weights should be a non-empty 1-D sequence, got shape {weights.shape}"
            )
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError(f"{where}: weights must be finite, non-negative and not all zero")
        if not replacement and self.num_samples > np.count_nonzero(weights):
            raise ValueError(
                f"{where}: cannot draw {self.num_samples} samples without replacement from "
                f"{np.count_nonzero(weights)} indices of non-zero weight"
            )
        self.weights = weights
        self.generator = _check_generator(generator, where)

    def epoch_indices(self):
        rng = resolve_generator(self.generator, "WeightedRandomSampler")
        p = self.weights / self.weights.sum()
        drawn = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return np.asarray(drawn, dtype=np.int64)

    def __iter__(self):
        return iter(self.epoch_indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` consecutive indices from ``sampler`` (the last shorter unless
    ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        self.batch_size = _positive_int(batch_size, "batch_size", "BatchSampler")
        self.drop_last = _check_bool(drop_last, "drop_last", "BatchSampler")
        self.sampler = sampler

    def __iter__(self):
        order = _epoch_indices(self.sampler)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size].tolist()

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)


def _epoch_indices(sampler):
    """One epoch of ``sampler`` as an int64 array (vectorised for mathdl's samplers)."""
    method = getattr(sampler, "epoch_indices", None)
    if callable(method):
        return np.asarray(method(), dtype=np.int64)
    return np.fromiter((int(i) for i in sampler), dtype=np.int64)
