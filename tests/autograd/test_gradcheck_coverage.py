"""Every Function subclass in mathdl has a row in the `mathdl gradcheck` table, and each row
really exercises the Function(s) it declares (they appear in its recorded graph).

A new Function without a row fails here, named; add one line to CASES in
src/mathdl/autograd/gradcheck_cases.py (see the docstring of gradcheck_report)."""

import importlib
import pkgutil

import pytest

import mathdl
from mathdl.autograd import gradcheck_report
from mathdl.autograd.function import Function


def _import_every_submodule():
    for info in pkgutil.walk_packages(mathdl.__path__, prefix="mathdl."):
        if info.name.endswith(".__main__"):  # `python -m` entry points run on import
            continue
        importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def mathdl_functions():
    _import_every_submodule()
    return {cls for cls in _subclasses(Function) if cls.__module__.startswith("mathdl.")}


def test_every_function_has_a_row():
    declared = {cls for case in gradcheck_report._cases() for cls in case.covers}
    missing = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in mathdl_functions() - declared)
    assert not missing, (
        f"{len(missing)} Function subclass(es) have no row in the `mathdl gradcheck` table "
        f"(add one to CASES in src/mathdl/autograd/gradcheck_cases.py): {', '.join(missing)}"
    )


@pytest.mark.parametrize("case", gradcheck_report._cases(), ids=lambda case: case.name)
def test_each_row_exercises_what_it_declares(case):
    _, _, ok, seen = gradcheck_report.check(case)
    assert set(case.covers) <= seen, f"row {case.name!r} declares {case.covers} but its graph has {seen}"
    assert ok, f"row {case.name!r} fails its gradient check"
