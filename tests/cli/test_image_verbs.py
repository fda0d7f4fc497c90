"""``mathdl train --model espcn|srcnn --scale S``, ``mathdl upscale`` and ``mathdl stylize`` end to
end on tiny inputs, and their errors (missing files, bad scale, existing outputs, wrong runs)."""

import json

import numpy as np
import pytest

from mathdl.cli import main
from mathdl.vision.png import read_png, write_png


@pytest.fixture(scope="module")
def sr_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "espcn-x3"
    argv = ["train", "--model", "espcn", "--scale", "3", "--dataset", "blocks", "--patches", "64"]
    argv += ["--epochs", "1", "--batch-size", "16", "--out", str(out), "--verbose", "0", "--no-plots"]
    assert main(argv) == 0
    return out


def test_train_records_the_scale_and_scores_against_bicubic(sr_run):
    config = json.loads((sr_run / "config.json").read_text())
    assert config["run"]["scale"] == 3 and config["model"]["kwargs"]["scale"] == 3
    assert config["model"]["kwargs"]["residual"] is True
    metrics = json.loads((sr_run / "metrics.json").read_text())
    assert {"test_psnr", "test_ssim", "bicubic_psnr", "bicubic_ssim"} <= set(metrics)


def test_upscale_end_to_end(sr_run, tmp_path, rng, capsys):
    write_png(tmp_path / "in.png", rng.random((7, 9, 3)))
    assert main(["upscale", str(sr_run), str(tmp_path / "in.png"), str(tmp_path / "out.png")]) == 0
    assert read_png(tmp_path / "out.png").shape == (21, 27, 3)
    assert "(9×7) →" in capsys.readouterr().out
    write_png(tmp_path / "grey.png", rng.random((5, 6)))
    assert (
        main(["upscale", str(sr_run / "checkpoint.npz"), str(tmp_path / "grey.png"), str(tmp_path / "g.png")])
        == 0
    )
    assert read_png(tmp_path / "g.png").shape == (15, 18)


def test_upscale_errors(sr_run, tmp_path, capsys):
    write_png(tmp_path / "in.png", np.zeros((4, 4)))
    cases = [
        ([str(sr_run), str(tmp_path / "missing.png"), str(tmp_path / "o.png")], "no such image"),
        ([str(tmp_path / "norun"), str(tmp_path / "in.png"), str(tmp_path / "o.png")], "no such run"),
        ([str(sr_run), str(tmp_path / "in.png"), str(tmp_path / "in.png")], "exists"),
    ]
    for argv, message in cases:
        assert main(["upscale", *argv]) == 2
        assert message in capsys.readouterr().err
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert main(["upscale", str(sr_run), str(tmp_path / "bad.png"), str(tmp_path / "o.png")]) == 2
    assert "not a PNG" in capsys.readouterr().err
    assert read_png(tmp_path / "in.png").shape == (4, 4)  # the existing file was kept


def test_upscale_refuses_a_run_of_another_model(tmp_path, capsys):
    out = tmp_path / "pp"
    argv = ["train", "--model", "photo-patch-cnn", "--dataset", "blocks", "--patches", "4", "--epochs", "1"]
    argv += ["--model-arg", "widths=[4,4,4]", "--out", str(out), "--verbose", "0", "--no-plots"]
    assert main(argv) == 0
    write_png(tmp_path / "in.png", np.zeros((4, 4)))
    assert main(["upscale", str(out), str(tmp_path / "in.png"), str(tmp_path / "o.png")]) == 2
    assert "not a super-resolution run" in capsys.readouterr().err


@pytest.mark.parametrize("scale", ["1", "9", "two"])
def test_bad_scale_is_refused(tmp_path, scale, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "espcn", "--scale", scale, "--out", str(tmp_path / "run")])
    assert exit_info.value.code == 2
    assert "scale from 2 to 8" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_scale_does_not_apply_to_a_classifier(tmp_path, capsys):
    assert main(["train", "--model", "mlp", "--scale", "2", "--out", str(tmp_path / "run")]) == 2
    assert "--scale does not apply to --model mlp" in capsys.readouterr().err


def test_stylize_end_to_end_and_errors(tmp_path, rng, capsys):
    write_png(tmp_path / "c.png", rng.random((20, 24, 3)))
    write_png(tmp_path / "s.png", rng.random((16, 16)))
    argv = ["stylize", str(tmp_path / "c.png"), str(tmp_path / "s.png"), "--out", str(tmp_path / "o.png")]
    assert main([*argv, "--size", "16", "--steps", "3"]) == 0
    assert read_png(tmp_path / "o.png").shape == (13, 16, 3)
    assert "wrote" in capsys.readouterr().out
    assert main([*argv, "--size", "16", "--steps", "3"]) == 2
    assert "exists" in capsys.readouterr().err
    missing = [
        "stylize",
        str(tmp_path / "none.png"),
        str(tmp_path / "s.png"),
        "--out",
        str(tmp_path / "p.png"),
    ]
    assert main(missing) == 2
    assert "neither an image file nor a built-in photograph" in capsys.readouterr().err
    assert main([*argv[:-1], str(tmp_path / "q.png"), "--size", "4"]) == 2
    assert "--size must be at least 8" in capsys.readouterr().err
    assert main([*argv[:-1], str(tmp_path / "q.png"), "--features", str(tmp_path / "none")]) == 2
    assert "no such run" in capsys.readouterr().err


def test_stylize_built_in_photographs(tmp_path):
    pytest.importorskip(
        "skimage", reason="the built-in photographs ship with scikit-image (pip install mathdl[images])"
    )
    assert (
        main(
            [
                "stylize",
                "astronaut",
                "brick",
                "--out",
                str(tmp_path / "o.png"),
                "--size",
                "24",
                "--steps",
                "2",
            ]
        )
        == 0
    )
    assert read_png(tmp_path / "o.png").shape == (24, 24, 3)
