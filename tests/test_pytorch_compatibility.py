"""docs/pytorch_compatibility.md is what scripts/pytorch_compatibility.py generates from the committed
name list and the current mathdl (regenerate: uv run python scripts/pytorch_compatibility.py)."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location(
        "pytorch_compatibility", ROOT / "scripts" / "pytorch_compatibility.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_current():
    script = _script()
    assert script.PAGE.read_text(encoding="utf-8") == script.render(), (
        "docs/pytorch_compatibility.md is stale: run uv run python scripts/pytorch_compatibility.py"
    )
    assert script.main(["--check"]) == 0


def test_the_page_reports_what_exists():
    text = (ROOT / "docs" / "pytorch_compatibility.md").read_text(encoding="utf-8")
    assert "| `gelu` | yes |" in text and "| `backward` | yes |" in text  # F.gelu, Tensor.backward
    assert "| `Transformer` | yes |" in text and "| `cuda` | yes |" in text  # cuda() raises DeviceError
    assert "| `is_sparse` | — |" in text  # no sparse tensors


def test_the_name_list_comes_from_torch_when_installed(torch):
    sections, _ = _script().extract_torch_names()
    committed, version = _script().read_names()
    assert version == torch.__version__
    assert sections == committed, (
        "scripts/torch_names.txt differs from the installed torch: run with --refresh"
    )
