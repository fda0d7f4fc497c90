"""The choices behind tracking with the trained detector, measured on training sequences (never the
held-out ones): NMS within or across classes, the score threshold, and which appearance embedding.

    OPENBLAS_NUM_THREADS=1 python examples/vision_tracking_choices.py --run runs/detector [--sequences 50]

On ``MovingFashionScenes(train=True, seed=3)``:
1. SORT (max_age 3, min_hits 1) on detections with score >= 0.3, NMS per class vs across classes;
2. SORT and DeepSORT (detector embedding, cos 0.3) at score thresholds 0.1, 0.2, 0.3 (across classes);
3. DeepSORT at score 0.1 with the appearance term off (λ = 1) and with each embedding — the histogram,
   the neck features the head reads (the default), the backbone's stride-4 and stride-2 maps, and the neck
   features concatenated with the histogram — over cosine gates 0.05-0.5.
"""

import argparse
import os
import sys

import numpy as np

import mathdl as md
from mathdl.autograd.grad_mode import no_grad
from mathdl.data import MovingFashionScenes
from mathdl.vision.detect import box_features, detect_batch
from mathdl.vision.metrics import tracking_metrics
from mathdl.vision.tracking import DeepSort, Sort, histogram_embedding

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vision_detector_tracking import load_detector, run  # noqa: E402

GATES = (0.05, 0.1, 0.2, 0.3, 0.5)
TUNED = {"n_init": 2, "max_age": 10, "aspect_noise": 0.1, "position_weight": 0.06}


def row(name, ground_truth, outputs):
    m = tracking_metrics(ground_truth, outputs)
    print(
        f"  {name:44s} MOTA {m['mota']:.3f}  IDF1 {m['idf1']:.3f}  IDSW {m['num_switches']:3d}  "
        f"FN {m['num_misses']:4d}  FP {m['num_false_positives']:4d}"
    )


def detections(model, scenes, threshold, class_agnostic):
    return [
        (
            frames,
            targets,
            detect_batch(model, frames, threshold, features=True, class_agnostic=class_agnostic),
        )
        for frames, targets in scenes
    ]


def with_other_features(model, sequences):
    """The same detections with embeddings from other maps: {name: sequences}."""
    variants = {"stride-4 backbone map": [], "stride-2 backbone map": [], "neck + histogram": []}
    for frames, targets, found in sequences:
        with no_grad():
            maps = {
                "stride-4 backbone map": model.backbone[0:5](md.tensor(frames)).array,
                "stride-2 backbone map": model.backbone[0:3](md.tensor(frames)).array,
            }
        size = frames.shape[2:]
        for name, feature_map in maps.items():
            variants[name].append(
                (
                    frames,
                    targets,
                    [
                        dict(d, features=box_features(feature_map[k], d["boxes"], size))
                        for k, d in enumerate(found)
                    ],
                )
            )
        combined = [
            dict(
                d,
                features=np.concatenate([d["features"], histogram_embedding(frames[k], d["boxes"])], 1)
                / np.sqrt(2),
            )
            for k, d in enumerate(found)
        ]
        variants["neck + histogram"].append((frames, targets, combined))
    return variants


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=os.path.join("examples", "output", "detector"))
    parser.add_argument("--sequences", type=int, default=50)
    args = parser.parse_args()
    model = load_detector(args.run)
    data = MovingFashionScenes(train=True, num_sequences=args.sequences, seed=3)
    scenes = [data[i] for i in range(len(data))]
    truth = [targets for _, targets in scenes]
    sort = (lambda: Sort(max_age=3, min_hits=1), None)
    print(f"{args.sequences} training sequences (seed 3)\n1. NMS, score >= 0.3, SORT")
    for agnostic in (False, True):
        row(
            f"NMS {'across' if agnostic else 'within'} classes",
            truth,
            run(*sort, detections(model, scenes, 0.3, agnostic)),
        )
    print("2. score threshold (NMS across classes)")
    by_threshold = {t: detections(model, scenes, t, True) for t in (0.1, 0.2, 0.3)}
    for threshold, sequences in by_threshold.items():
        row(f"SORT, score >= {threshold}", truth, run(*sort, sequences))
        deep = (lambda: DeepSort(max_cosine_distance=0.3, **TUNED), "detector")
        row(f"DeepSORT (detector emb.), score >= {threshold}", truth, run(*deep, sequences))
    print("3. embeddings (score >= 0.1)")
    base = by_threshold[0.1]
    row(
        "motion only (lambda 1)",
        truth,
        run(lambda: DeepSort(motion_weight=1.0, max_cosine_distance=2.0, **TUNED), "detector", base),
    )
    row(
        "histogram, cos 0.05",
        truth,
        run(lambda: DeepSort(max_cosine_distance=0.05, **TUNED), "histogram", base),
    )
    for name, sequences in {"neck map (default)": base, **with_other_features(model, base)}.items():
        for gate in GATES:
            row(
                f"{name}, cos {gate}",
                truth,
                run(lambda g=gate: DeepSort(max_cosine_distance=g, **TUNED), "detector", sequences),
            )


if __name__ == "__main__":
    main()
