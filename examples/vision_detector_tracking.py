"""Tracking with the trained detector: SORT and DeepSORT-style trackers on held-out moving Fashion scenes
(96 × 96), the appearance embedding taken from the detector's own feature map.

    python examples/vision_detector_tracking.py [--run examples/output/detector] [--sequences 100] [--seed 1]

1. Calibration on 30 *training* sequences (train=True): detections matched to the ground truth (IoU ≥ 0.5)
   give the cosine distances between the detector embeddings of one item in consecutive frames and of two
   different items in the same frame, and the detector's box error relative to the box side (DeepSORT's
   position noise w_p is set to it). The appearance gate (``max_cosine_distance``) is the one of
   0.05, 0.1, 0.2, 0.3, 0.5 with the fewest identity switches on these training sequences, so nothing is
   tuned on the held-out sequences.
2. Held-out sequences (test items, ``--seed``): the detector runs once per frame (score ≥ 0.1, NMS 0.5
   across classes, so an item the detector hesitates about gives one box, not one per class; 0.1 had the
   best MOTA of 0.1, 0.2, 0.3 on 50 other training sequences, seed 3);
   the trackers compared share those detections:
   SORT (max_age 3, min_hits 1); DeepSORT with motion only (λ = 1, the appearance gate open), with the
   histogram embedding, and with the detector embedding (λ = 0: appearance cost, motion as a gate).
Prints the MOT table and writes tracking_detector_strip.png and tracking.gif (4 sequences, the
detector-embedding DeepSORT) into ``--run``.
"""

import argparse
import os
import time

import numpy as np

from mathdl import models
from mathdl.data import MovingFashionScenes
from mathdl.optimize import linear_sum_assignment
from mathdl.train import load_checkpoint
from mathdl.vision.animation import write_tracking_gif
from mathdl.vision.detect import detect_batch
from mathdl.vision.metrics import tracking_metrics
from mathdl.vision.ops import pairwise_iou_array
from mathdl.vision.plots import plot_tracking_strip
from mathdl.vision.tracking import DeepSort, Sort, histogram_embedding


def load_detector(run):
    content = load_checkpoint(os.path.join(run, "checkpoint.npz"))
    model = models.from_config(content["config"]["model"])
    model.load_state_dict(content["model"])
    model.eval()
    return model


def detect_sequences(model, data, score_threshold):
    """Per sequence: (frames, targets, detections with features)."""
    out = []
    for index in range(len(data)):
        frames, targets = data[index]
        found = detect_batch(model, frames, score_threshold, features=True, class_agnostic=True)
        out.append((frames, targets, found))
    return out


def matched_pairs(detections, target):
    """(detection index, ground-truth index) pairs with IoU ≥ 0.5, by the assignment of most IoU."""
    if len(detections["boxes"]) == 0 or len(target["boxes"]) == 0:
        return []
    iou = np.nan_to_num(pairwise_iou_array(detections["boxes"], target["boxes"]))
    rows, cols = linear_sum_assignment(-iou)
    return [(r, c) for r, c in zip(rows, cols) if iou[r, c] >= 0.5]


def calibrate(sequences):
    """Cosine distances (same item in consecutive frames, different items in one frame) and the
    relative box error of matched detections."""
    same, different, errors = [], [], []
    for _, targets, detections in sequences:
        previous = {}
        for found, target in zip(detections, targets):
            current = {}
            for d, g in matched_pairs(found, target):
                current[int(target["track_ids"][g])] = found["features"][d]
                box, truth = found["boxes"][d], target["boxes"][g]
                side = np.tile(truth[2:] - truth[:2], 2)
                errors.append((box - truth) / side)
            same += [1 - current[k] @ previous[k] for k in current if k in previous]
            keys = sorted(current)
            different += [1 - current[a] @ current[b] for i, a in enumerate(keys) for b in keys[i + 1 :]]
            previous = current
    return np.array(same), np.array(different), np.array(errors)


def trackers(gate, position_weight):
    tuned = {"n_init": 2, "max_age": 10, "aspect_noise": 0.1, "position_weight": position_weight}
    return {
        "SORT (max_age 3, min_hits 1)": (lambda: Sort(max_age=3, min_hits=1), None),
        "DeepSORT, motion only (lambda 1, no appearance gate)": (
            lambda: DeepSort(motion_weight=1.0, max_cosine_distance=2.0, **tuned),
            "detector",
        ),
        "DeepSORT, histogram embedding (cos 0.05)": (
            lambda: DeepSort(max_cosine_distance=0.05, **tuned),
            "histogram",
        ),
        f"DeepSORT, detector embedding (cos {gate:.3f})": (
            lambda: DeepSort(max_cosine_distance=gate, **tuned),
            "detector",
        ),
    }


def run(make, embedding, sequences):
    outputs = []
    for frames, _, detections in sequences:
        tracker = make()
        per_frame = []
        for image, found in zip(frames, detections):
            if embedding is None:
                per_frame.append(tracker.update(found["boxes"]))
            else:
                features = (
                    found["features"]
                    if embedding == "detector"
                    else histogram_embedding(image, found["boxes"])
                )
                per_frame.append(tracker.update(found["boxes"], features=features))
        outputs.append(per_frame)
    return outputs


def choose_gate(sequences, position_weight, gates=(0.05, 0.1, 0.2, 0.3, 0.5)):
    """The appearance gate with the fewest identity switches (then the highest MOTA) on ``sequences``."""
    ground_truth = [targets for _, targets, _ in sequences]
    results = []
    for gate in gates:
        make, embedding = trackers(gate, position_weight)[f"DeepSORT, detector embedding (cos {gate:.3f})"]
        m = tracking_metrics(ground_truth, run(make, embedding, sequences))
        results.append((m["num_switches"], -m["mota"], gate))
    print("gate selection (training sequences): " + ", ".join(f"cos {g}: {s} IDSW" for s, _, g in results))
    return min(results)[2]


def print_calibration(same, different, errors):
    print(
        f"calibration (30 training sequences): cosine distance same item, consecutive frames: median "
        f"{np.median(same):.4f}, 95th pct {np.quantile(same, 0.95):.4f} ({len(same)} pairs); different items "
        f"in a frame: 5th pct {np.quantile(different, 0.05):.4f}, median {np.median(different):.4f} "
        f"({len(different)} pairs); box edge error / side: std {errors.std():.4f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=os.path.join("examples", "output", "detector"))
    parser.add_argument("--sequences", type=int, default=100)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--score-threshold", type=float, default=0.1)
    args = parser.parse_args()
    model = load_detector(args.run)
    calibration = detect_sequences(
        model, MovingFashionScenes(train=True, num_sequences=30, seed=0), args.score_threshold
    )
    same, different, errors = calibrate(calibration)
    if len(same) < 10:
        raise SystemExit(f"calibration: only {len(same)} matched pairs; is {args.run} a trained detector?")
    print_calibration(same, different, errors)
    position_weight = float(errors.std())
    gate = choose_gate(calibration, position_weight)
    data = MovingFashionScenes(
        train=False, num_sequences=args.sequences, num_frames=args.frames, seed=args.seed
    )
    start = time.perf_counter()
    sequences = detect_sequences(model, data, args.score_threshold)
    boxes = sum(len(t["boxes"]) for _, targets, _ in sequences for t in targets)
    print(
        f"{args.sequences} held-out sequences x {args.frames} frames (96x96), {boxes} object boxes; "
        f"detection {time.perf_counter() - start:.1f} s"
    )
    print(f"{'tracker':55s} {'MOTA':>6s} {'MOTP':>6s} {'IDF1':>6s} {'IDSW':>5s} {'FN':>5s} {'FP':>5s}")
    ground_truth = [targets for _, targets, _ in sequences]
    outputs = {}
    for name, (make, embedding) in trackers(gate, position_weight).items():
        outputs[name] = run(make, embedding, sequences)
        m = tracking_metrics(ground_truth, outputs[name])
        print(
            f"{name:55s} {m['mota']:6.3f} {m['motp']:6.3f} {m['idf1']:6.3f} {m['num_switches']:5d} "
            f"{m['num_misses']:5d} {m['num_false_positives']:5d}"
        )
    write_figures(args, sequences, outputs)


def write_figures(args, sequences, outputs):
    names = list(outputs)
    switches = [tracking_metrics([s[1]], [o])["num_switches"] for s, o in zip(sequences, outputs[names[0]])]
    shown = int(np.argmax(switches))  # the sequence where SORT switches most
    rows = {"ground truth": sequences[shown][1], "SORT": outputs[names[0]][shown]}
    rows["DeepSORT (detector emb.)"] = outputs[names[-1]][shown]
    path = plot_tracking_strip(
        sequences[shown][0],
        rows,
        os.path.join(args.run, "tracking_detector_strip.png"),
        title=f"held-out sequence {shown} with the trained detector (ids are each tracker's own)",
        every=max(1, args.frames // 10),
    )
    if path:
        print(f"wrote {path}")
    picked = [shown] + [k for k in range(len(sequences)) if k != shown][:3]
    gif = write_tracking_gif(
        [sequences[k][0] for k in picked],
        [outputs[names[-1]][k] for k in picked],
        os.path.join(args.run, "tracking.gif"),
        scale=3,
    )
    print(f"wrote {gif}")


if __name__ == "__main__":
    main()
