"""How much of a detector training step is target assignment and loss, and what vectorising the
assignment over the batch buys.

    OPENBLAS_NUM_THREADS=1 python benchmarks/detector_loss.py [--batch 32] [--repeats 5]

Times (median of ``--repeats``) for a batch of 64 × 64 Fashion scenes: the model's forward + backward,
the loss (assignment + the three terms) forward + backward, and the assignment alone, vectorised
(``assign_targets``: one (B, G, cells) array operation) against a loop over images and boxes with the
same rule (checked to give the same assignment).
"""

import argparse
import time

import numpy as np

import mathdl as md
from mathdl import models
from mathdl.data import FashionScenes
from mathdl.data.datasets.scenes import collate_scenes
from mathdl.models.detector import assign_targets, cell_centres, pad_targets


def assign_by_loops(targets, height, width, stride, center_radius=1.5):
    """The centre-sampling rule, one image and one box at a time (the baseline)."""
    centres = cell_centres(height, width, stride)
    matched = np.zeros((len(targets), height * width), dtype=np.int64)
    positive = np.zeros((len(targets), height * width), dtype=bool)
    for b, target in enumerate(targets):
        best = np.full(height * width, np.inf)
        for g, (x1, y1, x2, y2) in enumerate(np.asarray(target["boxes"], dtype=np.float64)):
            gx, gy = (x1 + x2) / 2, (y1 + y2) / 2
            home = min(max(int(gy // stride), 0), height - 1) * width + min(
                max(int(gx // stride), 0), width - 1
            )
            for cell, (cx, cy) in enumerate(centres):
                inside = x1 < cx < x2 and y1 < cy < y2
                near = abs(cx - gx) < center_radius * stride and abs(cy - gy) < center_radius * stride
                area = (x2 - x1) * (y2 - y1)
                if ((inside and near) or cell == home) and area < best[cell]:
                    best[cell], matched[b, cell], positive[b, cell] = area, g, True
    return matched, positive


def median_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    md.manual_seed(0)
    model = models.build("detector")
    scenes = FashionScenes(num_scenes=args.batch, seed=0)
    images, targets = collate_scenes([scenes[i] for i in range(args.batch)])

    def model_step():
        model.zero_grad()
        out = model(images)
        (out * out).mean().backward()

    output = model(images).detach()
    output.requires_grad = True

    def loss_step():
        model.loss(output, targets).backward()

    boxes, _, valid = pad_targets(targets)
    vectorised = assign_targets(boxes, valid, 8, 8, 8)
    looped = assign_by_loops(targets, 8, 8, 8)
    same = np.array_equal(vectorised[1], looped[1]) and np.array_equal(
        vectorised[0][vectorised[1]], looped[0][looped[1]]
    )
    step = median_time(model_step, args.repeats)
    loss = median_time(loss_step, args.repeats)
    fast = median_time(lambda: assign_targets(*pad_targets(targets)[::2], 8, 8, 8), args.repeats)
    slow = median_time(lambda: assign_by_loops(targets, 8, 8, 8), args.repeats)
    boxes_count = sum(len(t["labels"]) for t in targets)
    print(f"batch of {args.batch} scenes 64x64, {boxes_count} boxes; median of {args.repeats}")
    print(f"model forward + backward      {step * 1e3:8.1f} ms")
    print(f"loss forward + backward       {loss * 1e3:8.1f} ms  ({loss / step:.1%} of the model's)")
    print(f"assignment, vectorised        {fast * 1e3:8.2f} ms")
    print(f"assignment, loops (baseline)  {slow * 1e3:8.2f} ms  (loops / vectorised = {slow / fast:.0f}x)")
    print(f"same assignment: {same}")


if __name__ == "__main__":
    main()
