"""A Bernoulli RBM on binarised Fashion-MNIST beside scikit-learn's BernoulliRBM.

    python examples/gen_rbm.py [output_folder] [--epochs 10] [--hidden 256] [--subset] [--no-sklearn]

Both are trained with persistent contrastive divergence (PCD-1), learning rate 0.1, batches of 10,
on the same binarised images (pixel > 0.5). Reports the exact pseudo-likelihood Σᵢ log p(vᵢ | v₋ᵢ)
of 1,000 test images (nats), the reconstruction error and the training time, and writes
``gen_rbm_filters.png`` (the first 64 hidden units' weights), ``gen_rbm_samples.png`` (Gibbs chains
after 1,000 sweeps) and ``gen_rbm_results.json`` to the output folder (default examples/output/).
"""

import argparse
import json
import os

import numpy as np

from mathdl.models.gan import image_grid
from mathdl.models.rbm import train_on_fashion_mnist


def save_grid(path, images, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figure written")
        return
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(image_grid(np.asarray(images).reshape(-1, 28, 28)), cmap="gray")
    ax.set_title(title)
    ax.axis("off")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--subset", action="store_true")
    parser.add_argument("--no-sklearn", action="store_true")
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    rbm, metrics = train_on_fashion_mnist(
        epochs=args.epochs,
        full=not args.subset,
        n_hidden=args.hidden,
        compare_sklearn=not args.no_sklearn,
        callback=lambda e, r, h: print(
            f"  epoch {e + 1}: pseudo-likelihood {h['pseudo_likelihood'][-1]:.1f}, "
            f"reconstruction error {h['reconstruction_error'][-1]:.4f}",
            flush=True,
        ),
    )
    print(
        f"mathdl RBM: test pseudo-likelihood {metrics['test_pseudo_likelihood']:.1f} nats, reconstruction "
        f"error {metrics['test_reconstruction_error']:.4f}, {metrics['seconds']:.0f} s"
    )
    if "sklearn_test_pseudo_likelihood" in metrics:
        print(
            f"scikit-learn:  test pseudo-likelihood {metrics['sklearn_test_pseudo_likelihood']:.1f} nats "
            f"(its own stochastic score_samples: {metrics['sklearn_score_samples_mean']:.1f}), reconstruction "
            f"error {metrics['sklearn_test_reconstruction_error']:.4f}, {metrics['sklearn_seconds']:.0f} s"
        )
    save_grid(
        os.path.join(args.output, "gen_rbm_filters.png"), rbm.weight[:64], "RBM filters (hidden units 0-63)"
    )
    save_grid(
        os.path.join(args.output, "gen_rbm_samples.png"),
        rbm.sample(64, n_steps=1000),
        "Gibbs samples after 1000 sweeps",
    )
    with open(os.path.join(args.output, "gen_rbm_results.json"), "w") as handle:
        json.dump(metrics, handle, indent=1, default=float)


if __name__ == "__main__":
    main()
