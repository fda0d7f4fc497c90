"""Fashion scenes: detection and tracking data composed from Fashion-MNIST items, deterministic from a seed.

``FashionScenes``: each scene is a square grey canvas of uniform noise holding 1-5 Fashion-MNIST
items, each resized (bilinearly) to a random side in ``item_size`` and pasted at a random position;
an item covers the canvas where its own pixels are brighter than ``MASK_THRESHOLD``, and later items
cover earlier ones. Each item's box is tight around its *visible* pixels (after occlusion and the
canvas edge), as COCO's boxes are, not the pasted square: ``xyxy`` in pixel-edge coordinates, so
pixel (row r, column c) spans [c, c + 1) × [r, r + 1). A scene is ``(image, target)``: image float32
(1, H, W) in [0, 1]; target ``{"boxes": float32 (k, 4), "labels": int64 (k,)}`` (plus
``"visibility"``, the visible fraction of each item's pixels).

``MovingFashionScenes``: sequences of frames in which items move at nearly constant velocity
(v_{t+1} = v_t + N(0, σ²) per axis), some present from the start, others entering across an edge
later; they leave by moving off the canvas and occlude one another by a fixed depth order. Each
frame's target adds ``"track_ids"``; an item is annotated while at least ``min_visibility`` of its
pixels are visible.

Canvas sizes: 64 × 64 for still scenes by default (a detector's cost grows with the pixels, and
items of 14-30 px leave room for five of them), 96 × 96 for moving scenes (room for several items
to travel 20-40 frames, cross and leave). Both are multiples of 32, so a stride-8/16/32 detector
sees whole cells. Any size ≥ 32 works.

Scene i is drawn from ``np.random.default_rng([seed, split, i])``: the same (seed, i) gives the same
scene on every machine, in any order, and training scenes use training images only (test: test).
Items come from the shipped Fashion-MNIST subset by default (``source="subset"``, offline) or the
full set (``source="full"``, from ``load_fashion_mnist``), or from your own ``items=(images, labels)``.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.data.dataset import Dataset, as_array
from mathdl.data.datasets.fashion_subset import load_fashion_mnist_subset
from mathdl.data.datasets.mnist import FASHION_MNIST_CLASSES, load_fashion_mnist

MASK_THRESHOLD = 0.1  # an item pixel brighter than this covers the canvas (Fashion backgrounds are 0)
SOURCES = ("subset", "full")


def _items(source, train, items, root, download):
    if items is not None:
        images, labels = (as_array(part, "FashionScenes items") for part in items)
        if images.ndim != 3 or labels.shape != (images.shape[0],) or images.shape[0] == 0:
            raise ValueError(
                f"FashionScenes: items must be (images (N, h, w), labels (N,)) with N > 0, "
                f"got {images.shape} and {labels.shape}"
            )
    else:
        if source not in SOURCES:
            raise ValueError(f"FashionScenes: source must be one of {SOURCES}, got {source!r}")
        loaded = load_fashion_mnist_subset() if source == "subset" else load_fashion_mnist(root, download)
        images, labels = loaded[0] if train else loaded[1]
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return images.astype(np.float32) / np.float32(scale), labels.astype(np.int64)


def _resize_matrix(size_out, size_in):
    """(size_out, size_in) bilinear interpolation weights, pixel centres aligned (align_corners=False)."""
    position = np.clip((np.arange(size_out) + 0.5) * size_in / size_out - 0.5, 0, size_in - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, size_in - 1)
    weights = np.zeros((size_out, size_in))
    np.add.at(weights, (np.arange(size_out), low), 1 - (position - low))
    np.add.at(weights, (np.arange(size_out), high), position - low)
    return weights


def resize_item(item, side):
    """A (h, w) item resized bilinearly to (side, side): W_r · item · W_cᵀ."""
    rows, cols = _resize_matrix(side, item.shape[0]), _resize_matrix(side, item.shape[1])
    return (rows @ item @ cols.T).astype(np.float32)


def compose(background, items, corners):
    """Paste ``items`` (list of (s, s) arrays) with top-left ``corners`` (k, 2) as (row, col) ints onto
    a copy of ``background`` (H, W), later items on top. Returns (image, owner) with ``owner`` (H, W)
    the index of the item seen at each pixel (−1: background), and the item pixel counts (k,)."""
    image = background.copy()
    owner = np.full(background.shape, -1)
    height, width = background.shape
    totals = np.zeros(len(items), dtype=np.int64)
    for k, (item, (row, col)) in enumerate(zip(items, corners)):
        mask = item > MASK_THRESHOLD
        totals[k] = np.count_nonzero(mask)
        top, left = max(row, 0), max(col, 0)
        bottom, right = min(row + item.shape[0], height), min(col + item.shape[1], width)
        if bottom <= top or right <= left:
            continue
        window = (slice(top, bottom), slice(left, right))
        inside = mask[top - row : bottom - row, left - col : right - col]
        image[window] = np.where(
            inside, item[top - row : bottom - row, left - col : right - col], image[window]
        )
        owner[window] = np.where(inside, k, owner[window])
    return image, owner, totals


def visible_boxes(owner, count):
    """Tight ``xyxy`` boxes (count, 4) around each item's visible pixels and their pixel counts (count,);
    boxes of invisible items are zeros."""
    visible = owner[None] == np.arange(count)[:, None, None]
    rows, cols = visible.any(axis=2), visible.any(axis=1)
    pixels = visible.sum(axis=(1, 2))
    present = pixels > 0
    boxes = np.zeros((count, 4), dtype=np.float32)
    if present.any():
        first_row, last_row = rows.argmax(1), rows.shape[1] - 1 - rows[:, ::-1].argmax(1)
        first_col, last_col = cols.argmax(1), cols.shape[1] - 1 - cols[:, ::-1].argmax(1)
        boxes[present] = np.stack([first_col, first_row, last_col + 1, last_row + 1], axis=1)[present]
    return boxes, pixels


def _check_range(value, name, low, where):
    if len(value) != 2 or not (low <= value[0] <= value[1]):
        raise ValueError(f"{where}: {name} must be (min, max) with {low} <= min <= max, got {value!r}")
    return tuple(value)


class _SceneBase(Dataset):
    def __init__(self, train, length, size, seed, source, items, root, download, item_size, noise, where):
        if not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"{where}: the number of scenes must be a non-negative int, got {length!r}")
        if not isinstance(size, (int, np.integer)) or size < 32:
            raise ValueError(f"{where}: size must be an int >= 32, got {size!r}")
        self.item_size = _check_range(item_size, "item_size", 4, where)
        if self.item_size[1] > size:
            raise ValueError(f"{where}: item_size {item_size} does not fit a {size}-pixel canvas")
        if not 0 <= noise <= 1:
            raise ValueError(f"{where}: noise must be in [0, 1], got {noise!r}")
        self.images, self.labels = _items(source, train, items, root, download)
        self.train, self.length, self.size, self.seed, self.noise = (
            bool(train),
            int(length),
            int(size),
            seed,
            noise,
        )
        self.classes = list(FASHION_MNIST_CLASSES) if items is None else None

    def __len__(self):
        return self.length

    def _rng(self, index, where):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"{where}: index must be an integer, got {type(index).__name__}")
        if not -self.length <= index < self.length:
            raise IndexError(f"{where}: index {index} is out of range for length {self.length}")
        return np.random.default_rng([self.seed, int(self.train), int(index) % self.length])

    def _background(self, rng):
        return rng.uniform(0, self.noise, (self.size, self.size)).astype(np.float32)

    def _draw_items(self, rng, count):
        picks = rng.integers(0, len(self.images), count)
        sides = rng.integers(self.item_size[0], self.item_size[1] + 1, count)
        items = [resize_item(self.images[p], int(s)) for p, s in zip(picks, sides)]
        return items, self.labels[picks], sides


class FashionScenes(_SceneBase):
    """Still scenes for detection: ``scenes[i]`` is ``(image (1, H, W) float32, target dict)``.

    Args:
        train: draw items from the training images (else the test images).
        num_scenes: the dataset's length (scenes are generated on access, not stored).
        size: canvas side in pixels (default 64).
        seed: the seed of the whole dataset.
        source: ``"subset"`` (shipped, default) or ``"full"`` Fashion-MNIST; ``items=(images, labels)``
            overrides both. ``root``/``download`` are passed to ``load_fashion_mnist``.
        num_items: (min, max) items per scene (default 1-5).
        item_size: (min, max) side of a resized item in pixels (default 14-30).
        noise: background pixels are uniform on [0, noise].
        max_overlap: a new item is placed where it covers at most this fraction of any earlier item's
            square, or of its own (up to 50 tries, else it is left out), so items are occluded only partly.
        min_visibility: items with a smaller visible fraction of their pixels are not annotated.

    >>> scenes = FashionScenes(num_scenes=10, seed=0)
    >>> image, target = scenes[3]
    >>> image.shape, target["boxes"].shape[1], target["labels"].dtype
    ((1, 64, 64), 4, dtype('int64'))
    """

    def __init__(
        self,
        train=True,
        num_scenes=1000,
        size=64,
        seed=0,
        source="subset",
        items=None,
        root=None,
        download=False,
        num_items=(1, 5),
        item_size=(14, 30),
        noise=0.25,
        max_overlap=0.35,
        min_visibility=0.25,
    ):
        super().__init__(
            train, num_scenes, size, seed, source, items, root, download, item_size, noise, "FashionScenes"
        )
        self.num_items = _check_range(num_items, "num_items", 1, "FashionScenes")
        self.max_overlap, self.min_visibility = float(max_overlap), float(min_visibility)

    def _place(self, rng, sides):
        placed, corners = [], []
        for side in sides:
            for _ in range(50):
                row, col = rng.integers(0, self.size - side + 1, 2)
                square = np.array([col, row, col + side, row + side], dtype=np.float64)
                if not placed or _max_cover(square, np.array(placed)) <= self.max_overlap:
                    placed.append(square)
                    corners.append((int(row), int(col)))
                    break
            else:
                corners.append(None)
        return corners

    def __getitem__(self, index):
        rng = self._rng(index, "FashionScenes")
        count = int(rng.integers(self.num_items[0], self.num_items[1] + 1))
        background = self._background(rng)
        items, labels, sides = self._draw_items(rng, count)
        corners = self._place(rng, sides)
        kept = [k for k, corner in enumerate(corners) if corner is not None]
        image, owner, totals = compose(background, [items[k] for k in kept], [corners[k] for k in kept])
        boxes, pixels = visible_boxes(owner, len(kept))
        visibility = pixels / np.maximum(totals, 1)
        shown = visibility >= self.min_visibility
        target = {
            "boxes": boxes[shown],
            "labels": labels[kept][shown],
            "visibility": visibility[shown].astype(np.float32),
        }
        return image[None], target


def _max_cover(box, boxes):
    """The largest intersection / (area of the smaller square) of ``box`` with ``boxes``."""
    inter_w = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    inter_h = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    smaller = np.minimum(
        (box[2] - box[0]) * (box[3] - box[1]), (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    )
    return float(np.max(inter_w * inter_h / smaller))


def collate_scenes(samples):
    """Batch ``(image, target)`` samples for a ``DataLoader(collate_fn=collate_scenes)``: images stacked
    into a Tensor (B, 1, H, W), targets kept as a list of B dicts (their box counts differ)."""
    if not isinstance(samples, (list, tuple)) or not samples:
        raise ValueError("collate_scenes: expected a non-empty list of (image, target) samples")
    images = np.stack([np.asarray(image) for image, _ in samples])
    return Tensor(images), [target for _, target in samples]


class MovingFashionScenes(_SceneBase):
    """Sequences for tracking: ``sequences[i]`` is ``(frames (T, 1, H, W) float32, targets)``, with
    ``targets`` a list of T dicts ``boxes`` (k, 4), ``labels`` (k,), ``track_ids`` (k,) int64,
    ``visibility`` (k,).

    Args (beyond those of ``FashionScenes``):
        num_sequences: the dataset's length.
        num_frames: frames per sequence (default 30).
        size: canvas side (default 96).
        num_objects: (min, max) items per sequence (default 2-5).
        speed: (min, max) initial speed in pixels per frame.
        velocity_noise: σ of the per-frame change of each velocity component (nearly constant velocity).
        enter_fraction: the probability that an item enters across an edge during the first half of
            the sequence instead of being there from frame 0.
        min_visibility: an item is annotated in a frame while at least this fraction of its pixels is
            visible (inside the canvas and not covered).

    >>> frames, targets = MovingFashionScenes(num_sequences=2, num_frames=5)[0]
    >>> frames.shape, len(targets), sorted(targets[0])
    ((5, 1, 96, 96), 5, ['boxes', 'labels', 'track_ids', 'visibility'])
    """

    def __init__(
        self,
        train=True,
        num_sequences=100,
        num_frames=30,
        size=96,
        seed=0,
        source="subset",
        items=None,
        root=None,
        download=False,
        num_objects=(2, 5),
        item_size=(14, 30),
        speed=(1.0, 3.0),
        velocity_noise=0.1,
        enter_fraction=0.4,
        noise=0.25,
        min_visibility=0.25,
    ):
        where = "MovingFashionScenes"
        super().__init__(
            train, num_sequences, size, seed, source, items, root, download, item_size, noise, where
        )
        if not isinstance(num_frames, (int, np.integer)) or num_frames < 1:
            raise ValueError(f"{where}: num_frames must be a positive int, got {num_frames!r}")
        self.num_frames = int(num_frames)
        self.num_objects = _check_range(num_objects, "num_objects", 1, where)
        self.speed = _check_range(speed, "speed", 0, where)
        self.velocity_noise, self.enter_fraction = float(velocity_noise), float(enter_fraction)
        self.min_visibility = float(min_visibility)

    def trajectories(self, rng, sides):
        """Centres (count, T, 2) as (x, y) and birth frames (count,) of the items."""
        count, frames = len(sides), self.num_frames
        angle = rng.uniform(0, 2 * np.pi, count)
        speed = rng.uniform(*self.speed, count)
        half = sides / 2.0
        start = rng.uniform(half[:, None], self.size - half[:, None], (count, 2))
        enters = rng.random(count) < self.enter_fraction
        birth = np.where(enters, rng.integers(1, max(frames // 2, 1) + 1, count), 0)
        edge = rng.integers(0, 4, count)  # 0 left, 1 right, 2 top, 3 bottom: start just outside it
        inward = np.array([0.0, np.pi, np.pi / 2, -np.pi / 2])[edge] + rng.uniform(
            -np.pi / 3, np.pi / 3, count
        )
        angle = np.where(enters, inward, angle)
        outside = np.stack(
            [
                np.select([edge == 0, edge == 1], [-half + 1, self.size + half - 1], start[:, 0]),
                np.select([edge == 2, edge == 3], [-half + 1, self.size + half - 1], start[:, 1]),
            ],
            axis=1,
        )
        start = np.where(enters[:, None], outside, start)
        velocity = speed[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        kicks = rng.normal(0, self.velocity_noise, (count, frames, 2))
        velocities = velocity[:, None, :] + np.cumsum(kicks, axis=1)
        steps = np.arange(frames)[None, :, None] > birth[:, None, None]  # moves from the frame after birth
        displacement = np.cumsum(np.where(steps, velocities, 0.0), axis=1)
        return start[:, None, :] + displacement, birth

    def __getitem__(self, index):
        rng = self._rng(index, "MovingFashionScenes")
        count = int(rng.integers(self.num_objects[0], self.num_objects[1] + 1))
        items, labels, sides = self._draw_items(rng, count)
        centres, birth = self.trajectories(rng, sides)
        depth = rng.permutation(count)  # drawing order: later items cover earlier ones
        frames, targets = [], []
        for t in range(self.num_frames):
            alive = depth[birth[depth] <= t]
            corners = [
                (
                    int(np.round(centres[k, t, 1] - sides[k] / 2)),
                    int(np.round(centres[k, t, 0] - sides[k] / 2)),
                )
                for k in alive
            ]
            image, owner, totals = compose(self._background(rng), [items[k] for k in alive], corners)
            boxes, pixels = visible_boxes(owner, len(alive))
            visibility = pixels / np.maximum(totals, 1)
            shown = np.flatnonzero(visibility >= self.min_visibility)
            order = shown[np.argsort(alive[shown], kind="stable")]  # annotations by track id
            frames.append(image[None])
            targets.append(
                {
                    "boxes": boxes[order],
                    "labels": labels[alive[order]],
                    "track_ids": alive[order].astype(np.int64),
                    "visibility": visibility[order].astype(np.float32),
                }
            )
        return np.stack(frames), targets
