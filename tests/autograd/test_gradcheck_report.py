"""The `mathdl gradcheck` table: every op passes, and a wrong gradient is caught."""

import io

import numpy as np

from mathdl.autograd import gradcheck_report
from mathdl.autograd.function import Function


class WrongSquare(Function):
    """y = x², with a deliberately wrong backward (3x instead of 2x)."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * self.inputs[0] * 3.0


def test_every_op_passes_and_is_listed():
    stream = io.StringIO()
    assert gradcheck_report.run(stream=stream)
    text = stream.getvalue()
    for case in gradcheck_report.CASES:
        assert case[0] in text
    assert f"{len(gradcheck_report.CASES)} passed, 0 failed" in text


def test_a_wrong_gradient_fails(monkeypatch):
    case = (
        "wrong",
        "y = x^2",
        [lambda rng: rng.standard_normal((3,))],
        lambda x: WrongSquare()(x),
        lambda x: x * x,
    )
    monkeypatch.setattr(gradcheck_report, "CASES", [case])
    stream = io.StringIO()
    assert not gradcheck_report.run(stream=stream)
    assert "FAIL" in stream.getvalue()
    assert "0 passed, 1 failed" in stream.getvalue()


def test_main_exit_codes_and_op_filter(capsys):
    assert gradcheck_report.main(["--op", "matmul"]) == 0
    out = capsys.readouterr().out
    assert "matmul" in out and "softmax" not in out
    try:
        gradcheck_report.main(["--op", "no-such-op"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "unknown op 'no-such-op'" in capsys.readouterr().err
    assert np.isclose(gradcheck_report.TOLERANCE, 1e-6)
