"""The Python examples in docs/autograd.md run as written (one namespace, top to bottom)."""

import pathlib
import re

DOC = pathlib.Path(__file__).parents[2] / "docs" / "autograd.md"


def test_autograd_doc_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    runnable = [
        b for b in blocks if not b.lstrip().startswith("class Mul")
    ]  # the excerpt of ops/arithmetic.py
    assert len(runnable) >= 6
    namespace = {}
    for block in runnable:
        exec(compile(block, str(DOC), "exec"), namespace)
