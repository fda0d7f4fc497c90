"""The ``>>>`` examples in the docstrings of the tensor core run and print what they say."""

import doctest
import importlib

import pytest

MODULES = [
    "mathdl.ops.dims",
    "mathdl.ops.reduction",
    "mathdl.ops.softmax",
    "mathdl.ops.movement",
    "mathdl.ops.indexing",
    "mathdl.ops.sorting",
    "mathdl.ops.clamp",
    "mathdl.ops.inplace",
    "mathdl.ops.shape",
    "mathdl.devices",
    "mathdl.factories",
    "mathdl.autograd.anomaly",
    "mathdl.autograd.gradcheck",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result
