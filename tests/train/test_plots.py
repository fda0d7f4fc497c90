import sys

import numpy as np
import pytest

from mathdl.train import History, plot_confusion_matrix, plot_history, plot_predictions

PNG = b"\x89PNG\r\n\x1a\n"


def _history():
    history = History()
    for epoch, (loss, acc) in enumerate([(1.0, 0.5), (0.6, 0.7), (0.4, 0.8)]):
        history.append(
            epoch, {"loss": loss, "accuracy": acc, "val_loss": loss + 0.1, "val_accuracy": acc - 0.05}
        )
    return history


def test_figures_are_written_as_png(tmp_path, rng):
    pytest.importorskip("matplotlib")
    assert plot_history(_history(), tmp_path / "curves.png") == str(tmp_path / "curves.png")
    plot_confusion_matrix(np.array([[5, 1], [2, 7]]), tmp_path / "cm.png", class_names=["a", "b"])
    images = rng.integers(0, 255, (10, 1, 28, 28)).astype(np.uint8)
    plot_predictions(
        images,
        np.arange(10) % 3,
        np.arange(10) % 2,
        tmp_path / "grid.png",
        columns=5,
        class_names=["x", "y", "z"],
        probabilities=np.full(10, 0.9),
    )
    for name in ("curves.png", "cm.png", "grid.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_without_matplotlib_a_message_is_printed_and_nothing_crashes(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes "import matplotlib" fail
    assert plot_history(_history(), tmp_path / "curves.png") is None
    assert "matplotlib is not installed" in capsys.readouterr().err
    assert not (tmp_path / "curves.png").exists()


def test_plot_arguments_are_checked():
    with pytest.raises(ValueError, match="empty"):
        plot_history(History(), "unused.png")
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)), "unused.png")
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        plot_predictions(np.zeros((3, 28, 28)), [0, 1], [0, 1, 2], "unused.png")


def test_curves_of_any_run_have_integer_epoch_ticks_and_the_grid_a_legend(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from mathdl.train import plots

    figures = []
    original = plots._save
    monkeypatch.setattr(
        plots, "_save", lambda figure, path, plt: figures.append(figure) or original(figure, path, plt)
    )
    gan = History()
    for epoch in range(7):
        gan.append(epoch, {"d_loss": 1.0 - 0.1 * epoch, "g_loss": 2.0, "wasserstein": 0.5 / (epoch + 1)})
    plot_history(gan, tmp_path / "gan.png")
    loss_axis, other_axis = figures[-1].axes
    assert [line.get_label() for line in loss_axis.lines] == ["d_loss", "g_loss"]
    assert [line.get_label() for line in other_axis.lines] == ["wasserstein"]
    ticks = [t for t in loss_axis.get_xticks() if 1 <= t <= 7]
    assert ticks and all(float(t).is_integer() for t in ticks)
    plot_predictions(np.zeros((4, 28, 28)), [0, 1, 2, 3], [0, 1, 0, 0], tmp_path / "grid.png")
    texts = [t.get_text() for legend in figures[-1].legends for t in legend.get_texts()]
    assert any("predicted (true)" in t and "right (2)" in t for t in texts)
    assert any("wrong (2)" in t for t in texts)
    plt.close("all")
