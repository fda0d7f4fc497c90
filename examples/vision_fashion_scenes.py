"""Fashion scenes: the detection and tracking data composed from Fashion-MNIST items.

    python examples/vision_fashion_scenes.py [--scenes 1000] [--output examples/output]

Prints what a detector will face (boxes per scene, visibility, COCO size classes, generation speed)
and writes fashion_scenes.png (still scenes with their boxes and labels) and moving_scenes.png (a
moving sequence with its ground-truth track ids).
"""

import argparse
import os
import time

import numpy as np

from mathdl.data import FASHION_MNIST_CLASSES, FashionScenes, MovingFashionScenes
from mathdl.vision.plots import plot_scenes, plot_tracking_strip


def describe(scenes):
    start = time.perf_counter()
    targets = [scenes[i][1] for i in range(len(scenes))]
    seconds = time.perf_counter() - start
    counts = np.array([len(t["boxes"]) for t in targets])
    boxes = np.concatenate([t["boxes"] for t in targets])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    visibility = np.concatenate([t["visibility"] for t in targets])
    labels = np.concatenate([t["labels"] for t in targets])
    print(
        f"{len(scenes)} {'training' if scenes.train else 'test'} scenes {scenes.size}x{scenes.size}: "
        f"{counts.mean():.2f} boxes per scene (min {counts.min()}, max {counts.max()}), "
        f"{len(scenes) / seconds:.0f} scenes/s"
    )
    print(
        f"  box sides {np.sqrt(areas).min():.0f}-{np.sqrt(areas).max():.0f} px; COCO sizes: "
        f"{np.mean(areas < 32**2):.0%} small, {np.mean((areas >= 32**2) & (areas <= 96**2)):.0%} medium; "
        f"visible fraction mean {visibility.mean():.2f}, min {visibility.min():.2f}"
    )
    print(
        "  boxes per class:",
        ", ".join(f"{FASHION_MNIST_CLASSES[c]} {n}" for c, n in zip(*np.unique(labels, return_counts=True))),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=1000)
    parser.add_argument("--output", default=os.path.join("examples", "output"))
    args = parser.parse_args()
    train, test = (
        FashionScenes(num_scenes=args.scenes, seed=0),
        FashionScenes(train=False, num_scenes=args.scenes, seed=0),
    )
    describe(train)
    describe(test)
    images, targets = zip(*(test[i] for i in range(8)))
    path = plot_scenes(
        images, targets, os.path.join(args.output, "fashion_scenes.png"), FASHION_MNIST_CLASSES
    )
    if path:
        print(f"wrote {path}")
    moving = MovingFashionScenes(train=False, num_sequences=4, num_frames=30, seed=0)
    frames, tracks = moving[2]
    path = plot_tracking_strip(
        frames, {"ground truth": tracks}, os.path.join(args.output, "moving_scenes.png"), every=3
    )
    if path:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
