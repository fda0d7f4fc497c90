"""Containers: Sequential (a chain y = f_n(…f_2(f_1(x)))), ModuleList and ModuleDict.

Sub-modules are registered under their position ('0', '1', …) or key, so parameter names read
``0.weight``, ``1.bias``, … exactly as in PyTorch.
"""

import operator
from collections import OrderedDict

from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.activation import relu
from mathdl.nn.module import Module


def _check_module(module, where):
    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected a Module, got {type(module).__name__}")
    return module


def _position(index, length, where):
    try:
        index = operator.index(index)
    except TypeError:
        raise TypeError(f"{where}: indices must be integers or slices, got {type(index).__name__}") from None
    if not -length <= index < length:
        raise IndexError(f"{where}: index {index} is out of range for {length} modules")
    return index % length


class Sequential(Module):
    """Modules applied in order: ``forward(x) = m_n(…m_1(x))``.

    ``Sequential(m1, m2, …)`` or ``Sequential(OrderedDict(name=module, …))``. Indexable
    (``seq[0]``, ``seq[-1]``, a slice gives a new Sequential sharing the modules), ``len``,
    iteration, ``append``, ``extend``, ``insert``. A ``ReLU`` directly followed by a ``MaxPool2d``
    runs as pooling then ReLU (the same values and gradients on a quarter of the data; see
    ``_pool_first``).

    >>> import mathdl as md
    >>> md.nn.Sequential(md.nn.Linear(3, 4), md.nn.ReLU(), md.nn.Linear(4, 2))(md.ones(5, 3)).shape
    (5, 2)
    """

    def __init__(self, *modules) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, _check_module(module, "Sequential"))
        else:
            for position, module in enumerate(modules):
                self.add_module(str(position), _check_module(module, "Sequential"))

    def forward(self, x: Tensor) -> Tensor:
        modules = list(self._modules.values())
        k = 0
        while k < len(modules):
            if k + 1 < len(modules) and _pool_first(modules[k], modules[k + 1]):
                x = relu(modules[k + 1](x), getattr(modules[k], "inplace", False))
                k += 2
                continue
            x = modules[k](x)
            k += 1
        return x

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        position = _position(index, len(self), "Sequential")
        return list(self._modules.values())[position]

    def __setitem__(self, index, module):
        position = _position(index, len(self), "Sequential")
        name = list(self._modules)[position]
        self._modules[name] = _check_module(module, "Sequential")
        object.__setattr__(self, name, module)

    def __delitem__(self, index):
        names = list(self._modules)
        doomed = (
            names[index] if isinstance(index, slice) else [names[_position(index, len(names), "Sequential")]]
        )
        for name in doomed:
            delattr(self, name)
        self._renumber()

    def _renumber(self):
        if all(name.isdigit() for name in self._modules):
            _register_numbered(self, list(self._modules.values()))

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), _check_module(module, "Sequential.append"))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index``."""
        _check_module(module, "Sequential.insert")
        items = list(self._modules.values())
        index = max(0, min(len(items), index if index >= 0 else len(items) + index))
        items.insert(index, module)
        _register_numbered(self, items)
        return self


_CLASSES: list[type] = []


def _relu_pool_classes():
    """(nn.ReLU, nn.MaxPool2d), imported on first use (nn.layers imports this module)."""
    if not _CLASSES:
        from mathdl.nn.layers.activation import ReLU
        from mathdl.nn.layers.pooling import MaxPool2d

        _CLASSES.extend((ReLU, MaxPool2d))
    return _CLASSES


def _pool_first(first, second):
    """Whether ``first, second`` is a plain ReLU followed by a plain MaxPool2d (no hooks, no
    subclasses), which ``Sequential`` runs as pooling then ReLU: ReLU is monotone, so
    maxpool(relu(x)) = relu(maxpool(x)) (−∞ padding and NaN included), on 1/(kh·kw) of the data.

    The gradients agree too: where the window's maximum m > 0 the first arg-max is the same pixel
    in x and relu(x) and both masks pass ȳ; where m ≤ 0 both give 0 (relu(x)'s first maximum is a
    pixel with x ≤ 0, and relu(m) = 0 masks ȳ). The one difference is the sign of a zero result
    (−0.0 from a window whose maximum is −0.0), equal as a number."""
    relu_class, pool_class = _relu_pool_classes()
    return (
        type(first) is relu_class
        and type(second) is pool_class
        and not first._has_hooks()
        and not second._has_hooks()
    )


def _register_numbered(container, modules):
    """Drop every submodule of ``container`` and register ``modules`` as '0', '1', … in order."""
    for name in list(container._modules):
        delattr(container, name)
    for position, module in enumerate(modules):
        container.add_module(str(position), module)


class ModuleList(Module):
    """A list of Modules whose parameters are registered (a plain Python list would hide them).

    No ``forward``: the owner decides how to use the modules.

    >>> import mathdl as md
    >>> layers = md.nn.ModuleList([md.nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def __init__(self, modules=None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return list(self._modules.values())[_position(index, len(self), "ModuleList")]

    def __setitem__(self, index, module):
        position = _position(index, len(self), "ModuleList")
        self.add_module(str(position), _check_module(module, "ModuleList"))

    def __delitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[_position(index, len(items), "ModuleList")]
        _register_numbered(self, items)

    def append(self, module):
        self.add_module(str(len(self)), _check_module(module, "ModuleList.append"))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        items = list(self._modules.values())
        items.insert(index, _check_module(module, "ModuleList.insert"))
        _register_numbered(self, items)


class ModuleDict(Module):
    """A dict of named Modules whose parameters are registered (insertion ordered).

    >>> import mathdl as md
    >>> heads = md.nn.ModuleDict({'a': md.nn.Linear(2, 1), 'b': md.nn.Linear(2, 3)})
    >>> sorted(heads), heads['b'](md.ones(1, 2)).shape
    (['a', 'b'], (1, 3))
    """

    def __init__(self, modules=None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module named {key!r}; keys are {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key):
        self[key]
        delattr(self, key)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self[key] = module
