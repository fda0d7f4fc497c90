"""Autoencoders and a VAE on Fashion-MNIST through ``mathdl train``: reconstruction error and ELBO.

    python examples/gen_autoencoders.py [OUTPUT_DIR] [--epochs 10] [--full]

Trains a dense autoencoder (784-256-32), a convolutional one (two stride-2 convolutions, 32-number
code), a denoising one (Gaussian noise σ = 0.3) and a VAE (784-512-16, Bernoulli decoder), each
with ``mathdl train --model ae|vae`` into OUTPUT_DIR/<name>-<UTC time>/ (default
examples/output/autoencoders/): curves.png, reconstructions.png (autoencoders: test images above,
reconstructions below) or samples.png (the VAE: decoded from z ~ N(0, I)), metrics.json with the
test reconstruction MSE per pixel and the VAE's test ELBO with its two terms (nats per image).
Without ``--full`` the shipped 6,000-image subset is used.
"""

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mathdl.cli import main as mathdl  # noqa: E402

MODELS = {
    "dense-ae": ["--model", "ae", "--model-arg", "kind=dense"],
    "conv-ae": ["--model", "ae", "--model-arg", "kind=conv"],
    "denoising-ae": ["--model", "ae", "--model-arg", "kind=denoising"],
    "vae": ["--model", "vae"],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output", "autoencoders"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--full", action="store_true", help="the full 60,000 images (downloads once)")
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    results = {}
    for name, model in MODELS.items():
        out = os.path.join(args.output, f"{name}-{stamp}")
        argv = ["train", *model, "--epochs", str(args.epochs), "--out", out]
        if args.full:
            argv += ["--dataset", "fashion-mnist"]
        if mathdl(argv) == 0:
            with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
                results[name] = json.load(handle)
    print("\nmodel          test reconstruction MSE / pixel   other")
    for name, metrics in results.items():
        mse = metrics["test_reconstruction_mse"]
        other = f"ELBO {metrics['test_elbo']:.1f} nats" if "test_elbo" in metrics else ""
        print(f"{name:14s} {mse:.4f}                            {other}")


if __name__ == "__main__":
    main()
