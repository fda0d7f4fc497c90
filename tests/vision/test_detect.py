"""Detector inference (scores, NMS, clipping, pixel coordinates on any canvas), box features, the PNG
writer and reader, and tracking with a detector (``track``) including the GIF it feeds."""

import json

import numpy as np
import pytest

import mathdl as md
from mathdl.models.detector import YoloDetector, decode_output
from mathdl.vision.detect import (
    box_features,
    detect,
    detect_batch,
    detections_to_json,
    read_grey_image,
    write_detections_png,
)
from mathdl.vision.tracking import DeepSort, Sort, track


class ScriptedDetector:
    """A stand-in with the detector's interface whose head output is fixed by the test."""

    stride = 8
    training = False

    def __init__(self, cells):
        self.cells = cells  # {(row, col): (objectness, (tx, ty, tw, th), class logits)}

    def eval(self):
        self.training = False

    def train(self, mode=True):
        self.training = mode

    def features(self, x):
        batch, _, height, width = x.shape
        grid = np.arange(height // 8 * width // 8, dtype=np.float32).reshape(1, 1, height // 8, width // 8)
        return md.tensor(
            np.broadcast_to(
                np.concatenate([grid, np.ones_like(grid)], 1), (batch, 2, height // 8, width // 8)
            ).copy()
        )

    def head(self, features):
        batch, _, height, width = features.shape
        output = np.zeros((batch, 8, height, width), dtype=np.float32)
        output[:, 0] = -20.0
        for (row, col), (objectness, box, logits) in self.cells.items():
            output[:, 0, row, col] = objectness
            output[:, 1:5, row, col] = box
            output[:, 5:, row, col] = logits
        return md.tensor(output)

    def decode(self, output):
        return decode_output(output, self.stride)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax_max(logits):
    e = np.exp(np.asarray(logits) - np.max(logits))
    return e.max() / e.sum()


def test_scores_nms_clipping_in_image_pixels_on_a_foreign_canvas():
    # a 40 x 72 canvas (not a training size): 5 x 9 cells of stride 8
    cells = {
        (1, 1): (3.0, (0.0, 0.0, 0.5, 0.0), (4.0, 0.0, 0.0)),  # centre (12, 12), 13.19 x 8, class 0
        (1, 2): (2.0, (-0.9, 0.0, 0.5, 0.0), (4.0, 0.0, 0.0)),  # nearly the same box, class 0: suppressed
        (2, 2): (1.0, (-0.9, -1.0, 0.5, 0.0), (0.0, 3.0, 0.0)),  # the same place, class 1: kept
        (4, 8): (2.0, (0.5, 0.5, 1.0, 1.0), (0.0, 0.0, 2.0)),  # runs off the bottom-right corner: clipped
    }
    model = ScriptedDetector(cells)
    image = np.zeros((40, 72), dtype=np.float32)
    result = detect(model, image, score_threshold=0.3)
    width = 8 * np.exp(0.5)
    first = [12 - width / 2, 8, 12 + width / 2, 16]
    expected_boxes = [first, [72 - 8, 40 - 8, 72, 40], [12.8 - width / 2, 8, 12.8 + width / 2, 16]]
    expected_scores = [
        _sigmoid(3.0) * _softmax_max([4, 0, 0]),
        _sigmoid(2.0) * _softmax_max([0, 0, 2]),
        _sigmoid(1.0) * _softmax_max([0, 3, 0]),
    ]
    corner = np.array([68 + 4, 36 + 4]) - 4 * np.e  # centre (72, 40) minus half of 8e: clipped at the edge
    expected_boxes[1][:2] = corner
    np.testing.assert_allclose(result["boxes"], expected_boxes, atol=1e-4)
    np.testing.assert_allclose(result["scores"], expected_scores, rtol=1e-5)
    assert result["labels"].tolist() == [0, 2, 1] and result["labels"].dtype == np.int64
    # a higher threshold drops the weakest; no NMS overlap (IoU threshold 1) keeps the duplicate
    assert len(detect(model, image, score_threshold=0.68)["boxes"]) == 2
    assert len(detect(model, image, score_threshold=0.3, iou_threshold=1.0)["boxes"]) == 4
    data = detections_to_json(result, class_names=["a", "b", "c"])
    assert json.loads(json.dumps(data))["names"] == ["a", "c", "b"]


def test_detect_input_errors():
    model = ScriptedDetector({})
    with pytest.raises(ValueError, match="one image"):
        detect(model, np.zeros((2, 1, 16, 16)))
    with pytest.raises(ValueError, match="grey image"):
        detect(model, np.zeros((16, 16, 3, 2)))
    with pytest.raises(ValueError, match="score_threshold"):
        detect(model, np.zeros((16, 16)), score_threshold=2)
    with pytest.raises(ValueError, match="max_detections"):
        detect_batch(model, np.zeros((1, 1, 16, 16)), max_detections=0)
    with pytest.raises(ValueError, match="multiples of the stride 8"):
        detect(YoloDetector(width=8), np.zeros((20, 16)))


def test_box_features_pool_the_map_inside_each_box():
    # a 2-channel map over a 16 x 24 image (2 x 3 cells of 8 px): channel 0 = 3 row + col (linear, so
    # bilinear sampling is exact), channel 1 = 1. Image point x reads map column u = x / 8 − 1/2,
    # clamped to the border cells.
    feature_map = np.stack([np.arange(6.0).reshape(2, 3), np.ones((2, 3))])
    boxes = np.array([[16, 8, 24, 16], [0, 0, 24, 16], [3, 2, 11, 13]])
    features = box_features(feature_map, boxes, (16, 24))
    for box, feature in zip(boxes, features):
        fractions = (np.arange(3) + 0.5) / 3
        u = np.clip((box[0] + fractions * (box[2] - box[0])) / 8 - 0.5, 0, 2)
        v = np.clip((box[1] + fractions * (box[3] - box[1])) / 8 - 0.5, 0, 1)
        expected = np.array([3 * v.mean() + u.mean(), 1.0])
        np.testing.assert_allclose(feature, expected / np.linalg.norm(expected), rtol=1e-5)
    assert box_features(feature_map, np.zeros((0, 4)), (16, 24)).shape == (0, 2)


def test_png_writer_and_reader_round_trip(tmp_path):
    pytest.importorskip("matplotlib", reason="the labelled PNG is drawn with matplotlib")
    image = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (48, 1))
    result = {"boxes": np.array([[4.0, 5.0, 30.0, 40.0]]), "scores": np.array([0.9]), "labels": np.array([3])}
    path = write_detections_png(image, result, str(tmp_path / "out" / "det.png"), class_names=list("abcd"))
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    picture = read_grey_image(path)
    assert picture.shape == (1, 6 * 48, 6 * 64) and picture.dtype == np.float32
    assert not list(tmp_path.glob("out/*.tmp*"))
    # a grey PNG of our own reads back exactly (8-bit)
    from PIL import Image

    grey = (np.arange(12 * 16).reshape(12, 16) % 256).astype(np.uint8)
    Image.fromarray(grey).save(tmp_path / "grey.png")
    np.testing.assert_allclose(read_grey_image(str(tmp_path / "grey.png"))[0], grey / 255.0, atol=1e-7)


def test_reader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*missing.png"):
        read_grey_image(str(tmp_path / "missing.png"))
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(ValueError, match="not a readable image"):
        read_grey_image(str(tmp_path / "text.png"))


def test_track_follows_scripted_detections_with_both_trackers():
    model = ScriptedDetector({(1, 1): (4.0, (0.0, 0.0, 0.5, 0.5), (5.0, 0.0, 0.0))})
    frames = np.zeros((6, 1, 32, 32), dtype=np.float32)
    for tracker in ("sort", "deepsort", Sort(max_age=1, min_hits=1), DeepSort(n_init=1)):
        tracks = track(model, frames, tracker=tracker)
        assert len(tracks) == 6
        ids = [t["track_ids"].tolist() for t in tracks]
        assert ids[0] == [0] and all(i == [0] for i in ids if i), ids
    histogram = track(model, frames, tracker="deepsort", embedding="histogram")
    assert len(histogram) == 6
    with pytest.raises(ValueError, match="embedding"):
        track(model, frames, embedding="pixels")
    with pytest.raises(ValueError, match="tracker must be"):
        track(model, frames, tracker="kalman")
