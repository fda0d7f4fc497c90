"""Measure a trained detector on 1,000 held-out Fashion scenes: COCO mAP for both evaluation protocols,
AP per class, and a figure of detections.

    mathdl train --model detector --out runs/detector          # train (20 epochs of 2,000 fresh scenes)
    OPENBLAS_NUM_THREADS=1 python examples/vision_detector.py --run runs/detector [--eval-scenes 1000]

The held-out scenes are ``FashionScenes(train=False, source="full", seed=1)``: Fashion-MNIST test items
only, the scenes ``mathdl train`` scores at the end. mAP is reported for each cell's best class
("single") and for every (cell, class) pair above the score threshold ("multi", the setting of YOLOv5's
evaluation), which lets a cell that hesitates between a shirt and a T-shirt propose both. Writes
``detections.png`` and ``metrics_by_class.json`` into ``--run``.

``--train`` instead trains here with the Trainer directly (the path used before ``mathdl train`` knew
the detector; its data differ from the command's in the order of the scenes within an epoch).
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl import models, optim
from mathdl.data import DataLoader, Dataset, FashionScenes
from mathdl.data.datasets.mnist import FASHION_MNIST_CLASSES
from mathdl.data.datasets.scenes import collate_scenes
from mathdl.train import LambdaCallback, Trainer, load_checkpoint
from mathdl.train.history import write_text_atomic
from mathdl.vision.detect import detect_batch
from mathdl.vision.metrics import mean_average_precision
from mathdl.vision.plots import plot_scenes

CLASSES = FASHION_MNIST_CLASSES


class FreshScenes(Dataset):
    """``per_epoch`` scenes of ``scenes``, a different block each epoch (``set_epoch``), as
    ``DistributedSampler.set_epoch`` moves its shuffle."""

    def __init__(self, scenes, per_epoch):
        self.scenes, self.per_epoch, self.epoch = scenes, per_epoch, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.per_epoch

    def __getitem__(self, index):
        return self.scenes[self.epoch * self.per_epoch + index]


class MixedScenes(Dataset):
    """Interleaves scene datasets: scene i is scene i // k of dataset i mod k (k datasets)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __len__(self):
        return min(len(d) for d in self.datasets) * len(self.datasets)

    def __getitem__(self, index):
        return self.datasets[index % len(self.datasets)][index // len(self.datasets)]


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def evaluate(model, scenes, batch_size=100):
    """mAP of the detections (score >= 0.01) on ``scenes``: each cell's best class only ("single"), and
    every (cell, class) pair above the threshold ("multi", YOLOv5's evaluation setting)."""
    images = np.stack([scenes[i][0] for i in range(len(scenes))])
    targets = [scenes[i][1] for i in range(len(scenes))]
    results = {}
    for mode in ("single", "multi"):
        start = time.perf_counter()
        predictions = detect_batch(
            model, images, score_threshold=0.01, batch_size=batch_size, multi_label=mode == "multi"
        )
        seconds = time.perf_counter() - start
        results[mode] = (mean_average_precision(predictions, targets), seconds)
    return results, images


def train(args):
    md.manual_seed(args.seed)
    model = models.build("detector", width=args.width)
    total = args.epochs * args.scenes_per_epoch
    levels = [float(v) for v in args.noise_levels.split(",")] if args.noise_levels else [0.25]
    stream = MixedScenes(
        FashionScenes(train=True, num_scenes=-(-total // len(levels)), source="full", seed=k, noise=level)
        for k, level in enumerate(levels)
    )
    data = FreshScenes(stream, args.scenes_per_epoch)
    loader = DataLoader(data, batch_size=args.batch_size, shuffle=True, collate_fn=collate_scenes)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    trainer = Trainer(model, optimizer, loss_fn=model.loss, metrics=(), scheduler=scheduler, verbose=2)
    load_before = load_average()
    wall, cpu = time.perf_counter(), time.process_time()
    trainer.fit(
        loader, args.epochs, callbacks=[LambdaCallback(on_epoch_begin=lambda e, logs: data.set_epoch(e))]
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"trained {args.epochs} epochs x {args.scenes_per_epoch} scenes ({model_size(model)} parameters): "
        f"{wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU; load average {load_before} before, "
        f"{load_average()} after (2 cores)"
    )
    return model, trainer


def model_size(model):
    return sum(p.array.size for p in model.parameters())


def report(results, count):
    keys = ("map", "map_50", "map_75", "map_small", "mar_1", "mar_10", "mar_100")
    print(f"{count} held-out scenes (Fashion-MNIST test items, seed 1), detections with score >= 0.01")
    print(f"{'labels per cell':16s} " + " ".join(f"{key:>9s}" for key in keys) + "  seconds")
    for mode, (metrics, seconds) in results.items():
        print(f"{mode:16s} " + " ".join(f"{metrics[key]:9.4f}" for key in keys) + f"  {seconds:7.1f}")
    for mode, (metrics, _) in results.items():
        per_class = np.asarray(metrics["map_per_class"])
        print(f"AP per class ({mode}): " + ", ".join(f"{n} {ap:.3f}" for n, ap in zip(CLASSES, per_class)))
    for mode, (metrics, _) in results.items():
        met = metrics["map_50"] >= 0.80 and metrics["map"] >= 0.50
        print(f"target mAP@0.5 >= 0.80 and mAP >= 0.50 ({mode}): {'met' if met else 'NOT met'}")


def load_run(output):
    content = load_checkpoint(os.path.join(output, "checkpoint.npz"))
    model = models.from_config(content["config"]["model"])
    model.load_state_dict(content["model"])
    return model


def write_outputs(model, results, images, output):
    summary = {
        mode: {key: np.asarray(value).tolist() for key, value in metrics.items()}
        for mode, (metrics, _) in results.items()
    }
    path = os.path.join(output, "metrics_by_class.json")
    write_text_atomic(path, json.dumps(summary, indent=1))
    print(f"wrote {path}")
    shown = detect_batch(model, images[:8], score_threshold=0.3)
    path = plot_scenes(images[:8], shown, os.path.join(output, "detections.png"), class_names=CLASSES)
    if path:
        print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=os.path.join("examples", "output", "detector"))
    parser.add_argument("--eval-scenes", type=int, default=1000)
    parser.add_argument("--train", action="store_true", help="train here first (into --run)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--scenes-per-epoch", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--noise-levels",
        default="0,0.1,0.2,0.25,0.3,0.4",
        help="with --train: background noise amplitudes of the training scenes, interleaved",
    )
    args = parser.parse_args()
    if args.train:
        os.makedirs(args.run, exist_ok=True)
        model, trainer = train(args)
        print(f"wrote {trainer.save_checkpoint(os.path.join(args.run, 'checkpoint.npz'))}")
    else:
        model = load_run(args.run)
    held_out = FashionScenes(train=False, num_scenes=args.eval_scenes, source="full", seed=1)
    results, images = evaluate(model, held_out)
    report(results, len(held_out))
    write_outputs(model, results, images, args.run)


if __name__ == "__main__":
    main()
