"""COCO box mAP: mathdl's vectorised ``mean_average_precision`` against pycocotools' COCOeval (the
evaluate + accumulate + summarize it needs for the same twelve numbers), timed in the same run.

    python benchmarks/vision_map.py [--images 1000] [--classes 10] [--passes 3]

Random problems: 0-5 ground-truth boxes per image (small, medium and large), 0-11 detections near
them with jittered boxes, random scores, 20 % of labels wrong. Prints the median seconds of each,
the ratio (pycocotools time / mathdl time) and the largest difference of the twelve stats (it must be
below 1e-6, or the timing would compare different computations).
"""

import argparse
import contextlib
import io
import statistics
import time

import numpy as np

from mathdl.vision.metrics import mean_average_precision

KEYS = ("map", "map_50", "map_75", "map_small", "map_medium", "map_large")
KEYS += ("mar_1", "mar_10", "mar_100", "mar_small", "mar_medium", "mar_large")


def random_problem(rng, num_images, num_classes):
    preds, targets = [], []
    for _ in range(num_images):
        g = int(rng.integers(0, 6))
        centres = rng.uniform(0, 300, (g, 2))
        sizes = np.exp(rng.uniform(np.log(8), np.log(200), (g, 2)))
        boxes = np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1)
        labels = rng.integers(0, num_classes, g)
        targets.append({"boxes": boxes, "labels": labels})
        n = int(rng.integers(0, 12)) if g else 0
        near = rng.integers(0, max(g, 1), n)
        pred = boxes[near] + rng.normal(0, 0.15, (n, 4)) * np.tile(sizes[near], 2) if g else np.zeros((0, 4))
        pred[:, 2:] = np.maximum(pred[:, 2:], pred[:, :2] + 1)
        wrong = rng.random(n) < 0.2
        pred_labels = np.where(wrong, rng.integers(0, num_classes, n), labels[near] if g else 0)
        preds.append({"boxes": pred, "scores": rng.random(n), "labels": pred_labels})
    return preds, targets


def pycocotools_stats(preds, targets, num_classes):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def coco(annotations):
        result = COCO()
        result.dataset = {
            "images": [{"id": i} for i in range(len(targets))],
            "annotations": annotations,
            "categories": [{"id": c} for c in range(num_classes)],
        }
        result.createIndex()
        return result

    def rows(entries, with_scores):
        out = []
        for i, entry in enumerate(entries):
            for k, (box, label) in enumerate(zip(entry["boxes"], entry["labels"])):
                w, h = box[2] - box[0], box[3] - box[1]
                row = {"id": len(out) + 1, "image_id": i, "category_id": int(label), "iscrowd": 0}
                row.update(bbox=[box[0], box[1], w, h], area=w * h)
                if with_scores:
                    row["score"] = float(entry["scores"][k])
                out.append(row)
        return out

    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = COCOeval(coco(rows(targets, False)), coco(rows(preds, True)), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats


def main():
    parser = argparse.ArgumentParser(description="COCO mAP: mathdl vs pycocotools")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    preds, targets = random_problem(np.random.default_rng(0), args.images, args.classes)
    ours_times, coco_times = [], []
    for _ in range(args.passes):
        start = time.perf_counter()
        ours = mean_average_precision(preds, targets)
        ours_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        stats = pycocotools_stats(preds, targets, args.classes)
        coco_times.append(time.perf_counter() - start)
    difference = np.max(np.abs(np.array([ours[key] for key in KEYS]) - stats))
    ours_s, coco_s = statistics.median(ours_times), statistics.median(coco_times)
    print(f"{args.images} images, {args.classes} classes, {sum(len(p['scores']) for p in preds)} detections")
    print(f"mathdl {ours_s:.3f} s, pycocotools {coco_s:.3f} s: pycocotools / mathdl = {coco_s / ours_s:.1f}x")
    print(f"map {ours['map']:.4f}; largest difference of the 12 stats: {difference:.1e}")


if __name__ == "__main__":
    main()
