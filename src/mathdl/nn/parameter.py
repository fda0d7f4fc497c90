"""Parameter: a Tensor that a Module registers as learnable.

Assigning a Parameter to a Module attribute (``self.weight = Parameter(...)``) puts it in the
module's ``parameters()``, ``named_parameters()`` and ``state_dict()``; a plain Tensor is not.
"""

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor, _as_array


class Parameter(Tensor):
    """A learnable tensor: ``requires_grad=True`` by default.

    ``Parameter(data, requires_grad=True, dtype=None)``. A Tensor given as ``data`` is shared (no
    copy) and keeps its dtype, as ``torch.nn.Parameter`` does; any other floating data (lists,
    NumPy arrays, numbers) takes the default dtype (``mathdl.get_default_dtype()``, float32 unless
    changed) unless ``dtype`` is given. ``Parameter()`` is an empty float tensor of shape (0,).
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True, dtype=None):
        if data is None:
            data = np.empty((0,), dtype=dtype or backend.get_default_dtype())
        if isinstance(data, Tensor):
            array = data.array if dtype is None else data.array.astype(dtype, copy=False)
        else:
            array = _as_array(data, dtype)
            if dtype is None and array.dtype.kind == "f":
                array = array.astype(backend.get_default_dtype(), copy=False)
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
