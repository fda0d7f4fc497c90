"""Fashion scenes: determinism, boxes tight around visible pixels, labels matching items, moving
sequences with consistent track ids, entering and leaving items, batching, and argument errors."""

import numpy as np
import pytest

from mathdl.data import DataLoader, DatasetNotFoundError
from mathdl.data.datasets.scenes import (
    MASK_THRESHOLD,
    FashionScenes,
    MovingFashionScenes,
    collate_scenes,
    compose,
    visible_boxes,
)


def flat_items(count=10):
    """Items whose pixels all equal a value that encodes the label: (k + 2) / 12 for label k."""
    images = np.zeros((count, 28, 28), dtype=np.float32)
    for k in range(count):
        images[k, 4:24, 6:22] = (k + 2) / 12
    return images, np.arange(count)


def test_compose_and_visible_boxes_by_hand():
    background = np.zeros((10, 10), dtype=np.float32)
    first, second = np.ones((4, 4), dtype=np.float32), np.full((4, 4), 0.5, dtype=np.float32)
    image, owner, totals = compose(background, [first, second], [(1, 1), (3, 3)])
    boxes, pixels = visible_boxes(owner, 2)
    # the second covers the first's lower-right 2×2 corner; the first still spans rows/cols 1..4
    np.testing.assert_array_equal(boxes, [[1, 1, 5, 5], [3, 3, 7, 7]])
    assert pixels.tolist() == [12, 16] and totals.tolist() == [16, 16]
    assert image[4, 4] == 0.5 and image[1, 1] == 1.0
    _, owner, _ = compose(background, [first, first], [(0, 0), (0, 0)])  # fully covered
    boxes, pixels = visible_boxes(owner, 2)
    assert pixels.tolist() == [0, 16] and boxes[0].tolist() == [0, 0, 0, 0]
    _, owner, _ = compose(background, [first], [(-2, 8)])  # clipped by the canvas
    assert visible_boxes(owner, 1)[0].tolist() == [[8, 0, 10, 2]]


def test_same_seed_same_scene_in_any_order():
    a, b = FashionScenes(num_scenes=20, seed=3), FashionScenes(num_scenes=20, seed=3)
    for index in (7, 2, 7):
        (image_a, target_a), (image_b, target_b) = a[index], b[index]
        np.testing.assert_array_equal(image_a, image_b)
        np.testing.assert_array_equal(target_a["boxes"], target_b["boxes"])
    assert not np.array_equal(a[0][0], FashionScenes(num_scenes=20, seed=4)[0][0])
    assert not np.array_equal(a[0][0], FashionScenes(train=False, num_scenes=20, seed=3)[0][0])
    np.testing.assert_array_equal(a[-1][0], a[19][0])


def test_boxes_are_tight_around_the_visible_pixels_and_cover_them():
    scenes = FashionScenes(num_scenes=30, seed=1, noise=0.0, min_visibility=0.0)
    counts = []
    for image, target in (scenes[i] for i in range(30)):
        bright = image[0] > MASK_THRESHOLD
        covered = np.zeros_like(bright)
        counts.append(len(target["boxes"]))
        assert image.shape == (1, 64, 64) and image.dtype == np.float32
        for x1, y1, x2, y2 in target["boxes"].astype(int):
            inside = bright[y1:y2, x1:x2]
            # every edge of a tight box has a bright pixel on it
            assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
            covered[y1:y2, x1:x2] = True
        assert not (bright & ~covered).any()
    assert min(counts) >= 1 and max(counts) == 5


def test_labels_belong_to_the_items_in_their_boxes():
    scenes = FashionScenes(num_scenes=40, seed=2, items=flat_items(), noise=0.05)
    for image, target in (scenes[i] for i in range(40)):
        for (x1, y1, x2, y2), label in zip(target["boxes"].astype(int), target["labels"]):
            values, counts = np.unique(np.round(image[0, y1:y2, x1:x2] * 12, 3), return_counts=True)
            bright = values > MASK_THRESHOLD * 12
            # the commonest item value inside the box is this item's (resizing blurs only the rim)
            assert values[bright][np.argmax(counts[bright])] == pytest.approx(label + 2, abs=1e-3)
        assert (target["visibility"] >= 0.25).all()


def test_training_and_test_scenes_use_their_own_images(monkeypatch):
    images, labels = flat_items(10)
    split = ((images[:5], labels[:5]), (images[5:], labels[5:]))
    monkeypatch.setattr("mathdl.data.datasets.scenes.load_fashion_mnist_subset", lambda: split)
    for train, allowed in ((True, set(range(5))), (False, set(range(5, 10)))):
        scenes = FashionScenes(train=train, num_scenes=20)
        seen = np.concatenate([scenes[i][1]["labels"] for i in range(20)])
        assert set(seen.tolist()) <= allowed
    sequences = MovingFashionScenes(train=False, num_sequences=2, num_frames=3)
    assert set(np.concatenate([t["labels"] for t in sequences[0][1]]).tolist()) <= set(range(5, 10))


def test_the_shipped_subset_is_the_default_source_and_the_full_set_is_an_option():
    assert len(FashionScenes(num_scenes=1).images) == 6000
    assert len(FashionScenes(train=False, num_scenes=1).images) == 1000
    try:  # the Debian package dataset-fashion-mnist (CI installs it) or the download cache
        full = FashionScenes(train=False, num_scenes=2, source="full", download=False)
    except DatasetNotFoundError as error:
        pytest.skip(f"the full Fashion-MNIST is not on this machine: {error}")
    assert len(full.images) == 10000 and full[1][0].shape == (1, 64, 64)


def test_moving_sequences_keep_ids_labels_and_move_smoothly():
    sequences = MovingFashionScenes(num_sequences=12, num_frames=30, seed=0)
    entered, left = 0, 0
    for frames, targets in (sequences[i] for i in range(12)):
        assert frames.shape == (30, 1, 96, 96) and len(targets) == 30
        label_of, centre_of, first_seen, last_seen = {}, {}, {}, {}
        for t, target in enumerate(targets):
            assert np.all(np.diff(target["track_ids"]) > 0)  # sorted, unique
            for box, label, track in zip(target["boxes"], target["labels"], target["track_ids"]):
                assert label_of.setdefault(int(track), int(label)) == label
                first_seen.setdefault(int(track), t)
                last_seen[int(track)] = t
                centre = (box[:2] + box[2:]) / 2
                if int(track) in centre_of and centre_of[int(track)][0] == t - 1:
                    assert np.abs(centre - centre_of[int(track)][1]).max() < 20  # no teleporting
                centre_of[int(track)] = (t, centre)
        entered += sum(1 for t in first_seen.values() if t > 0)
        left += sum(1 for t in last_seen.values() if t < 29)
    assert entered > 0 and left > 0


def test_collate_for_a_detector():
    loader = DataLoader(FashionScenes(num_scenes=6), batch_size=4, collate_fn=collate_scenes)
    images, targets = next(iter(loader))
    assert images.shape == (4, 1, 64, 64) and len(targets) == 4 and "boxes" in targets[0]
    with pytest.raises(ValueError, match="non-empty"):
        collate_scenes([])


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="size"):
        FashionScenes(size=16)
    with pytest.raises(ValueError, match="item_size"):
        FashionScenes(size=32, item_size=(10, 40))
    with pytest.raises(ValueError, match="source"):
        FashionScenes(source="imagenet")
    with pytest.raises(ValueError, match="num_items"):
        FashionScenes(num_items=(3, 2))
    with pytest.raises(ValueError, match="num_frames"):
        MovingFashionScenes(num_frames=0)
    with pytest.raises(IndexError, match="out of range"):
        FashionScenes(num_scenes=3)[3]
    with pytest.raises(TypeError, match="integer"):
        FashionScenes(num_scenes=3)[1.5]
