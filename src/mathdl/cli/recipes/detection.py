"""The object detector (``detector``): fresh Fashion scenes every epoch, the detection loss through the
Supervised step, COCO mAP on held-out scenes."""

import os

import numpy as np

from mathdl.cli.common import CommandError
from mathdl.cli.recipes import Recipe, RunData, make_optimizer, recipe

# background noise amplitudes of the training scenes (held-out scenes use FashionScenes' 0.25): a
# detector that has seen several backgrounds also works on scenes composed by other rules
NOISE_LEVELS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4)
WEIGHT_DECAY = 5e-4
HELD_OUT_SEED = 1


def held_out_scenes(config, items):
    """The held-out still scenes (test items, seed 1) as (images (N, 1, 64, 64), targets)."""
    from mathdl.data import FashionScenes

    scenes = FashionScenes(train=False, num_scenes=config["eval_scenes"], items=items, seed=HELD_OUT_SEED)
    pairs = [scenes[i] for i in range(len(scenes))]
    return np.stack([image for image, _ in pairs]), [target for _, target in pairs]


def detection_numbers(model, images, targets):
    """COCO mAP and recall of the detections scoring >= 0.01: ``map``, ``map_50``, ``map_75``,
    ``mar_100`` with every (cell, class) pair above the score a candidate (YOLOv5's evaluation
    setting), and the same with ``_single`` appended for each cell's best class only."""
    from mathdl.vision.detect import detect_batch
    from mathdl.vision.metrics import mean_average_precision

    numbers = {}
    for suffix, multi_label in (("", True), ("_single", False)):
        found = detect_batch(model, images, score_threshold=0.01, multi_label=multi_label)
        result = mean_average_precision(found, targets)
        numbers.update({key + suffix: float(result[key]) for key in ("map", "map_50", "map_75", "mar_100")})
    return numbers


@recipe
class ObjectDetection(Recipe):
    names = ("detector",)
    family = "object detector"
    options = {
        "dataset": "fashion-mnist",
        "epochs": 20,
        "scenes_per_epoch": 2000,
        "batch_size": 32,
        "optimizer": "adamw",
        "lr": 2e-3,
        "eval_scenes": 1000,
    }
    tiny = {
        "dataset": "fashion-mnist-subset",
        "epochs": 2,
        "scenes_per_epoch": 12,
        "batch_size": 6,
        "eval_scenes": 8,
        "model_args": {"width": 4},
    }
    monitor = None
    figure_names = ("curves.png", "detections.png")

    def load_data(self, config):
        from mathdl.cli.recipes.images import load_images
        from mathdl.data.datasets.scene_stream import SceneStream

        (x_train, y_train), (x_test, y_test) = load_images(config)
        if x_train.shape[1:] != (28, 28):
            raise CommandError(
                f"--dataset {config['dataset']}: expected 28x28 items, got {x_train.shape[1:]}"
            )
        stream = SceneStream(
            (x_train, y_train),
            config["scenes_per_epoch"],
            config["batch_size"],
            NOISE_LEVELS,
            seed=config["seed"],
        )
        images, targets = held_out_scenes(config, (x_test, y_test))
        info = (
            f"fresh 64x64 scenes of {config['dataset']} training items ({config['scenes_per_epoch']} per epoch, "
            f"background noise {', '.join(f'{v:g}' for v in NOISE_LEVELS)}); {len(images)} held-out scenes"
        )
        return RunData(stream, info=info, test_images=images, test_targets=targets)

    def training(self, config, model):
        from mathdl.optim.lr_scheduler import CosineAnnealingLR
        from mathdl.train import Supervised

        extra = {"weight_decay": WEIGHT_DECAY} if config["optimizer"] in ("adam", "adamw", "sgd") else {}
        optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"], **extra)
        return optimizer, Supervised(loss_fn=model.loss), CosineAnnealingLR(optimizer, T_max=config["epochs"])

    def finish(self, trainer, data, config):
        numbers = self.evaluate(trainer, data, config)
        lines = [
            f"{name} mAP {numbers['map' + s]:.4f}, mAP@0.5 {numbers['map_50' + s]:.4f}, "
            f"mAP@0.75 {numbers['map_75' + s]:.4f} on {config['eval_scenes']} held-out scenes"
            for name, s in (("multi-label", ""), ("single-label", "_single"))
        ]
        return numbers, lines

    def evaluate(self, trainer, data, config):
        return detection_numbers(trainer.model, data.test_images, data.test_targets)

    def figures(self, trainer, data, config, out):
        from mathdl.data import FASHION_MNIST_CLASSES
        from mathdl.vision.detect import detect_batch
        from mathdl.vision.plots import plot_scenes

        paths = super().figures(trainer, data, config, out)
        shown = data.test_images[:8]
        found = detect_batch(trainer.model, shown, score_threshold=0.3)
        path = plot_scenes(
            shown, found, os.path.join(out, "detections.png"), class_names=FASHION_MNIST_CLASSES
        )
        return paths + ([path] if path else [])
