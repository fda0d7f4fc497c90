"""GANs on Fashion-MNIST through ``mathdl train``, each judged by a Fashion-MNIST classifier.

    python examples/gen_gan.py [OUTPUT_DIR] [--kind mlp|dcgan|wgan-gp|all] [--epochs 60] [--full]

For each kind (non-saturating MLP GAN, DCGAN-style convolutional GAN, WGAN-GP with MLP generator
and critic) this runs ``mathdl train --model gan --model-arg kind=KIND`` into
OUTPUT_DIR/gan-KIND-<UTC time>/ (default examples/output/gan/): two Adam optimisers through the
Trainer's adversarial step (n_critic = 5 critic steps per generator step for WGAN-GP), a
checkpoint per epoch, curves.png and samples.png. At the end of each run an MLP classifier
trained on the real images labels 1,000 samples: the score is the share it classifies with
confidence >= 0.5 (real test images: about 0.9) and how many of the ten classes those cover.
Without ``--full`` the shipped 6,000-image subset is used (the default run: about two minutes).
"""

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mathdl.cli import main as mathdl  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output", "gan"))
    parser.add_argument("--kind", choices=["mlp", "dcgan", "wgan-gp", "all"], default="mlp")
    parser.add_argument("--epochs", type=int, default=None, help="default: the model's (60)")
    parser.add_argument("--full", action="store_true", help="the full 60,000 images (downloads once)")
    args = parser.parse_args(argv)
    kinds = ["mlp", "wgan-gp", "dcgan"] if args.kind == "all" else [args.kind]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    rows = []
    for kind in kinds:
        out = os.path.join(args.output, f"gan-{kind}-{stamp}")
        argv = ["train", "--model", "gan", "--model-arg", f"kind={kind}", "--out", out]
        if args.epochs:
            argv += ["--epochs", str(args.epochs)]
        if args.full:
            argv += ["--dataset", "fashion-mnist"]
        if mathdl(argv) != 0:
            continue
        with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
            metrics = json.load(handle)
        score = metrics["gan_score"]
        rows.append(
            (kind, metrics["epochs"], score["confident_share"], score["coverage"], metrics["seconds"])
        )
    print("\nkind      epochs  confident >= 0.5  classes covered  seconds")
    for kind, epochs, share, coverage, seconds in rows:
        print(f"{kind:9s} {epochs:6d}  {share:16.3f}  {coverage:15d}  {seconds:7.0f}")


if __name__ == "__main__":
    main()
