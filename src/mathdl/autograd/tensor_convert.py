"""Tensor dtype and device conversions, as PyTorch: ``to``, ``cpu``, ``cuda``, ``float double half
long int short bool byte``, ``type``, ``new_zeros/new_ones/new_full/new_empty/new_tensor``.

A conversion that changes nothing returns the tensor itself (as PyTorch); a floating-point to
floating-point conversion is differentiable (the gradient is cast back), a conversion to an integer
or boolean dtype cuts the graph (as PyTorch).
"""

import numpy as np

_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def _devices():
    import mathdl.devices as devices

    return devices


def _dtypes():
    import mathdl.dtypes as dtypes

    return dtypes


class ConversionMethods:
    """The conversion half of Tensor's methods (mixed into ``Tensor``)."""

    __slots__ = ()

    def astype(self, dtype):
        """This tensor in ``dtype`` (itself when already so); float→float is differentiable."""
        from mathdl.autograd.tensor import Tensor
        from mathdl.ops import arithmetic

        dtype = _dtypes().as_dtype(dtype)
        if dtype == self.array.dtype:
            return self
        if dtype.kind not in "fc" or self.array.dtype.kind not in "fc":  # no gradient, as torch
            return Tensor(self.array.astype(dtype))
        return arithmetic.Cast(dtype)(self)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)`` (its dtype and
        device), as ``torch.Tensor.to``. Only the CPU exists; any other device raises."""
        for arg in args:
            if hasattr(arg, "creator"):  # a Tensor: take its dtype (and device, always the CPU)
                dtype = arg.dtype if dtype is None else dtype
            elif _devices().is_device_like(arg):
                device = arg
            elif dtype is None:
                dtype = arg
            else:
                raise TypeError(f"to: unexpected argument {arg!r} (give a dtype, a device or a tensor)")
        if device is not None:
            _devices().check_device(device)
        result = self if dtype is None else self.astype(dtype)
        return result.clone() if copy and result is self else result

    def cpu(self):
        """The tensor itself: mathdl's tensors live on the CPU."""
        return self

    def cuda(self, device=None, non_blocking=False):
        """Raises: mathdl has no GPU backend yet (see ``mathdl.devices``)."""
        _devices().check_device("cuda" if device is None else device)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def half(self):
        return self.astype(np.float16)

    def long(self):
        return self.astype(np.int64)

    def int(self):
        return self.astype(np.int32)

    def short(self):
        return self.astype(np.int16)

    def char(self):
        return self.astype(np.int8)

    def byte(self):
        return self.astype(np.uint8)

    def bool(self):
        return self.astype(np.bool_)

    def type(self, dtype=None):
        """``t.type()`` names the type (``'mathdl.FloatTensor'``); ``t.type(dtype)`` converts."""
        if dtype is None:
            return "mathdl." + _TYPE_NAMES.get(self.array.dtype.name, f"{self.array.dtype.name}Tensor")
        if isinstance(dtype, str) and dtype.split(".")[-1] in _TYPE_NAMES.values():
            name = dtype.split(".")[-1]
            dtype = next(k for k, v in _TYPE_NAMES.items() if v == name)
        return self.astype(dtype)

    def type_as(self, other):
        return self.astype(other.dtype)

    def is_floating_point(self):
        return self.array.dtype.kind == "f"

    def is_complex(self):
        return self.array.dtype.kind == "c"

    def element_size(self):
        return self.array.itemsize

    def contiguous(self, memory_format=None):
        """This tensor with C-contiguous memory (itself when it already is)."""
        if self.array.flags.c_contiguous:
            return self
        from mathdl.ops import arithmetic

        result = arithmetic.Identity()(self)
        result.array = np.ascontiguousarray(result.array)
        return result

    def is_contiguous(self, memory_format=None):
        return bool(self.array.flags.c_contiguous)

    # ----- new tensors like this one (its dtype unless given) -----------------------------------
    def _new(self, array, dtype, device, requires_grad):
        from mathdl.autograd.tensor import Tensor

        if device is not None:
            _devices().check_device(device)
        dtype = self.array.dtype if dtype is None else _dtypes().as_dtype(dtype)
        return Tensor(np.asarray(array).astype(dtype), requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(np.zeros(_size(size)), dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(np.ones(_size(size)), dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(np.zeros(_size(size)), dtype, device, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        return self._new(np.full(_size((size,)), fill_value), dtype, device, requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        data = data.array if hasattr(data, "creator") else data
        return self._new(np.array(data), dtype, device, requires_grad)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(s, (int, np.integer)) for s in size):
        raise TypeError(f"expected a size (ints), got {size!r}")
    return tuple(int(s) for s in size)
