"""Generative models of 28×28 images: autoencoders (ae), the VAE, GANs and the Bernoulli RBM."""

import os

import numpy as np

from mathdl.cli.recipes import Recipe, RunData, fixed_rng, make_optimizer, recipe
from mathdl.cli.recipes.images import load_images, split_validation

IMAGE_OPTIONS = {"dataset": "fashion-mnist-subset", "limit": None}


def image_loaders(config, scaling, drop_last=False):
    """(train loader, val loader or None, test images (scaled), info) for an image model."""
    from mathdl.data import DataLoader, TensorDataset
    from mathdl.data.pixels import scale_images

    (x, y), (x_test, _) = load_images(config)
    (x, y), val = split_validation(x, y, config)
    train = DataLoader(
        TensorDataset(scale_images(x, scaling), y), config["batch_size"], shuffle=True, drop_last=drop_last
    )
    val_loader = None
    if val is not None:
        val_loader = DataLoader(TensorDataset(scale_images(val[0], scaling), val[1]), batch_size=500)
    sizes = f"{len(x)} training, {0 if val is None else len(val[0])} validation, {len(x_test)} test images"
    return train, val_loader, scale_images(x_test, scaling), f"{config['dataset']} ({sizes})"


def save_grid(images, path, title, scaling="unit", rows=None):
    """A grid of images (in the given pixel scaling) drawn in grey levels; returns the path or None."""
    from mathdl.data.pixels import unscale_images
    from mathdl.train import image_grid, plot_image_grid

    images = unscale_images(np.asarray(images), scaling)
    return plot_image_grid(image_grid(images.reshape(len(images), 28, 28), rows=rows), path, title)


def wrote(path):
    """What ``mathdl generate`` prints for an image: its path (or why there is none)."""
    return (
        f"wrote {path}" if path else "no figure written (matplotlib is missing: pip install 'mathdl[plot]')"
    )


def generated_path(args, default_name):
    """Where ``mathdl generate`` writes an image: ``--output`` or next to the checkpoint."""
    return args.output or os.path.join(args.run_folder, default_name)


@recipe
class Autoencoder(Recipe):
    names = ("ae",)
    family = "generative (autoencoder)"
    options = {**IMAGE_OPTIONS, "epochs": 10, "batch_size": 128, "optimizer": "adam", "lr": 1e-3}
    options.update(val_fraction=0.1, patience=None)
    tiny = {"limit": 300, "epochs": 2, "batch_size": 50, "model_args": {"hidden": [16], "latent_dim": 4}}
    figure_names = ("curves.png", "reconstructions.png")

    def model_defaults(self, name):
        return {"kind": "dense"}

    def load_data(self, config):
        train, val, x_test, info = image_loaders(config, "unit")
        from mathdl.data import DataLoader, TensorDataset

        test = DataLoader(TensorDataset(x_test), batch_size=500)
        return RunData(train, val, test, info=info, x_test=x_test)

    def training(self, config, model):
        from mathdl.train import ModelLoss

        return make_optimizer(config["optimizer"], model.parameters(), config["lr"]), ModelLoss(), None

    def finish(self, trainer, data, config):
        numbers = self.evaluate(trainer, data, config)
        return numbers, [
            f"test loss {numbers['test_loss']:.4f}, reconstruction MSE per pixel "
            f"{numbers['test_reconstruction_mse']:.4f}"
        ]

    def evaluate(self, trainer, data, config):
        model = trainer.model
        model.eval()
        with fixed_rng(config["seed"]):  # a denoising model's loss corrupts its inputs at random
            return {
                "test_loss": trainer.evaluate(data.test)["loss"],
                "test_reconstruction_mse": float(model.reconstruction_error(data.x_test)),
            }

    def figures(self, trainer, data, config, out):
        from mathdl.autograd import no_grad

        paths = super().figures(trainer, data, config, out)
        originals = data.x_test[:32]
        trainer.model.eval()
        with no_grad():
            reconstructed = trainer.model(originals).array
        pairs = np.concatenate([originals.reshape(32, -1), reconstructed.reshape(32, -1)])
        title = "test images (top four rows) and their reconstructions (bottom four rows)"
        path = save_grid(pairs, os.path.join(out, "reconstructions.png"), title, rows=8)
        return paths + ([path] if path else [])


@recipe
class VariationalAutoencoder(Autoencoder):
    names = ("vae",)
    family = "generative (VAE)"
    options = {**Autoencoder.options, "epochs": 20}
    tiny = {"limit": 300, "epochs": 2, "batch_size": 50, "model_args": {"hidden": [16], "latent_dim": 2}}
    generates = True
    figure_names = ("curves.png", "samples.png")

    def model_defaults(self, name):
        return {}

    def finish(self, trainer, data, config):
        numbers = self.evaluate(trainer, data, config)
        return numbers, [
            f"test ELBO {numbers['test_elbo']:.2f} nats per image (reconstruction "
            f"{numbers['test_reconstruction_log_likelihood']:.2f}, KL {numbers['test_kl']:.2f})"
        ]

    def evaluate(self, trainer, data, config):
        trainer.model.eval()
        with fixed_rng(config["seed"]):  # the ELBO is a one-sample estimate
            return {f"test_{key}": value for key, value in trainer.model.evaluate(data.x_test).items()}

    def figures(self, trainer, data, config, out):
        paths = Recipe.figures(self, trainer, data, config, out)
        path = save_grid(
            trainer.model.sample(64), os.path.join(out, "samples.png"), "VAE samples, z ~ N(0, I)"
        )
        return paths + ([path] if path else [])

    def generate(self, model, config, args):
        path = generated_path(args, "generated.png")
        count = args.count or 64
        return wrote(save_grid(model.sample(count), path, f"{count} VAE samples, z ~ N(0, I)"))


GAN_LR = {"nonsaturating": 2e-4, "wgan-gp": 1e-4}
GAN_BETAS = {"nonsaturating": (0.5, 0.999), "wgan-gp": (0.0, 0.9)}


@recipe
class GenerativeAdversarial(Recipe):
    names = ("gan",)
    family = "generative (GAN)"
    options = {**IMAGE_OPTIONS, "epochs": 60, "batch_size": 64, "lr": None, "n_critic": None}
    tiny = {"limit": 256, "epochs": 2, "batch_size": 32, "model_args": {"hidden": [16, 16], "latent_dim": 4}}
    unset_text = {"lr": "2e-4; WGAN-GP 1e-4", "n_critic": "1; WGAN-GP 5"}
    monitor = None
    evaluates = False
    generates = True
    figure_names = ("curves.png", "samples.png")

    def model_defaults(self, name):
        return {"kind": "mlp"}

    def complete(self, config):
        wgan = config["model_args"].get("kind") == "wgan-gp"
        kind = "wgan-gp" if wgan else "nonsaturating"
        if config["lr"] is None:
            config["lr"] = GAN_LR[kind]
        if config["n_critic"] is None:
            config["n_critic"] = 5 if wgan else 1
        return config

    def load_data(self, config):
        config = dict(config, val_fraction=0)
        train, _, _, info = image_loaders(config, "tanh", drop_last=True)
        (x, y), (x_test, _) = load_images(config)
        return RunData(train, info=info, x_unit=x, y=y, x_test_unit=x_test)

    def training(self, config, model):
        from mathdl import optim
        from mathdl.train import Adversarial

        lr, betas = config["lr"], GAN_BETAS[model.loss_kind]
        optimizers = {
            "generator": optim.Adam(model.generator.parameters(), lr=lr, betas=betas),
            "discriminator": optim.Adam(model.discriminator.parameters(), lr=lr, betas=betas),
        }
        return optimizers, Adversarial(n_critic=config["n_critic"]), None

    def finish(self, trainer, data, config):
        from mathdl.cli.recipes.judge import gan_score

        score = gan_score(trainer.model, data.x_unit, data.y, data.x_test_unit)
        line = (
            f"GAN score: {100 * score['confident_share']:.1f}% of {score['samples']} samples classified "
            f"with confidence >= 0.5 by an MLP classifier of {config['dataset']} (which gives "
            f"{100 * score['real_confident_share']:.1f}% on real images), {score['coverage']} of 10 classes covered"
        )
        return {"gan_score": score}, [line]

    def figures(self, trainer, data, config, out):
        paths = super().figures(trainer, data, config, out)
        title = f"64 samples of the {trainer.model.loss_kind} GAN after {trainer.epoch} epochs"
        path = save_grid(trainer.model.sample(64), os.path.join(out, "samples.png"), title, scaling="tanh")
        return paths + ([path] if path else [])

    def generate(self, model, config, args):
        count = args.count or 64
        path = generated_path(args, "generated.png")
        return wrote(save_grid(model.sample(count), path, f"{count} GAN samples", scaling="tanh"))


@recipe
class RestrictedBoltzmannMachine(Recipe):
    names = ("rbm",)
    family = "generative (RBM)"
    options = {**IMAGE_OPTIONS, "epochs": 10, "batch_size": 10, "lr": 0.1, "momentum": 0.0, "val_fraction": 0}
    tiny = {"limit": 200, "epochs": 2, "batch_size": 20, "model_args": {"n_hidden": 16}}
    monitor = "val_reconstruction_error"
    generates = True
    figure_names = ("curves.png", "samples.png")

    def load_data(self, config):
        from mathdl.data import DataLoader, TensorDataset

        train, val, x_test, info = image_loaders(config, "binary")
        x_test = x_test.reshape(len(x_test), -1)[:1000]
        return RunData(
            train, val, DataLoader(TensorDataset(x_test), batch_size=500), info=info, x_test=x_test
        )

    def training(self, config, model):
        from mathdl import optim
        from mathdl.train import ContrastiveDivergence

        optimizer = optim.SGD(model.parameters(), lr=config["lr"], momentum=config["momentum"])
        return optimizer, ContrastiveDivergence(persistent=True), None

    def evaluate(self, trainer, data, config):
        model = trainer.model
        return {
            "test_pseudo_likelihood": float(model.pseudo_likelihood(data.x_test, exact=True).mean()),
            "test_reconstruction_error": model.reconstruction_error(data.x_test),
        }

    def finish(self, trainer, data, config):
        numbers = self.evaluate(trainer, data, config)
        return numbers, [
            f"test pseudo-likelihood {numbers['test_pseudo_likelihood']:.1f} nats per image (exact, "
            f"{len(data.x_test)} images), reconstruction error {numbers['test_reconstruction_error']:.4f}"
        ]

    def figures(self, trainer, data, config, out):
        paths = super().figures(trainer, data, config, out)
        title = "mean-field p(v|h) after 200 Gibbs sweeps from random images"
        path = save_grid(trainer.model.sample(64, n_steps=200), os.path.join(out, "samples.png"), title)
        return paths + ([path] if path else [])

    def generate(self, model, config, args):
        count = args.count or 64
        path = generated_path(args, "generated.png")
        title = f"{count} RBM chains after 1000 Gibbs sweeps"
        return wrote(save_grid(model.sample(count, n_steps=1000), path, title))
