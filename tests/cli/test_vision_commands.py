"""``mathdl detect`` and ``mathdl track`` on a tiny detector run made through ``mathdl train``: JSON
detections in the image's pixels, the labelled PNG (never overwriting a file), the tracking GIF, and the
errors (an image side that is not a multiple of the stride, missing files, a run that is no detector)."""

import json

import numpy as np
import pytest

from mathdl.cli import main


@pytest.fixture(scope="module")
def detector_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "det"
    argv = ["train", "--model", "detector", "--out", str(out), "--verbose", "0", "--no-plots"]
    argv += ["--dataset", "fashion-mnist-subset", "--epochs", "1", "--scenes-per-epoch", "8"]
    argv += ["--batch-size", "4", "--eval-scenes", "4", "--model-arg", "width=4"]
    assert main(argv) == 0
    return out


def grey_png(path, height, width, seed=0):
    image_module = pytest.importorskip("PIL.Image", reason="Pillow (with matplotlib) writes the test PNG")
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width)).astype(np.uint8)
    image_module.fromarray(pixels).save(path)
    return str(path)


def test_detect_json_and_picture(detector_run, tmp_path, capsys):
    image = grey_png(tmp_path / "scene.png", 48, 80)
    assert main(["detect", str(detector_run), image, "--json", "--score-threshold", "0"]) == 0
    result = json.loads(capsys.readouterr().out)
    boxes = np.array(result["boxes"]).reshape(-1, 4)
    assert len(boxes) == len(result["scores"]) == len(result["labels"]) > 0
    assert (boxes[:, [0, 2]] <= 80).all() and (boxes[:, [1, 3]] <= 48).all() and (boxes >= 0).all()
    assert all(isinstance(label, int) and 0 <= label < 10 for label in result["labels"])
    assert not (tmp_path / "scene_detections.png").exists()  # --json alone writes no picture
    for expected in ("scene_detections.png", "scene_detections-2.png"):
        assert main(["detect", str(detector_run), image]) == 0
        assert f"wrote {tmp_path / expected}" in capsys.readouterr().out
        assert (tmp_path / expected).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_detect_errors(detector_run, tmp_path, capsys):
    bad = grey_png(tmp_path / "bad.png", 60, 64)
    assert main(["detect", str(detector_run), bad]) == 2
    assert "multiples of the stride 8, got 60 x 64" in capsys.readouterr().err
    assert main(["detect", str(detector_run), str(tmp_path / "missing.png")]) == 2
    assert "missing.png: no such file" in capsys.readouterr().err
    assert main(["detect", str(tmp_path / "no-run"), bad]) == 2
    assert "no such run folder or checkpoint file" in capsys.readouterr().err
    (tmp_path / "text.png").write_text("not a picture")
    assert main(["detect", str(detector_run), str(tmp_path / "text.png")]) == 2
    assert "not a readable image" in capsys.readouterr().err
    assert main(["detect", str(detector_run), bad, "--score-threshold", "1.5"]) == 2
    assert "--score-threshold must be in [0, 1]" in capsys.readouterr().err
    mlp = tmp_path / "mlp"
    assert (
        main(
            [
                "train",
                "--model",
                "mlp",
                "--out",
                str(mlp),
                "--verbose",
                "0",
                "--no-plots",
                "--limit",
                "100",
                "--epochs",
                "1",
            ]
        )
        == 0
    )
    assert main(["detect", str(mlp), bad]) == 2
    assert "is a run of --model mlp, not a detector" in capsys.readouterr().err


def test_track_writes_a_gif(detector_run, tmp_path, capsys):
    output = tmp_path / "tracks.gif"
    argv = ["track", str(detector_run), "--scenes", "2", "--frames", "3", "--output", str(output)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "2 held-out moving scenes x 3 frames, deepsort: MOTA" in printed and f"wrote {output}" in printed
    data = output.read_bytes()
    assert data[:6] == b"GIF89a" and data[-1:] == b";"
    assert tuple(np.frombuffer(data[6:10], dtype="<u2")) == (2 * 288 + 4, 288)  # two 96 x 96 scenes, x 3
    assert main(argv + ["--tracker", "sort"]) == 0
    assert (tmp_path / "tracks-2.gif").exists()
