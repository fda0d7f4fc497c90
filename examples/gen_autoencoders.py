"""Autoencoders and a VAE on Fashion-MNIST: reconstruction error and ELBO on the test set.

    python examples/gen_autoencoders.py [output_folder] [--epochs 10] [--conv-epochs 3] [--subset]

Trains a dense autoencoder (784-256-32), a convolutional one (two stride-2 convolutions, 32-number
code), a denoising one (Gaussian noise σ = 0.3) and a VAE (784-512-16, Bernoulli decoder), then
writes to the output folder (default examples/output/):

- ``gen_ae_reconstructions.png``: test images and each model's reconstruction (the denoising row
  shows noisy inputs and their cleaned reconstructions);
- ``gen_vae_samples.png``: images decoded from z ~ N(0, I);
- ``gen_autoencoders_results.json``: per-epoch losses, the test reconstruction MSE per pixel of
  each model, and the VAE's test ELBO with its reconstruction and KL terms (nats per image).

``--subset`` uses the 6,000/1,000-image subset shipped with mathdl (offline, about a minute).
"""

import argparse
import json
import os
import time

import numpy as np

from mathdl.models import autoencoder, vae
from mathdl.models.gan import image_grid


def save_rows(path, rows, labels):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figure written")
        return
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 1.2 * len(rows)))
    for ax, row, label in zip(axes, rows, labels):
        ax.imshow(image_grid(np.asarray(row).reshape(-1, 28, 28), rows=1), cmap="gray", vmin=0, vmax=1)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--conv-epochs", type=int, default=3)
    parser.add_argument("--subset", action="store_true")
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    full = not args.subset
    results, models = {}, {}
    for kind, epochs in (("dense", args.epochs), ("conv", args.conv_epochs), ("denoising", args.epochs)):
        start = time.perf_counter()
        model, metrics = autoencoder.train_on_fashion_mnist(
            kind,
            epochs=epochs,
            full=full,
            callback=lambda e, m, h: print(
                f"  {kind} epoch {e + 1}: loss {h['loss'][-1]:.4f} val {h['val_loss'][-1]:.4f}", flush=True
            ),
        )
        metrics["seconds"] = time.perf_counter() - start
        results[kind], models[kind] = metrics, model
        print(
            f"{kind} autoencoder: test reconstruction MSE/pixel {metrics['test_reconstruction_mse']:.4f}"
            f" ({metrics['seconds']:.0f} s)",
            flush=True,
        )
        if kind == "denoising":
            print(
                f"  noisy inputs MSE {metrics['test_noisy_input_mse']:.4f} -> denoised "
                f"{metrics['test_denoised_mse']:.4f}"
            )
    start = time.perf_counter()
    vae_model, vae_metrics = vae.train_on_fashion_mnist(
        epochs=args.epochs,
        full=full,
        callback=lambda e, m, h: print(
            f"  vae epoch {e + 1}: -ELBO {h['loss'][-1]:.1f} val {h['val_loss'][-1]:.1f}", flush=True
        ),
    )
    vae_metrics["seconds"] = time.perf_counter() - start
    results["vae"] = vae_metrics
    print(
        f"VAE: test ELBO {vae_metrics['test_elbo']:.1f} nats/image (reconstruction "
        f"{vae_metrics['test_reconstruction_log_likelihood']:.1f}, KL {vae_metrics['test_kl']:.1f}); "
        f"reconstruction MSE/pixel {vae_metrics['test_reconstruction_mse']:.4f}"
    )

    (_, _), (x_test, _) = autoencoder.load_fashion_images(full)
    originals = x_test[:12].reshape(12, -1)
    noisy = autoencoder.corrupt(originals, "gaussian", 0.3)
    rows = [
        originals,
        models["dense"](originals).array,
        models["conv"](originals).array.reshape(12, -1),
        noisy,
        models["denoising"](noisy).array,
        vae_model(originals).array,
    ]
    save_rows(
        os.path.join(args.output, "gen_ae_reconstructions.png"),
        rows,
        ["test", "dense AE", "conv AE", "noisy", "denoising AE", "VAE"],
    )
    save_rows(
        os.path.join(args.output, "gen_vae_samples.png"),
        [vae_model.sample(12), vae_model.sample(12)],
        ["VAE", "samples"],
    )
    with open(os.path.join(args.output, "gen_autoencoders_results.json"), "w") as handle:
        json.dump(results, handle, indent=1, default=float)


if __name__ == "__main__":
    main()
