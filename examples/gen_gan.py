"""GANs on Fashion-MNIST, judged by a Fashion-MNIST classifier.

    python examples/gen_gan.py [output_folder] [--kind mlp|dcgan|wgan-gp|all] [--epochs 20] [--subset]

Trains the chosen GANs (non-saturating MLP GAN, DCGAN-style convolutional GAN, WGAN-GP with MLP
generator and critic), saving a grid of 64 samples from a fixed noise batch after every epoch
(``gen_gan_<kind>_epoch<k>.png``). A separate MLP classifier trained on the real training images
(its test accuracy is reported) then labels 2,000 generated images: the class distribution of its
labels (uniform 0.1 each for a generator that covers every class), its mean confidence max_y p(y|x),
and exp(E KL(p(y|x) ‖ p(y))) (10 at best). Results go to ``gen_gan_results.json`` (with one
``--kind``: ``gen_gan_results_<kind>.json``).
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl.autograd.tensor import Tensor
from mathdl.data import FASHION_MNIST_CLASSES
from mathdl.models import gan
from mathdl.models.autoencoder import load_fashion_images


def save_grid(path, images, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(gan.image_grid(np.asarray(images).reshape(-1, 28, 28), padding=2), cmap="gray", vmin=-1, vmax=1)
    ax.set_title(title)
    ax.axis("off")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--kind", choices=["mlp", "dcgan", "wgan-gp", "all"], default="all")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--dcgan-epochs", type=int, default=None, help="default: --epochs")
    parser.add_argument("--subset", action="store_true")
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    full = not args.subset
    (x, y), (x_test, y_test) = load_fashion_images(full)
    md.manual_seed(123)
    judge = gan.fashion_classifier(gan.to_tanh_range(x), y, epochs=5)
    accuracy = float(
        (gan.class_probabilities(judge, gan.to_tanh_range(x_test)).argmax(axis=1) == y_test).mean()
    )
    print(f"judge classifier test accuracy {accuracy:.4f}", flush=True)
    results = {"judge_test_accuracy": accuracy, "classes": list(FASHION_MNIST_CLASSES)}
    real = judge_real = gan.judge_samples(gan.class_probabilities(judge, gan.to_tanh_range(x_test)))
    results["real_test_images"] = {k: np.asarray(v).tolist() for k, v in judge_real.items()}
    print(f"real test images: mean confidence {real['mean_confidence']:.3f}, score {real['score']:.2f}")
    kinds = ["mlp", "wgan-gp", "dcgan"] if args.kind == "all" else [args.kind]
    for kind in kinds:
        fixed_noise = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)
        epochs = args.dcgan_epochs if (kind == "dcgan" and args.dcgan_epochs) else args.epochs

        def callback(epoch, generator, discriminator, history, kind=kind, fixed_noise=fixed_noise):
            generator.eval()
            with md.no_grad():
                images = generator(Tensor(fixed_noise)).array
            generator.train()
            save_grid(
                os.path.join(args.output, f"gen_gan_{kind}_epoch{epoch + 1:02d}.png"),
                images,
                f"{kind}, epoch {epoch + 1}",
            )
            extra = f" W-estimate {history['wasserstein'][-1]:.3f}" if history["wasserstein"] else ""
            print(
                f"  {kind} epoch {epoch + 1}: d_loss {history['d_loss'][-1]:.3f} g_loss "
                f"{history['g_loss'][-1]:.3f}{extra} ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )

        start = time.perf_counter()
        generator, _, history = gan.train_on_fashion_mnist(kind, epochs=epochs, full=full, callback=callback)
        judged = gan.judge_samples(gan.class_probabilities(judge, gan.sample(generator, 2000)))
        results[kind] = {
            "history": history,
            "seconds": time.perf_counter() - start,
            "epochs": epochs,
            **{k: np.asarray(v).tolist() for k, v in judged.items()},
        }
        distribution = ", ".join(
            f"{name} {p:.2f}" for name, p in zip(FASHION_MNIST_CLASSES, judged["class_distribution"])
        )
        print(
            f"{kind}: mean confidence {judged['mean_confidence']:.3f}, score {judged['score']:.2f}; "
            f"classes: {distribution}",
            flush=True,
        )
        name = "gen_gan_results.json" if args.kind == "all" else f"gen_gan_results_{args.kind}.json"
        with open(os.path.join(args.output, name), "w") as handle:
            json.dump(results, handle, indent=1, default=float)


if __name__ == "__main__":
    main()
