"""Datasets: anything with ``len(dataset)`` and ``dataset[i]``, as in ``torch.utils.data``.

A dataset may also offer ``get_batch(indices)``: given an int64 index array of shape (B,), return
the whole batch at once as a tuple of arrays, each of shape (B, ...). ``DataLoader`` uses it when
present, so a batch is one fancy-indexing operation per field instead of B Python calls.
``TensorDataset``, ``Subset`` (of a dataset that has it) and the image datasets implement it.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor


class Dataset:
    """The base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")


def as_array(value, name="value"):
    """The NumPy array behind ``value`` (a Tensor, array, or array-like), without copying arrays."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, np.ndarray):
        return value
    try:
        array = np.asarray(value)
    except ValueError:
        array = np.empty(0, dtype=object)
    if array.dtype == object:
        raise TypeError(
            f"{name}: cannot make an array from {type(value).__name__} (ragged or non-numeric data)"
        )
    return array


def check_indices(indices, length, where):
    """``indices`` as an int64 array of shape (B,), every entry in [-length, length)."""
    indices = np.asarray(indices)
    if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
        raise TypeError(
            f"{where}: indices must be a 1-D integer array, got dtype {indices.dtype} "
            f"and shape {indices.shape}"
        )
    indices = indices.astype(np.int64, copy=False)
    if indices.size and (indices.min() < -length or indices.max() >= length):
        bad = indices[(indices < -length) | (indices >= length)][0]
        raise IndexError(f"{where}: index {bad} is out of range for a dataset of length {length}")
    return indices


class TensorDataset(Dataset):
    """Samples are rows of the given tensors/arrays: ``dataset[i] == (t[i] for t in tensors)``.

    ``TensorDataset(x, y)`` with ``x`` of shape (N, ...) and ``y`` of shape (N, ...); every input
    must have the same first dimension N. The inputs are held without copying (``.arrays`` are
    the NumPy arrays, ``.tensors`` the same wrapped as Tensors). ``dataset[i]`` returns a tuple of
    Tensors (one row of each input), as PyTorch does.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor or array")
        arrays = tuple(as_array(t, f"TensorDataset (argument {k})") for k, t in enumerate(tensors))
        for k, array in enumerate(arrays):
            if array.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {k} is a scalar; every input needs a first (sample) dimension"
                )
        sizes = [array.shape[0] for array in arrays]
        if len(set(sizes)) != 1:
            shapes = ", ".join(str(array.shape) for array in arrays)
            raise ValueError(
                f"TensorDataset: all inputs must have the same first dimension "
                f"(number of samples); got shapes {shapes}"
            )
        self.arrays = arrays

    @property
    def tensors(self):
        return tuple(Tensor(array) for array in self.arrays)

    def __len__(self):
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"TensorDataset: index must be an integer, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"TensorDataset: index {index} is out of range for length {n}")
        return tuple(Tensor(array[index]) for array in self.arrays)

    def get_batch(self, indices):
        """Rows ``indices`` (int array of shape (B,)) of every input: a tuple of (B, ...) arrays."""
        indices = check_indices(indices, len(self), "TensorDataset.get_batch")
        return tuple(array[indices] for array in self.arrays)

    def __repr__(self):
        shapes = ", ".join(str(array.shape) for array in self.arrays)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (a sequence or int array), in that order."""

    def __init__(self, dataset, indices):
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"Subset: dataset must define __getitem__ and __len__, got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.indices = check_indices(as_array(indices, "Subset indices"), len(dataset), "Subset")

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"Subset: index must be an integer, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"Subset: index {index} is out of range for length {n}")
        return self.dataset[int(self.indices[index])]

    @property
    def get_batch(self):
        # Offered only when the underlying dataset has a batch path, so DataLoader's
        # ``hasattr(dataset, "get_batch")`` test stays truthful.
        inner = getattr(self.dataset, "get_batch", None)
        if inner is None:
            raise AttributeError("get_batch")

        def get_batch(indices):
            """Rows ``indices`` of this subset, fetched in one call on the underlying dataset."""
            indices = check_indices(indices, len(self), "Subset.get_batch")
            return inner(self.indices[indices])

        return get_batch

    def __repr__(self):
        return f"Subset({type(self.dataset).__name__}, {len(self)} samples)"
