"""Padding layers (PyTorch's ``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``, ...): modules
holding a pad tuple and calling ``F.pad``. ``padding`` is an int (the same on every side) or the
tuple itself: (left, right) for 1-d, (left, right, top, bottom) for 2-d."""

import numbers

from mathdl.nn.functional.padding import pad
from mathdl.nn.module import Module


class _Pad(Module):
    sides = 2
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
            padding = (int(padding),) * self.sides
        padding = tuple(padding)
        if len(padding) != self.sides:
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or {self.sides} ints, got {padding}"
            )
        self.padding, self.value = padding, value

    def forward(self, input):
        if self.mode == "constant":
            return pad(input, self.padding, "constant", self.value)
        return pad(input, self.padding, self.mode)

    def extra_repr(self):
        if type(self).__name__.startswith("Constant"):
            return f"padding={self.padding}, value={self.value}"
        return str(self.padding)


class ConstantPad1d(_Pad):
    """Pad the last dimension with ``value``: (N, C, W) → (N, C, W + left + right)."""

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dimensions with ``value``: (N, C, H, W) → (N, C, H + top + bottom, W + left + right)."""

    sides = 4


class ZeroPad1d(_Pad):
    """Pad the last dimension with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dimensions with zeros.

    >>> import mathdl as md
    >>> md.nn.ZeroPad2d(1)(md.ones(1, 1, 1, 1)).shape
    (1, 1, 3, 3)
    """

    sides = 4


class ReflectionPad1d(ZeroPad1d):
    """Pad the last dimension with its reflection (the edge not repeated)."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dimensions with their reflection."""

    sides = 4


class ReplicationPad1d(ZeroPad1d):
    """Pad the last dimension by repeating its edge values."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dimensions by repeating their edge values."""

    sides = 4


class CircularPad1d(ZeroPad1d):
    """Pad the last dimension periodically (wrap around)."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pad the last two dimensions periodically."""

    sides = 4
