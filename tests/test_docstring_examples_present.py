"""Every public op (``mathdl.ops``), functional (``mathdl.nn.functional``) and layer (the Module
classes of ``mathdl.nn``) has a ``>>>`` example in its docstring. pytest runs those examples
(``--doctest-modules`` over src/mathdl, pyproject.toml), so they are also checked to be true."""

import inspect

import pytest

import mathdl.nn as nn
import mathdl.nn.functional as F
import mathdl.ops as ops


def _public(namespace, keep):
    names = getattr(namespace, "__all__", None) or [n for n in dir(namespace) if not n.startswith("_")]
    return sorted(n for n in names if keep(getattr(namespace, n, None)))


def _is_layer(obj):
    return inspect.isclass(obj) and issubclass(obj, nn.Module)


CASES = (
    [(ops, name) for name in _public(ops, inspect.isfunction)]
    + [(F, name) for name in _public(F, inspect.isfunction)]
    + [(nn, name) for name in _public(nn, _is_layer)]
)


def test_the_namespaces_are_not_empty():
    assert len(CASES) > 200


@pytest.mark.parametrize(
    "namespace,name", CASES, ids=[f"{namespace.__name__}.{name}" for namespace, name in CASES]
)
def test_has_a_doctest_example(namespace, name):
    doc = inspect.getdoc(getattr(namespace, name)) or ""
    assert ">>>" in doc, f"{namespace.__name__}.{name} has no >>> example in its docstring"
