"""Type aliases of mathdl's public signatures (what the ops, layers and optimisers accept).

    TensorLike   a Tensor or anything ``mathdl.tensor`` converts: a NumPy array, a number, nested
                 sequences of numbers (the ops call ``as_tensor`` on their inputs)
    DimArg       the axes of a reduction: one int, a sequence of ints, or None for all of them
    ShapeLike    a shape: one int, or a tuple or list of ints
    IntPair      a size given once for both spatial axes or per axis: ``3`` or ``(3, 5)``
    DTypeLike    a dtype: ``md.float32``, ``np.float64``, ``"float64"``, …
    ParamsT      what an optimiser takes: parameters, or parameter groups (dicts with ``params``)

>>> from mathdl.typing import TensorLike
>>> import mathdl as md
>>> def double(x: TensorLike) -> md.Tensor:
...     return md.tensor(x) * 2
>>> double([1.0, 2.0]).tolist()
[2.0, 4.0]
"""

from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

import numpy.typing as npt

from mathdl.autograd.tensor import Tensor

TensorLike: TypeAlias = Tensor | npt.ArrayLike
DimArg: TypeAlias = int | Sequence[int] | None
ShapeLike: TypeAlias = int | tuple[int, ...] | list[int]
IntPair: TypeAlias = int | tuple[int, int]
DTypeLike: TypeAlias = npt.DTypeLike
ParamsT: TypeAlias = Iterable[Tensor] | Iterable[dict[str, Any]]

__all__ = ["DTypeLike", "DimArg", "IntPair", "ParamsT", "ShapeLike", "Tensor", "TensorLike"]
