"""Shared test fixtures. PyTorch is only a test oracle: tests that need it take the ``torch``
fixture, which skips them (with the reason) where torch is not installed."""
import numpy as np
import pytest


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed (it is only a test oracle; "
                                               "CI installs it with pip install torch==2.13.0)")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
