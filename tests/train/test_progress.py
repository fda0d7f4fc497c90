import io

import pytest

from mathdl.train.progress import ProgressLine, format_duration


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _run(progress, steps=50):
    progress.begin("Epoch 1/1", steps)
    for step in range(1, steps + 1):
        progress.update(step, step * 10, lambda: {"loss": 0.5})
    progress.end(steps, steps * 10, {"loss": 0.5, "val_loss": 0.25})


def test_without_a_terminal_one_line_per_epoch_and_no_carriage_returns():
    stream = io.StringIO()
    _run(ProgressLine(1, stream=stream))
    text = stream.getvalue()
    assert "\r" not in text and text.count("\n") == 1
    assert text.startswith("Epoch 1/1 - 50/50") and "loss: 0.5000 - val_loss: 0.2500" in text
    assert "samples/s" in text


def test_on_a_terminal_the_plain_bar_redraws_in_place():
    stream = Terminal()
    _run(ProgressLine(1, stream=stream, style="plain"))
    text = stream.getvalue()
    assert "\r" in text and "[" in text and "ETA" in text
    assert text.rstrip().endswith("val_loss: 0.2500\x1b[K")


def test_verbose_zero_is_silent_and_two_is_one_line_even_on_a_terminal():
    quiet = Terminal()
    _run(ProgressLine(0, stream=quiet))
    assert quiet.getvalue() == ""
    lines = Terminal()
    _run(ProgressLine(2, stream=lines))
    assert "\r" not in lines.getvalue() and lines.getvalue().count("\n") == 1


def test_bad_verbose_or_style_is_rejected():
    with pytest.raises(ValueError, match="verbose"):
        ProgressLine(3)
    with pytest.raises(ValueError, match="style"):
        ProgressLine(1, style="fancy")


def test_format_duration():
    assert format_duration(3.25) == "3.2s"
    assert format_duration(125) == "2m05s"
    assert format_duration(3725) == "1h02m"


def test_rich_draws_the_live_bar_when_installed():
    pytest.importorskip("rich")
    stream = Terminal()
    progress = ProgressLine(1, stream=stream)
    assert progress.use_rich
    _run(progress, steps=5)
    text = stream.getvalue()
    assert "\x1b[" in text and "loss: 0.5000" in text  # the live bar was drawn
    last = text.splitlines()[-1].split("\x1b[2K")[-1]  # after the bar is erased:
    assert last.startswith("Epoch 1/1 - 5/5 - ")  # one plain, full line
    assert text.rstrip("\n").endswith("loss: 0.5000 - val_loss: 0.2500")
