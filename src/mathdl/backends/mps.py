"""``mathdl.backends.mps``: Apple's Metal backend is not available (mathdl computes with NumPy)."""


def is_available():
    return False


def is_built():
    return False
