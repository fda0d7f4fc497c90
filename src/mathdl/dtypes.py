"""PyTorch's dtype names for mathdl's dtypes (NumPy's): ``md.float32``, ``md.float`` (= float32),
``md.double``, ``md.half``, ``md.long`` (= int64), ``md.int`` (= int32), ``md.bool``, …

They are NumPy scalar types, so ``x.dtype == md.float32`` and ``np.zeros(3, md.int64)`` both work.
"""

import numpy as np

float32 = np.float32
float64 = np.float64
float16 = np.float16
bfloat16 = None  # NumPy has no bfloat16; mathdl does not offer it
complex64 = np.complex64
complex128 = np.complex128
int64 = np.int64
int32 = np.int32
int16 = np.int16
int8 = np.int8
uint8 = np.uint8
bool_ = np.bool_

# PyTorch's other spellings
ALIASES = {
    "float": float32,
    "double": float64,
    "half": float16,
    "long": int64,
    "int": int32,
    "short": int16,
    "bool": bool_,
    "cfloat": complex64,
    "cdouble": complex128,
}

NAMES = (
    "float32 float64 float16 complex64 complex128 int64 int32 int16 int8 uint8 "
    "float double half long int short bool cfloat cdouble"
).split()


def as_dtype(dtype):
    """``dtype`` (a NumPy type or dtype, a Python type, or a name such as ``'float32'``) as a
    NumPy dtype; an unknown name raises TypeError."""
    if isinstance(dtype, str) and dtype in ALIASES:
        return np.dtype(ALIASES[dtype])
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"not a dtype: {dtype!r} (use e.g. mathdl.float32, mathdl.int64)") from None
    if result.kind == "O":
        raise TypeError(f"not a dtype: {dtype!r} (use e.g. mathdl.float32, mathdl.int64)")
    return result
