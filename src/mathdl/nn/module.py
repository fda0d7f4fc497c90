"""Module: the base class of every layer and model.

A Module owns three kinds of state, registered by assignment in ``__init__``:

- parameters (``self.weight = Parameter(...)``): learned, returned by ``parameters()``;
- buffers (``self.register_buffer('running_mean', tensor)``): saved but not learned;
- sub-modules (``self.fc = Linear(...)``): their state appears under dotted names
  (``fc.weight``), as in PyTorch, so a ``state_dict`` can be copied between frameworks.

Subclasses implement ``forward``; calling the module calls it.
"""

from collections import OrderedDict, namedtuple

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.nn.parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictError(KeyError, ValueError):
    """``load_state_dict`` found missing or unexpected keys, or a shape mismatch."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class _HookHandle:
    """What ``register_forward_hook`` returns: ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, registry, hook):
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        _HookHandle._next_id += 1
        self.id, self._registry = _HookHandle._next_id, registry
        registry[self.id] = hook

    def remove(self):
        self._registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class of layers and models: holds parameters, buffers and sub-modules.

    ``training`` (True after construction) switches layers such as Dropout and BatchNorm between
    their training and evaluation behaviour; set it for the whole tree with ``train()``/``eval()``.

    >>> import mathdl as md
    >>> class TwoLayer(md.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden, self.out = md.nn.Linear(3, 4), md.nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> model = TwoLayer()
    >>> model(md.ones(2, 3)).shape, sum(p.numel() for p in model.parameters())
    ((2, 1), 21)
    """

    # set in __init__ through object.__setattr__; declared here for type checkers only
    training: bool
    _modules: "OrderedDict[str, Module]"

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    # ----- registration ----------------------------------------------------------------------
    def _check_initialised(self, name):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called: "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )

    def __setattr__(self, name, value):
        # Registered state lives both in its registry (for traversal) and in __dict__, so that
        # reading self.weight in forward is a plain attribute look-up.
        if isinstance(value, Parameter):
            self._check_initialised(name)
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_initialised(name)
            self._forget(name)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__} (a Parameter or None is required)"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} of "
                    f"{type(self).__name__} (a Module or None is required)"
                )
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} of "
                    f"{type(self).__name__} (a Tensor or None is required)"
                )
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def _forget(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        self._non_persistent.discard(name)

    def __delattr__(self, name):
        if "_parameters" in self.__dict__:
            self._forget(name)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) under ``name``."""
        self._check_initialised(name)
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"parameter name must be a non-empty string without '.', got {name!r}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}"
            )
        self._forget(name)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Register a non-learned Tensor (e.g. BatchNorm's running mean) under ``name``.

        Buffers are in ``state_dict()`` (unless ``persistent=False``) and converted by
        ``double()``/``float()``, but not returned by ``parameters()``.
        """
        self._check_initialised(name)
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"buffer name must be a non-empty string without '.', got {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            if isinstance(tensor, np.ndarray):
                tensor = Tensor(tensor)
            else:
                raise TypeError(
                    f"register_buffer: {name!r} must be a Tensor, an array or None, "
                    f"got {type(tensor).__name__}"
                )
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name, module):
        """Register ``module`` (a Module or None) as a child called ``name``."""
        self._check_initialised(name)
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"module name must be a non-empty string without '.', got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    # ----- traversal -------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and every descendant, each module once (as
        ``torch.nn.Module.named_modules(memo=None, prefix='', remove_duplicate=True)``)."""
        if isinstance(memo, str):  # an older positional call named_modules(prefix)
            memo, prefix = None, memo
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        """This module and every descendant (depth first, each once)."""
        for _, module in self.named_modules():
            yield module

    def get_submodule(self, target):
        """The descendant at dotted path ``target`` (``''`` is self), e.g. ``'encoder.layers.0'``."""
        if target == "":
            return self
        module = self
        for depth, name in enumerate(target.split(".")):
            child = module._modules.get(name) if isinstance(module, Module) else None
            if child is None:
                walked = ".".join(target.split(".")[:depth]) or type(self).__name__
                raise AttributeError(
                    f"get_submodule: {walked} has no submodule {name!r} (looking for {target!r})"
                )
            module = child
        return module

    def get_parameter(self, target):
        """The Parameter at dotted path ``target``, e.g. ``'0.weight'``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters or module._parameters[name] is None:
            raise AttributeError(
                f"get_parameter: {module_path or type(self).__name__} has no parameter {name!r}"
            )
        return module._parameters[name]

    def named_children(self):
        """(name, module) for each direct sub-module."""
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        """The direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) pairs, e.g. ``('0.weight', ...)``; a shared parameter once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        """The Parameters of this module and (``recurse=True``) its descendants."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True):
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        """The buffers (non-learned state tensors) of this module and its descendants."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ----- state -----------------------------------------------------------------------------
    def state_dict(self, prefix="", keep_vars=False):
        """An ordered ``{dotted name: Tensor}`` of every parameter and persistent buffer.

        The Tensors share memory with the module (no copy) but are detached from it unless
        ``keep_vars=True``; save them with ``mathdl.save``.
        """
        state = OrderedDict()
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            head = f"{module_prefix}." if module_prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[head + name] = param if keep_vars else param.detach()
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent:
                    state[head + name] = buffer if keep_vars else buffer.detach()
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy ``state_dict`` (dotted name → Tensor or array) into this module's parameters and
        buffers, in place (the arrays keep their identity and dtype).

        With ``strict=True`` (the default) missing or unexpected keys raise ``StateDictError``
        (a KeyError and ValueError) naming them; a shape mismatch always raises, naming the key
        and both shapes. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(
                f"load_state_dict: expected a mapping of names to tensors, got {type(state_dict).__name__}"
            )
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("missing key(s): " + ", ".join(repr(k) for k in missing))
            if unexpected:
                parts.append("unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
            raise StateDictError(f"load_state_dict for {type(self).__name__}: " + "; ".join(parts))
        arrays = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value.array if isinstance(value, Tensor) else np.asarray(value)
            if array.shape != target.shape:
                raise StateDictError(
                    f"load_state_dict for {type(self).__name__}: size mismatch for "
                    f"{key!r}: copying a value of shape {array.shape}, the parameter "
                    f"in the current model has shape {target.shape}"
                )
            arrays[key] = array
        for key, array in arrays.items():  # all checked before anything is changed
            np.copyto(own[key].array, array, casting="unsafe")
        return IncompatibleKeys(missing, unexpected)

    # ----- modes, gradients, conversion ------------------------------------------------------
    def train(self, mode=True):
        """Set training mode on this module and all descendants; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``): Dropout is the identity, BatchNorm uses its
        running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Turn gradient recording on or off for every parameter (freezing a part of a model)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear the gradients of all parameters: to None (the default, as PyTorch), or to zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.array[...] = 0

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant (children first) and on self; returns self.
        Typical use: custom initialisation."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """``module.to(device)``, ``.to(dtype)``, ``.to(device, dtype)``, ``.to(tensor)``, as
        ``torch.nn.Module.to``: convert floating parameters, their gradients and floating buffers to
        ``dtype`` in place (the Parameter objects are kept, so optimisers built earlier still hold
        them); returns self. The CPU is the only device: any other raises ``DeviceError``.
        """
        from mathdl.devices import check_device, is_device_like
        from mathdl.dtypes import as_dtype

        for arg in args:
            if hasattr(arg, "creator"):  # a Tensor: its dtype (and device, the CPU)
                dtype = arg.dtype if dtype is None else dtype
            elif is_device_like(arg) or (isinstance(arg, int) and not isinstance(arg, bool)):
                device = arg
            elif dtype is None:
                dtype = arg
            else:
                raise TypeError(f"to: unexpected argument {arg!r} (give a device, a dtype or a tensor)")
        if device is not None:
            check_device(device)
        if dtype is None:
            return self
        dtype = as_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"to: nn.Module.to only accepts floating point dtypes, got {dtype}")
        for module in self.modules():
            for tensor in list(module._parameters.values()) + list(module._buffers.values()):
                if tensor is None or tensor.array.dtype.kind != "f":
                    continue
                tensor.array = tensor.array.astype(dtype, copy=False)
                if tensor.grad is not None:
                    tensor.grad.array = tensor.grad.array.astype(dtype, copy=False)
        return self

    def cpu(self):
        """Returns self: the parameters already live on the CPU."""
        return self

    def cuda(self, device=None):
        """Raises ``DeviceError``: mathdl has no GPU backend yet."""
        from mathdl.devices import check_device

        check_device("cuda" if device is None else device)

    def half(self):
        """Parameters and floating buffers to float16; returns self."""
        return self.to(np.float16)

    def double(self):
        """Parameters and floating buffers to float64; returns self."""
        return self.to(np.float64)

    def float(self):
        """Parameters and floating buffers to float32; returns self."""
        return self.to(np.float32)

    # ----- calling and printing --------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): subclasses of Module must implement it"
        )

    def _has_hooks(self):
        """Whether a forward (pre-)hook is registered (a caller bypassing ``__call__`` must not)."""
        return bool(self._forward_pre_hooks or self._forward_hooks)

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            replaced = hook(self, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            replaced = hook(self, args, output)
            if replaced is not None:
                output = replaced
        return output

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before each forward; a non-None result replaces the
        positional arguments. Returns a handle whose ``remove()`` unregisters the hook."""
        return _HookHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """Call ``hook(module, args, output)`` after each forward (e.g. to record intermediate
        activations); a non-None result replaces the output. Returns a handle with ``remove()``."""
        return _HookHandle(self._forward_hooks, hook)

    def extra_repr(self):
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_text}")
        if not lines:
            return f"{type(self).__name__}()"
        if not self._modules and len(lines) == 1:
            return f"{type(self).__name__}({lines[0]})"
        body = "\n  ".join(lines)
        return f"{type(self).__name__}(\n  {body}\n)"
