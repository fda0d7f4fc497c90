"""The wall time and result of every model's default ``mathdl train`` run, one at a time.

    python benchmarks/default_runs.py [MODEL ...] [--out FOLDER]

Runs ``nice -n 10 python -m mathdl.cli train --model MODEL --out FOLDER/MODEL --verbose 2`` for each
model (default: every trainable model) sequentially with one BLAS thread, and prints a Markdown
table: wall time, the machine's load average before the run (``os.getloadavg``, since the machine
may be shared), and the run's headline number from its metrics.json. The rows are appended to
FOLDER/default_runs.md as they finish. A FOLDER/MODEL that already holds a run is skipped.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from mathdl.cli.recipes import trainable

ORDER = [
    "mlp",
    "softmax",
    "ae",
    "vae",
    "rbm",
    "gan",
    "lenet",
    "lenet5",
    "cnn",
    "seq2seq-attention",
    "seq2seq-transformer",
    "char-gru",
    "char-lstm",
    "char-rnn",
    "char-transformer",
]


def headline(metrics):
    """The number a run is judged by, from its metrics.json."""
    if "test" in metrics:
        return f"test accuracy {metrics['test']['accuracy']:.4f}"
    if "gan_score" in metrics:
        score = metrics["gan_score"]
        return (
            f"{100 * score['confident_share']:.1f}% of samples confidently classified (real images "
            f"{100 * score['real_confident_share']:.1f}%), {score['coverage']}/10 classes"
        )
    if "test_elbo" in metrics:
        return f"test ELBO {metrics['test_elbo']:.1f} nats"
    if "test_reconstruction_mse" in metrics:
        return f"test reconstruction MSE {metrics['test_reconstruction_mse']:.4f}"
    if "test_pseudo_likelihood" in metrics:
        return f"test pseudo-likelihood {metrics['test_pseudo_likelihood']:.1f} nats"
    if "val_perplexity" in metrics:
        return f"validation perplexity {metrics['val_perplexity']:.2f}"
    if "test_exact_match" in metrics:
        return f"exact match {metrics['test_exact_match']:.4f} on unseen days"
    return json.dumps({k: v for k, v in metrics.items() if isinstance(v, float)})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", default=None)
    parser.add_argument("--out", default=os.path.join("benchmarks", "output", "default_runs"))
    args = parser.parse_args(argv)
    models = args.models or [m for m in ORDER if m in trainable()] + [
        m for m in trainable() if m not in ORDER
    ]
    os.makedirs(args.out, exist_ok=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    print("| model | wall time | load before | result |\n|---|---|---|---|", flush=True)
    for model in models:
        out = os.path.join(args.out, model)
        if os.path.exists(out):
            print(f"| {model} | (skipped: {out} exists) | | |", flush=True)
            continue
        load = os.getloadavg()[0]
        start = time.perf_counter()
        command = ["nice", "-n", "10", sys.executable, "-m", "mathdl.cli", "train", "--model", model]
        with open(out + ".log", "w", encoding="utf-8") as log:
            code = subprocess.call(
                command + ["--out", out, "--verbose", "2"], env=env, stdout=log, stderr=log
            )
        seconds = time.perf_counter() - start
        result = f"exit code {code}"
        if code == 0:
            with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
                result = headline(json.load(handle))
        row = f"| {model} | {seconds:.0f} s | {load:.1f} | {result} |"
        print(row, flush=True)
        with open(os.path.join(args.out, "default_runs.md"), "a", encoding="utf-8") as handle:
            handle.write(row + "\n")


if __name__ == "__main__":
    main()
