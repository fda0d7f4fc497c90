"""What a Keras layer tracks: ``Variable`` (a named weight with Keras's ``assign`` API) and the
list attributes whose layers become sub-layers (``_TrackedList``)."""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter


class Variable(Parameter):
    """A Keras weight: a ``Parameter`` with a ``name``, a ``trainable`` flag, ``assign``,
    ``assign_add``, ``assign_sub`` and ``numpy()``. Non-trainable variables (moving statistics)
    are registered as buffers, so optimisers never see them."""

    __slots__ = ("name", "trainable", "path")

    def __init__(self, value, name="variable", trainable=True):
        value = np.asarray(value)
        super().__init__(value, requires_grad=bool(trainable), dtype=value.dtype)
        self.name, self.trainable, self.path = name, bool(trainable), name

    def assign(self, value):
        """Set the values in place (shape must match)."""
        value = value.array if isinstance(value, Tensor) else np.asarray(value)
        if value.shape != self.shape and value.size != self.array.size:
            raise ValueError(f"variable {self.path}: cannot assign shape {value.shape} to {self.shape}")
        self.array[...] = value.reshape(self.shape)
        return self

    def assign_add(self, value):
        """Add ``value`` in place."""
        return self.assign(self.array + (value.array if isinstance(value, Tensor) else np.asarray(value)))

    def assign_sub(self, value):
        """Subtract ``value`` in place."""
        return self.assign(self.array - (value.array if isinstance(value, Tensor) else np.asarray(value)))

    @property
    def value(self):
        """The variable itself (a Tensor), as Keras's ``variable.value``."""
        return self


def _register_list(owner, name, items):
    """Register the Modules of ``items`` as ``name_0``, ``name_1``, … (dropping stale entries)."""
    prefix = f"{name}_"
    for key in [k for k in owner._modules if k.startswith(prefix) and k[len(prefix) :].isdigit()]:
        del owner._modules[key]
    for index, item in enumerate(items):
        if isinstance(item, Module):
            owner._modules[f"{prefix}{index}"] = item


class _TrackedList(list):
    """A list attribute of a layer whose Module items are tracked as sub-layers."""

    def __init__(self, owner, name, items):
        super().__init__(items)
        self._owner, self._name = owner, name

    def _sync(self):
        _register_list(self._owner, self._name, self)

    def append(self, item):
        super().append(item)
        self._sync()

    def extend(self, items):
        super().extend(items)
        self._sync()

    def insert(self, index, item):
        super().insert(index, item)
        self._sync()

    def pop(self, index=-1):
        item = super().pop(index)
        self._sync()
        return item

    def remove(self, item):
        super().remove(item)
        self._sync()

    def __setitem__(self, index, item):
        super().__setitem__(index, item)
        self._sync()

    def __delitem__(self, index):
        super().__delitem__(index)
        self._sync()
