"""The trained detector on scenes composed by other rules than ``FashionScenes``: items placed by hand on a
grid, on canvases of other sizes, resized and blended differently.

    python examples/vision_detector_foreign.py [--run examples/output/detector] [--scenes 200]

Each composition ("grid"): a canvas of rows × columns slots of 32 px (3 × 4 → 96 × 128, 2 × 5 → 64 × 160,
4 × 3 → 128 × 96), a background of constant grey 0.08 plus Gaussian noise (σ 0.04) instead of uniform noise;
each slot holds, with probability 0.7, a Fashion-MNIST test item resized by *nearest-neighbour* sampling
(our generator is bilinear) to a side of 16-28 px, jittered by up to ±3 px around the slot's centre and
blended by max(background, item) (no occlusion). Boxes are tight around the item's pixels above 0.1.
A second set ("black") uses the same placements on a black background without noise.
Prints mAP per set and writes foreign.png.
"""

import argparse
import os
import sys

import numpy as np

from mathdl.data import load_fashion_mnist
from mathdl.data.datasets.mnist import FASHION_MNIST_CLASSES
from mathdl.vision.detect import detect_batch
from mathdl.vision.metrics import mean_average_precision
from mathdl.vision.plots import plot_scenes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vision_detector_tracking import load_detector  # noqa: E402

LAYOUTS = ((3, 4), (2, 5), (4, 3))
SLOT = 32


def nearest_resize(item, side):
    index = np.minimum((np.arange(side) + 0.5) * item.shape[0] / side, item.shape[0] - 1).astype(int)
    return item[np.ix_(index, index)]


def grid_scene(images, labels, layout, rng, noise_rng=None):
    """One grid composition; ``noise_rng`` None gives the black background."""
    rows, columns = layout
    height, width = rows * SLOT, columns * SLOT
    background = np.zeros((height, width))
    if noise_rng is not None:
        background = np.clip(0.08 + noise_rng.normal(0, 0.04, (height, width)), 0, 1)
    canvas = background.copy()
    boxes, classes = [], []
    for row in range(rows):
        for column in range(columns):
            if rng.random() > 0.7:
                continue
            pick = rng.integers(len(images))
            item = nearest_resize(images[pick], int(rng.integers(16, 29)))
            side = item.shape[0]
            top = row * SLOT + (SLOT - side) // 2 + int(rng.integers(-3, 4))
            left = column * SLOT + (SLOT - side) // 2 + int(rng.integers(-3, 4))
            top, left = np.clip(top, 0, height - side), np.clip(left, 0, width - side)
            window = canvas[top : top + side, left : left + side]
            canvas[top : top + side, left : left + side] = np.maximum(window, item)
            ys, xs = np.nonzero(item > 0.1)
            boxes.append([left + xs.min(), top + ys.min(), left + xs.max() + 1, top + ys.max() + 1])
            classes.append(labels[pick])
    target = {
        "boxes": np.array(boxes, dtype=np.float32).reshape(-1, 4),
        "labels": np.array(classes, dtype=np.int64),
    }
    return canvas.astype(np.float32)[None], target


def evaluate(model, images, labels, count, black, seed):
    predictions, targets, shown = [], [], []
    for k in range(count):
        noise = None if black else np.random.default_rng([seed, k, 1])
        layout = LAYOUTS[k % len(LAYOUTS)]
        image, target = grid_scene(images, labels, layout, np.random.default_rng([seed, k]), noise)
        predictions += detect_batch(model, image[None], score_threshold=0.01)
        targets.append(target)
        if k < len(LAYOUTS):
            shown.append((image, predictions[-1]))
    return mean_average_precision(predictions, targets), targets, shown


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=os.path.join("examples", "output", "detector"))
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    model = load_detector(args.run)
    _, (images, labels) = load_fashion_mnist()
    images = images.astype(np.float32) / 255.0
    print(f"{args.scenes} foreign compositions per set (grids 3x4, 2x5, 4x3 of 32-px slots; test items)")
    print(f"{'set':8s} {'boxes':>6s} {'map':>7s} {'map_50':>7s} {'map_75':>7s} {'mar_100':>7s}")
    figures = []
    for name, black in (("grid", False), ("black", True)):
        metrics, targets, shown = evaluate(model, images, labels, args.scenes, black, args.seed)
        count = sum(len(t["labels"]) for t in targets)
        print(
            f"{name:8s} {count:6d} {metrics['map']:7.4f} {metrics['map_50']:7.4f} "
            f"{metrics['map_75']:7.4f} {metrics['mar_100']:7.4f}"
        )
        figures += shown
    for _, prediction in figures:
        keep = prediction["scores"] >= 0.3
        prediction.update({key: value[keep] for key, value in prediction.items()})
    # one figure per canvas size would be needed for a grid of panels; draw each at its own size
    path = os.path.join(args.run, "foreign.png")
    written = plot_scenes(
        [image for image, _ in figures], [p for _, p in figures], path, FASHION_MNIST_CLASSES, columns=3
    )
    if written:
        print(f"wrote {written}")


if __name__ == "__main__":
    main()
