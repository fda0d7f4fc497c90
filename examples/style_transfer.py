"""Neural style transfer (Gatys et al. 2016) with two feature networks that need no download: random
multi-scale filters, and the same network trained by mathdl to classify patches of the training
photographs. Which one gives the lower style loss at equal content loss?

    OPENBLAS_NUM_THREADS=1 python examples/style_transfer.py [output_folder] [--size 128]
        [--steps 150] [--alphas 0.3 1 3 10] [--classifier-epochs 6] [--seed 0]

1. Trains ``photo-patch-cnn`` (``mathdl.models.style_features.PatchClassifier``) with
   ``mathdl.train.Trainer`` on 32 × 32 RGB patches of the twelve training photographs (which
   photograph is this patch from?), validation accuracy on other patches; saves its checkpoint.
2. For each network and content weight α, stylises the held-out astronaut with the brick texture
   (L-BFGS from ``mathdl.optimize``), and scores every result with BOTH networks' losses (the
   relative Gram error of ``StyleObjective``, a network's own style loss is not comparable with
   another's) and by SSIM against the content image (a network-free measure of content kept).
3. Runs Adam against L-BFGS on the same objective (loss against evaluations and seconds).

Writes ``style_transfer.json`` and the figures ``style_transfer_results.png`` (pictures),
``style_transfer_tradeoff.png`` (style against content loss) and ``style_transfer_optimizers.png``
to the output folder (default examples/output/).
"""

import argparse
import json
import os
import time

import numpy as np

import mathdl as md
from mathdl import models, optim
from mathdl.data import DataLoader, TensorDataset, labelled_patches, load_photograph, load_photographs
from mathdl.models.style_features import RandomFeatures
from mathdl.train import Trainer, save_checkpoint
from mathdl.train.history import write_text_atomic
from mathdl.vision.metrics import ssim
from mathdl.vision.style_transfer import StyleObjective, resize_to, stylize

CONTENT, STYLES = "astronaut", ("brick", "immunohistochemistry")


def train_classifier(args):
    """The photograph-patch classifier; returns (model, record)."""
    md.manual_seed(args.seed)
    images = load_photographs("train", mode="rgb")
    x_train, y_train = labelled_patches(images, 32, 500, seed=args.seed)
    x_val, y_val = labelled_patches(images, 32, 50, seed=args.seed + 100)
    model = models.build("photo-patch-cnn", num_classes=len(images))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=2e-3), loss_fn=model.loss, verbose=2)
    start, load = time.perf_counter(), os.getloadavg()[0]
    trainer.fit(
        DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True),
        epochs=args.classifier_epochs,
        val_data=DataLoader(TensorDataset(x_val, y_val), batch_size=256),
    )
    folder = os.path.join(args.output, "photo-patch-cnn")
    os.makedirs(folder, exist_ok=True)
    save_checkpoint(os.path.join(folder, "checkpoint.npz"), model, epoch=trainer.epoch, config=trainer.config)
    last = trainer.history.last()
    record = {
        "seconds": time.perf_counter() - start,
        "load_average_1min": load,
        "val_accuracy": last["val_accuracy"],
    }
    print(
        f"classifier: validation accuracy {last['val_accuracy']:.3f} (12 photographs, chance 0.083) "
        f"in {record['seconds']:.0f} s",
        flush=True,
    )
    return model, record


def judge(objectives, image, content):
    """The result scored by every network's objective, and SSIM against the content image."""
    scores = {
        name: {k: v for k, v in objective.report(image).items()} for name, objective in objectives.items()
    }
    scores["ssim_to_content"] = float(
        ssim(np.moveaxis(content, 0, -1), np.moveaxis(image, 0, -1), data_range=1.0, channel_axis=-1)
    )
    return scores


def sweep(nets, content, style, args):
    """Stylise for every (network, α); each result judged by all networks."""
    judges = {name: StyleObjective(net, content, style, 1.0, args.tv) for name, net in nets.items()}
    runs = []
    for name, net in nets.items():
        for alpha in args.alphas:
            start = time.perf_counter()
            result = stylize(content, style, net, steps=args.steps, content_weight=alpha, tv_weight=args.tv)
            seconds = time.perf_counter() - start
            scores = judge(judges, result.image, content)
            runs.append(
                {
                    "net": name,
                    "alpha": alpha,
                    "seconds": seconds,
                    "evaluations": len(result.curve),
                    "message": result.message,
                    "scores": scores,
                    "image": result.image,
                }
            )
            print(
                f"{name:>8} α={alpha:<5g} own style {scores[name]['style']:.4f} content {scores[name]['content']:.3f} "
                f"| SSIM {scores['ssim_to_content']:.3f} | {seconds:.0f} s",
                flush=True,
            )
    return runs


def optimizer_comparison(net, content, style, args):
    curves = {}
    for method in ("lbfgs", "adam"):
        steps = args.steps if method == "lbfgs" else 2 * args.steps
        result = stylize(
            content, style, net, method=method, steps=steps, content_weight=1.0, tv_weight=args.tv, lr=0.02
        )
        curves[method] = {"curve": result.curve, "losses": result.losses}
        print(
            f"{method}: loss {result.losses['total']:.4f} after {len(result.curve)} evaluations, "
            f"{result.curve[-1][1]:.0f} s",
            flush=True,
        )
    return curves


def _show(axis, image, title):
    axis.imshow(np.clip(np.moveaxis(image, 0, -1), 0, 1), interpolation="nearest")
    axis.set_title(title, fontsize=8)
    axis.axis("off")


def results_figure(content, styles, runs, alphas, path):
    import matplotlib.pyplot as plt

    nets = list(dict.fromkeys(run["net"] for run in runs))
    rows = [(style, net) for style in styles for net in nets]
    figure, axes = plt.subplots(
        len(rows), len(alphas) + 1, figsize=(2.1 * (len(alphas) + 1), 2.25 * len(rows))
    )
    for r, (style, net) in enumerate(rows):
        _show(
            axes[r, 0],
            styles[style] if r % len(nets) else content,
            "content" if r % len(nets) == 0 else f"style: {style}",
        )
        for c, alpha in enumerate(alphas, 1):
            run = next(x for x in runs if x["style"] == style and x["net"] == net and x["alpha"] == alpha)
            _show(
                axes[r, c], run["image"], f"{net}, α={alpha:g}\nSSIM {run['scores']['ssim_to_content']:.2f}"
            )
    figure.suptitle(
        "Gatys style transfer, L-BFGS: random vs trained feature network (rows), content weight α"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def tradeoff_figure(runs, styles, path):
    import matplotlib.pyplot as plt

    nets = list(dict.fromkeys(run["net"] for run in runs))
    figure, axes = plt.subplots(
        len(styles), len(nets) + 1, figsize=(4.2 * (len(nets) + 1), 3.4 * len(styles)), squeeze=False
    )
    for r, style in enumerate(styles):
        for made_by in nets:
            mine = [x for x in runs if x["style"] == style and x["net"] == made_by]
            for c, judge_net in enumerate(nets):
                axes[r, c].plot(
                    [x["scores"]["ssim_to_content"] for x in mine],
                    [x["scores"][judge_net]["style"] for x in mine],
                    "o-",
                    label=f"made with {made_by}",
                )
                axes[r, c].set_title(f"{style}: style loss judged by the {judge_net} net", fontsize=9)
                axes[r, c].set_xlabel("SSIM to the content image")
            axes[r, -1].plot(
                [x["scores"][made_by]["content"] for x in mine],
                [x["scores"][made_by]["style"] for x in mine],
                "o-",
                label=made_by,
            )
            axes[r, -1].set_title(f"{style}: each net's own losses", fontsize=9)
            axes[r, -1].set_xlabel("relative content loss")
        for axis in axes[r]:
            axis.set_yscale("log")
            axis.set_ylabel("relative style loss")
            axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def optimizers_figure(curves, path):
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for method, data in curves.items():
        curve = np.asarray(data["curve"])
        best = np.minimum.accumulate(curve[:, 2])
        axes[0].semilogy(curve[:, 0], best, label=method)
        axes[1].semilogy(curve[:, 1], best, label=method)
    axes[0].set_xlabel("objective evaluations")
    axes[1].set_xlabel("seconds")
    for axis in axes:
        axis.set_ylabel("lowest loss so far")
        axis.legend()
    figure.suptitle("Style transfer objective (random net, α = 1): L-BFGS vs Adam (lr 0.02)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--size", type=int, default=128, help="longer side of the images")
    parser.add_argument("--steps", type=int, default=150, help="L-BFGS iterations")
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.3, 1.0, 3.0, 10.0])
    parser.add_argument("--tv", type=float, default=10.0, help="total-variation weight γ")
    parser.add_argument("--classifier-epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    os.makedirs(args.output, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    classifier, classifier_record = train_classifier(args)
    nets = {"random": RandomFeatures(seed=args.seed).double(), "trained": classifier.double()}
    content = resize_to(load_photograph(CONTENT).astype(np.float64), args.size)
    styles = {name: resize_to(load_photograph(name).astype(np.float64), args.size) for name in STYLES}
    runs = []
    for style_name, style in styles.items():
        print(f"\n== {CONTENT} in the style of {style_name}", flush=True)
        for run in sweep(nets, content, style, args):
            runs.append(dict(run, style=style_name))
    print("\n== optimisers", flush=True)
    curves = optimizer_comparison(nets["random"], content, styles[STYLES[0]], args)
    paths = [
        os.path.join(args.output, f"style_transfer_{n}.png") for n in ("results", "tradeoff", "optimizers")
    ]
    results_figure(content, styles, runs, args.alphas, paths[0])
    tradeoff_figure(runs, list(styles), paths[1])
    optimizers_figure(curves, paths[2])
    record = {
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
        "classifier": classifier_record,
        "runs": [{k: v for k, v in run.items() if k != "image"} for run in runs],
        "optimizers": {
            m: {"losses": c["losses"], "evaluations": len(c["curve"]), "seconds": c["curve"][-1][1]}
            for m, c in curves.items()
        },
    }
    paths.append(os.path.join(args.output, "style_transfer.json"))
    write_text_atomic(paths[-1], json.dumps(record, indent=1))
    for path in paths:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
