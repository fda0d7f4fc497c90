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
    cases = gradcheck_report._cases()
    for case in cases:
        assert case.name in text
    assert f"{len(cases)} passed, 0 failed" in text


def test_a_wrong_gradient_fails(monkeypatch):
    case = gradcheck_report.row(
        WrongSquare,
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
    assert gradcheck_report.main(["--op", "Conv2dGradInput"]) == 0  # a Function class name selects too
    assert "conv2d grad input" in capsys.readouterr().out


def test_tolerance_is_per_element_not_scaled_by_the_largest_gradient(monkeypatch):
    # y = (1e6 x₀, x₁): an error of 1e-3 on the small component must fail, although it is tiny
    # next to the largest gradient (1e6)
    class SlightlyWrong(Function):
        def forward(self, x):
            return x * np.array([1e6, 1.0])

        def backward(self, gy):
            return gy * np.array([1e6, 1.001])

    case = gradcheck_report.row(
        SlightlyWrong,
        "slightly wrong",
        "y = (1e6 x0, x1)",
        [lambda rng: rng.standard_normal((2,))],
        lambda x: SlightlyWrong()(x),
    )
    monkeypatch.setattr(gradcheck_report, "CASES", [case])
    assert not gradcheck_report.run(stream=io.StringIO())
    assert gradcheck_report.ATOL == 1e-6 and gradcheck_report.RTOL == 1e-4
