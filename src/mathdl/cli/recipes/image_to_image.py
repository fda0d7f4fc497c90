"""Image-to-image models: super-resolution (``srcnn``, ``espcn``) and the style-transfer feature
network (``photo-patch-cnn``), on the natural photographs shipped with scikit-image or, for
seconds-long runs, on synthetic block images.

    mathdl train --model espcn --scale 2          # ESPCN ×2 on luminance patches; PSNR/SSIM vs bicubic
    mathdl train --model srcnn --scale 3 --model-arg residual=false --model-arg standardize=false
    mathdl upscale RUN in.png out.png             # the trained network on any PNG
    mathdl train --model photo-patch-cnn          # which training photograph is this patch from?
"""

import numpy as np

from mathdl.cli.common import CommandError
from mathdl.cli.recipes import Recipe, RunData, fixed_rng, make_optimizer, recipe
from mathdl.data.datasets.photographs import NATURAL_TRAIN_PHOTOGRAPHS as NATURAL_TRAINING

SR_DATASETS = ("photographs", "blocks")
PATCH = 17  # low-resolution side of a training patch (ESPCN's 17r × 17r sub-images)


def _photographs(split, mode, names=None):
    from mathdl.data import PhotographsUnavailableError, load_photograph, photograph_names

    try:
        return {name: load_photograph(name, mode=mode) for name in (names or photograph_names(split))}
    except PhotographsUnavailableError as error:
        raise CommandError(f"--dataset photographs: {error}") from None


def _images(config, split, mode="y"):
    """{name: (C, H, W)}: the natural training photographs or the held-out ones; or synthetic blocks."""
    from mathdl.data import synthetic_blocks

    channels = 3 if mode == "rgb" else 1
    if config["dataset"] == "blocks":
        count = {"train": 12, "test": 2}[split]
        images = synthetic_blocks(
            count, 96, seed=config["seed"] + (0 if split == "train" else 1000), channels=channels
        )
        return {f"blocks-{k}": image for k, image in enumerate(images)}
    if config["dataset"] != "photographs":
        raise CommandError(f"--dataset {config['dataset']!r}: choose from {', '.join(SR_DATASETS)}")
    return _photographs(split, mode, NATURAL_TRAINING if split == "train" and mode == "y" else None)


def _split(inputs, targets, config):
    """(train, val) pairs: the last ``val_fraction`` of the (already random) patches is validation."""
    held = int(round(len(inputs) * (config.get("val_fraction") or 0)))
    if not held:
        return (inputs, targets), None
    return (inputs[:-held], targets[:-held]), (inputs[-held:], targets[-held:])


def _resolve(name):
    if name not in SR_DATASETS:
        raise CommandError(f"--dataset {name!r}: choose from {', '.join(SR_DATASETS)}")
    return name


def _loaders(train, val, batch_size):
    from mathdl.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True)
    return loader, (None if val is None else DataLoader(TensorDataset(*val), batch_size=256))


@recipe
class SuperResolution(Recipe):
    names = ("srcnn", "espcn")
    family = "super-resolution network"
    options = {
        "dataset": "photographs",
        "scale": 2,
        "patches": 16000,
        "epochs": 10,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 1e-3,
        "val_fraction": 0.05,
    }
    tiny = {
        "dataset": "blocks",
        "patches": 96,
        "epochs": 2,
        "batch_size": 16,
        "model_args": {"filters": [4, 4]},
    }
    figure_names = ("curves.png", "crops.png")

    def resolve_dataset(self, name):
        return _resolve(name)

    def model_defaults(self, name):
        defaults = {"padding": "valid", "residual": True, "standardize": True}
        return {**defaults, "activation": "relu"} if name == "espcn" else defaults

    def model_kwargs(self, config, data):
        return {**config["model_args"], "scale": config["scale"]}

    def _radius(self, config):
        kernels = config["model_args"].get("kernels", (9, 1, 5) if config["model"] == "srcnn" else (5, 3, 3))
        try:
            return sum(int(k) // 2 for k in kernels)
        except (TypeError, ValueError):
            raise CommandError(f"--model-arg kernels must be three odd ints, got {kernels!r}") from None

    def load_data(self, config):
        from mathdl.data import sr_patches

        images = _images(config, "train")
        try:
            inputs, targets = sr_patches(
                images,
                config["scale"],
                PATCH,
                config["patches"],
                seed=config["seed"],
                upscaled_input=config["model"] == "srcnn",
                context=self._radius(config),
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        train, val = _split(inputs, targets, config)
        train_loader, val_loader = _loaders(train, val, config["batch_size"])
        info = (
            f"{config['dataset']}: {len(train[0])} training and {0 if val is None else len(val[0])} validation "
            f"patch pairs (×{config['scale']}, {PATCH}-pixel low-resolution side) from {', '.join(images)}"
        )
        return RunData(train_loader, val_loader, None, info=info)

    def training(self, config, model):
        from mathdl import optim
        from mathdl.train import Supervised

        optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"])
        schedule = optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=config["epochs"], eta_min=config["lr"] / 100
        )
        return optimizer, Supervised(loss_fn=model.loss), schedule

    def _scores(self, model, config):
        """PSNR/SSIM on Y of the held-out images (borders shaved by s) for the network and bicubic."""
        from mathdl.vision.superresolution import bicubic_downscale, bicubic_upscale, modcrop, sr_scores
        from mathdl.vision.upscale import upscale_luminance

        s, rows = config["scale"], {"network": [], "bicubic": []}
        shown = None
        for image in _images(config, "test").values():
            high = modcrop(image[0].astype(np.float64), s)
            low = bicubic_downscale(high, s)
            estimate, bicubic = upscale_luminance(model, low), bicubic_upscale(low, s)
            rows["network"].append(sr_scores(high, estimate, s))
            rows["bicubic"].append(sr_scores(high, bicubic, s))
            shown = shown or (high, bicubic, estimate)
        numbers = {}
        for method, prefix in (("network", "test"), ("bicubic", "bicubic")):
            for key in ("psnr", "ssim"):
                numbers[f"{prefix}_{key}"] = float(np.mean([row[key] for row in rows[method]]))
        return numbers, shown

    def finish(self, trainer, data, config):
        numbers, _ = self._scores(trainer.model, config)
        line = (
            f"held-out images ×{config['scale']} (Y): {numbers['test_psnr']:.2f} dB / SSIM {numbers['test_ssim']:.3f}; "
            f"bicubic {numbers['bicubic_psnr']:.2f} dB / {numbers['bicubic_ssim']:.3f}"
        )
        return numbers, [line]

    def evaluate(self, trainer, data, config):
        return self._scores(trainer.model, config)[0]

    def figures(self, trainer, data, config, out):
        import os

        paths = super().figures(trainer, data, config, out)
        if not paths:
            return paths
        import matplotlib.pyplot as plt

        _, (high, bicubic, estimate) = self._scores(trainer.model, config)
        side = min(96, *high.shape)
        window = (slice(0, side), slice(0, side))
        figure, axes = plt.subplots(1, 3, figsize=(7.5, 2.8))
        for axis, image, title in zip(
            axes, (bicubic, estimate, high), ("bicubic", config["model"], "ground truth")
        ):
            axis.imshow(np.clip(image[window], 0, 1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axis.set_title(title, fontsize=9)
            axis.axis("off")
        figure.tight_layout()
        path = os.path.join(out, "crops.png")
        figure.savefig(path, dpi=100)
        plt.close(figure)
        return paths + [path]


@recipe
class PhotographPatches(Recipe):
    names = ("photo-patch-cnn",)
    family = "photograph-patch classifier (style-transfer features)"
    options = {
        "dataset": "photographs",
        "patches": 500,
        "epochs": 6,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 2e-3,
        "val_fraction": 0.1,
    }
    unset_text = {}
    tiny = {
        "dataset": "blocks",
        "patches": 8,
        "epochs": 2,
        "batch_size": 16,
        "model_args": {"widths": [4, 4, 4]},
    }

    def resolve_dataset(self, name):
        return _resolve(name)

    def model_kwargs(self, config, data):
        return {**config["model_args"], "num_classes": data.classes}

    def load_data(self, config):
        from mathdl.data import labelled_patches

        images = _images(config, "train", mode="rgb")
        size = 32
        try:
            x, y = labelled_patches(images, size, config["patches"], seed=config["seed"])
            x_test, y_test = labelled_patches(
                images, size, max(config["patches"] // 10, 2), seed=config["seed"] + 100
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        with fixed_rng(config["seed"]):
            from mathdl.random import generator

            order = generator().permutation(len(x))
        train, val = _split(x[order], y[order], config)
        train_loader, val_loader = _loaders(train, val, config["batch_size"])
        from mathdl.data import DataLoader, TensorDataset

        test = DataLoader(TensorDataset(x_test, y_test), batch_size=256)
        info = f"{config['dataset']}: {size}×{size} RGB patches of {len(images)} images, {config['patches']} per image"
        return RunData(train_loader, val_loader, test, info=info, classes=len(images))

    def training(self, config, model):
        from mathdl.train import Supervised, accuracy

        optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"])
        return optimizer, Supervised(loss_fn=model.loss, metrics=[("accuracy", accuracy)]), None

    def finish(self, trainer, data, config):
        test = trainer.evaluate(data.test)
        return {"test": test}, [f"held-out patches: loss {test['loss']:.4f}, accuracy {test['accuracy']:.4f}"]
