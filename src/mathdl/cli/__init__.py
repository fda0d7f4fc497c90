"""The ``mathdl`` command: one module per verb.

    mathdl train                         # MLP on the shipped Fashion-MNIST subset → runs/<timestamp>/
    mathdl train --model gan             # any registered model: its data, options and defaults
    mathdl train --resume runs/20260101-120000 --epochs 20   # continue exactly
    mathdl evaluate runs/20260101-120000                     # held-out numbers of any run
    mathdl generate runs/20260101-130000 --temperature 0     # text or images from generative runs
    mathdl detect runs/det image.png --json                  # a detector run: boxes, scores, labels
    mathdl track runs/det --scenes 4                         # tracked moving scenes → an animated GIF
    mathdl upscale runs/espcn-x2 in.png out.png              # a super-resolution run on a PNG
    mathdl stylize astronaut brick --out out.png              # Gatys style transfer
    mathdl tune examples/tune_mlp.toml  # a cross-validated hyper-parameter search from a TOML file
    mathdl speak runs/20260101-140000 "3 1 4" --out pi.wav   # digits said by a speech-cvae run
    mathdl data spoken-digits --out data/spoken_digits       # the full spoken-digit corpus (espeak-ng)
    mathdl rl cartpole --agent a2c
    mathdl gradcheck                     # the gradient-check table of every op

Each subcommand is a pair of functions, ``add_<name>(subparsers)`` declaring its options and
``run_<name>(args) -> exit code``, listed in ``COMMANDS``. What ``train`` does for each model is
its recipe (``mathdl.cli.recipes``). Nothing inside mathdl imports this package.
"""

import argparse
import sys

from mathdl.cli.common import CommandError
from mathdl.cli.data import add_data
from mathdl.cli.evaluate import add_evaluate, add_generate
from mathdl.cli.images import add_stylize, add_upscale
from mathdl.cli.misc import add_gradcheck, add_rl
from mathdl.cli.speak import add_speak
from mathdl.cli.train import add_train, peek_model
from mathdl.cli.tune import add_tune
from mathdl.cli.vision import add_detect, add_track

COMMANDS = [
    add_train,
    add_evaluate,
    add_generate,
    add_detect,
    add_track,
    add_upscale,
    add_stylize,
    add_speak,
    add_data,
    add_tune,
    add_rl,
    add_gradcheck,
]


def build_parser(argv=None):
    """The argparse parser of ``mathdl``; ``argv`` lets ``train --model NAME --help`` show that
    model's defaults."""
    parser = argparse.ArgumentParser(
        prog="mathdl",
        description="mathdl: deep learning built from the mathematics up.",
        epilog="Run 'mathdl COMMAND --help' for a command's options.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        if add is add_train:
            add(subparsers, peek_model(argv))
        else:
            add(subparsers)
    return parser


def main(argv=None):
    """Entry point of the ``mathdl`` console script; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except CommandError as error:
        if not getattr(error, "quiet", False):  # across ranks, rank 0 prints the agreed error
            print(f"mathdl {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nmathdl {args.command}: interrupted", file=sys.stderr)
        return 130


__all__ = ["COMMANDS", "CommandError", "build_parser", "main"]
