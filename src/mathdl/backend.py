"""The one place that chooses the array module.

Everything in mathdl that needs arrays asks this module for ``xp`` instead of importing NumPy
directly for array creation, so a later CuPy backend changes one line here.
"""

import numpy

xp = numpy

_default_dtype = numpy.dtype(numpy.float32)


def get_default_dtype():
    """The floating dtype given to new floating tensors and parameters (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype):
    """Set the floating dtype of new tensors and parameters: ``numpy.float32`` or ``numpy.float64``."""
    global _default_dtype
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64)):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    _default_dtype = dtype
