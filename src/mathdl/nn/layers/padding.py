"""Padding layers (PyTorch's ``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``, ...): modules
holding a pad tuple and calling ``F.pad``. ``padding`` is an int (the same on every side) or the
tuple itself: (left, right) for 1-d, (left, right, top, bottom) for 2-d."""

import numbers

from mathdl.nn.functional.padding import pad
from mathdl.nn.module import Module
from mathdl.typing import IntPair


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
    """Pad the last dimension with ``value``: (N, C, W) → (N, C, W + left + right).

    >>> import mathdl as md
    >>> md.nn.ConstantPad1d((1, 0), 9.0)(md.tensor([[[1.0, 2.0]]])).tolist()
    [[[9.0, 1.0, 2.0]]]
    """

    def __init__(self, padding: IntPair, value: float) -> None:
        super().__init__(padding, value)


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dimensions with ``value``: (N, C, H, W) → (N, C, H + top + bottom, W + left + right).

    >>> import mathdl as md
    >>> md.nn.ConstantPad2d(1, 0.0)(md.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    sides = 4


class ZeroPad1d(_Pad):
    """Pad the last dimension with zeros.

    >>> import mathdl as md
    >>> md.nn.ZeroPad1d(1)(md.tensor([[[1.0, 2.0]]])).tolist()
    [[[0.0, 1.0, 2.0, 0.0]]]
    """

    def __init__(self, padding: IntPair) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dimensions with zeros.

    >>> import mathdl as md
    >>> md.nn.ZeroPad2d(1)(md.ones(1, 1, 1, 1)).shape
    (1, 1, 3, 3)
    """

    sides = 4


class ReflectionPad1d(ZeroPad1d):
    """Pad the last dimension with its reflection (the edge not repeated).

    >>> import mathdl as md
    >>> md.nn.ReflectionPad1d(1)(md.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[2.0, 1.0, 2.0, 3.0, 2.0]]]
    """

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dimensions with their reflection.

    >>> import mathdl as md
    >>> md.nn.ReflectionPad2d(1)(md.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    sides = 4


class ReplicationPad1d(ZeroPad1d):
    """Pad the last dimension by repeating its edge values.

    >>> import mathdl as md
    >>> md.nn.ReplicationPad1d(1)(md.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[1.0, 1.0, 2.0, 3.0, 3.0]]]
    """

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dimensions by repeating their edge values.

    >>> import mathdl as md
    >>> md.nn.ReplicationPad2d((1, 0, 0, 0))(md.ones(1, 1, 2, 2)).shape
    (1, 1, 2, 3)
    """

    sides = 4


class CircularPad1d(ZeroPad1d):
    """Pad the last dimension periodically (wrap around).

    >>> import mathdl as md
    >>> md.nn.CircularPad1d(1)(md.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[3.0, 1.0, 2.0, 3.0, 1.0]]]
    """

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pad the last two dimensions periodically.

    >>> import mathdl as md
    >>> md.nn.CircularPad2d(1)(md.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    sides = 4
