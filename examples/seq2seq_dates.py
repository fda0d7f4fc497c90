"""Sequence to sequence with attention: translate written dates into ISO 8601.

    python examples/seq2seq_dates.py [OUTPUT_DIR] [--epochs 5] [--train-size 20000]
                                     [--model seq2seq-attention|seq2seq-transformer]

Runs ``mathdl train --model seq2seq-attention`` (bidirectional GRU encoder, GRU decoder, attention;
teacher forcing through the Trainer) on generated pairs such as "Tuesday, March 3, 1998" →
"1998-03-03" into OUTPUT_DIR/<model>-<UTC time>/ (default examples/output/seq2seq_dates/). A tenth of
all days between 1950 and 2049 is held out: validation and the 2,000 test dates are days that never
occur in training, in any style, so the exact match it reports is generalisation, not recall. Adds
attention.png (which source characters each output character reads) for the attention model.
"""

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mathdl import models  # noqa: E402
from mathdl.cli import main as mathdl  # noqa: E402
from mathdl.data.dates import DateCodec  # noqa: E402
from mathdl.train import load_checkpoint  # noqa: E402
from mathdl.train.plots import _pyplot, _save  # noqa: E402

EXAMPLES = ["Tuesday, March 3, 1998", "3rd of march 2001", "17.11.1989", "1969 July 20"]


def plot_attention(model, path):
    """Attention weights of two examples: rows are output characters, columns source characters."""
    plt = _pyplot()
    if plt is None:
        return None
    codec = DateCodec()
    source, mask = codec.encode_sources(EXAMPLES)
    ids, attention = model.greedy_decode(source, mask)
    outputs = codec.decode_targets(ids)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for k, axis in enumerate(axes):
        length = int(mask[k].sum())
        image = axis.imshow(attention[k, :, :length], cmap="viridis", aspect="auto", vmin=0, vmax=1)
        axis.set_xticks(range(length), list(EXAMPLES[k]), fontsize=8)
        axis.set_yticks(range(10), list(outputs[k]))
        axis.set_xlabel("source character")
        axis.set_ylabel("output character")
        axis.set_title(f"{EXAMPLES[k]!r} → {outputs[k]}")
    figure.colorbar(image, ax=axes, fraction=0.03, label="attention weight")
    figure.suptitle("Attention: which source characters each output character reads", y=1.03)
    return _save(figure, path, plt)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output_dir", nargs="?", default=os.path.join("examples", "output", "seq2seq_dates"))
    parser.add_argument("--epochs", type=int, default=None, help="default: the model's (5)")
    parser.add_argument("--train-size", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--model", default="seq2seq-attention", choices=["seq2seq-attention", "seq2seq-transformer"]
    )
    args = parser.parse_args(argv)
    out = os.path.join(args.output_dir, f"{args.model}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}")
    argv = ["train", "--model", args.model, "--train-size", str(args.train_size), "--seed", str(args.seed)]
    argv += ["--out", out] + (["--epochs", str(args.epochs)] if args.epochs else [])
    code = mathdl(argv)
    if code != 0:
        return code
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
        metrics = json.load(handle)
    print(f"exact match on unseen days {metrics['test_exact_match']:.4f}, BLEU {metrics['test_bleu']:.4f}")
    checkpoint = load_checkpoint(os.path.join(out, "checkpoint.npz"))
    model = models.from_config(checkpoint["config"]["model"])
    model.load_state_dict(checkpoint["model"])
    model.eval()
    codec = DateCodec()
    source, mask = codec.encode_sources(EXAMPLES)
    for text, iso in zip(EXAMPLES, codec.decode_targets(model.greedy_decode(source, mask)[0])):
        print(f"  {text!r} -> {iso}")
    if args.model == "seq2seq-attention":
        path = plot_attention(model, os.path.join(out, "attention.png"))
        if path:
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
