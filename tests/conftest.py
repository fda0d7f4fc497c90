"""Shared test fixtures. PyTorch is only a test oracle: tests that need it take the ``torch``
fixture, which skips them (with the reason) where torch is not installed."""
import os

# Test arrays are small: BLAS threads only add spinning (and noise when the machine is shared).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads when it loads)
import pytest  # noqa: E402


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed (it is only a test oracle; "
                                               "CI installs it with pip install torch==2.13.0)")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def float64():
    """New tensors and parameters default to float64 inside the test (restored afterwards)."""
    import mathdl as md
    previous = md.get_default_dtype()
    md.set_default_dtype(np.float64)
    yield
    md.set_default_dtype(previous)
