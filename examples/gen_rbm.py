"""A Bernoulli RBM on binarised Fashion-MNIST through ``mathdl train``, beside scikit-learn's.

    python examples/gen_rbm.py [OUTPUT_DIR] [--epochs 10] [--hidden 256] [--full] [--no-sklearn]

Runs ``mathdl train --model rbm`` (PCD-1 through the Trainer's contrastive-divergence step, SGD
learning rate 0.1, batches of 10, pixels binarised at 0.5) into OUTPUT_DIR/rbm-<UTC time>/ (default
examples/output/rbm/): curves.png (reconstruction error per epoch), samples.png (Gibbs chains) and
metrics.json with the exact pseudo-likelihood Σᵢ log p(vᵢ | v₋ᵢ) of 1,000 test images (nats). Then
trains scikit-learn's BernoulliRBM with the same settings on the same images (optional) and
scores it with the same exact pseudo-likelihood, and draws the first 64 hidden units' weights
(filters.png).
"""

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from mathdl import models  # noqa: E402
from mathdl.cli import main as mathdl  # noqa: E402
from mathdl.data import load_dataset  # noqa: E402
from mathdl.data.pixels import scale_images  # noqa: E402
from mathdl.train import image_grid, load_checkpoint, plot_image_grid  # noqa: E402


def sklearn_twin(x, x_test, hidden, epochs):
    """scikit-learn's BernoulliRBM trained like ours, its weights in our class for scoring."""
    from sklearn.neural_network import BernoulliRBM

    start = time.perf_counter()
    reference = BernoulliRBM(
        n_components=hidden, learning_rate=0.1, batch_size=10, n_iter=epochs, random_state=0
    )
    reference.fit(x)
    seconds = time.perf_counter() - start
    twin = models.build("rbm", n_hidden=hidden)
    twin.load_state_dict(
        {
            "weight": reference.components_,
            "visible_bias": reference.intercept_visible_,
            "hidden_bias": reference.intercept_hidden_,
        }
    )
    return {
        "seconds": seconds,
        "test_pseudo_likelihood": float(twin.pseudo_likelihood(x_test, exact=True).mean()),
        "test_reconstruction_error": twin.reconstruction_error(x_test),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output", "rbm"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--full", action="store_true", help="the full 60,000 images (downloads once)")
    parser.add_argument("--no-sklearn", action="store_true")
    args = parser.parse_args(argv)
    out = os.path.join(args.output, f"rbm-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}")
    dataset = "fashion-mnist" if args.full else "fashion-mnist-subset"
    argv = ["train", "--model", "rbm", "--epochs", str(args.epochs), "--model-arg", f"n_hidden={args.hidden}"]
    code = mathdl(argv + ["--dataset", dataset, "--out", out])
    if code != 0:
        return code
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
        metrics = json.load(handle)
    checkpoint = load_checkpoint(os.path.join(out, "checkpoint.npz"))
    weights = np.asarray(checkpoint["model"]["weight"])[:64]
    limit = np.abs(weights).max()
    path = plot_image_grid(
        image_grid(weights.reshape(-1, 28, 28)),
        os.path.join(out, "filters.png"),
        f"weights of hidden units 0-{len(weights) - 1} (black −, white +)",
        vmin=-limit,
        vmax=limit,
    )
    if path:
        print(f"wrote {path}")
    if not args.no_sklearn:
        (x, _), (x_test, _) = load_dataset(dataset)
        x, x_test = scale_images(x, "binary", flat=True), scale_images(x_test[:1000], "binary", flat=True)
        theirs = sklearn_twin(x.astype(np.float64), x_test, args.hidden, args.epochs)
        print(
            f"mathdl:       test pseudo-likelihood {metrics['test_pseudo_likelihood']:.1f} nats, reconstruction "
            f"error {metrics['test_reconstruction_error']:.4f}, {metrics['seconds']:.0f} s\n"
            f"scikit-learn: test pseudo-likelihood {theirs['test_pseudo_likelihood']:.1f} nats, reconstruction "
            f"error {theirs['test_reconstruction_error']:.4f}, {theirs['seconds']:.0f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
