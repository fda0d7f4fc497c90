"""``mathdl data spoken-digits``: build the full spoken-digit corpus with espeak-ng."""

import os
import time

from mathdl.cli.common import CommandError, positive_int

DEFAULT_OUT = os.path.join("data", "spoken_digits")


def add_data(subparsers):
    """Declare ``mathdl data``."""
    parser = subparsers.add_parser(
        "data",
        help="build a data set that is made, not downloaded (spoken digits with espeak-ng)",
        description="Build the spoken-digit corpus: the words zero..nine rendered by espeak-ng with 8 accents x "
        "12 variants x --takes speeds and pitches, resampled to 8 kHz, with checksums in a manifest "
        "(5,760 training and 1,920 test clips with the default 8 takes; several minutes). Needs the "
        "Debian package espeak-ng. Train on it with 'mathdl train --model speech-digits --dataset DIR'.",
    )
    parser.add_argument("name", choices=["spoken-digits"], help="the data set to build")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"folder to write (default: {DEFAULT_OUT})")
    parser.add_argument(
        "--takes", type=positive_int, default=8, help="takes of every word per voice (default: 8)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the speeds and pitches (default: 0)")
    parser.set_defaults(handler=run_data)
    return parser


def run_data(args):
    """Build the corpus into ``args.out``; returns the exit code."""
    from mathdl.data import EspeakNotFoundError, make_spoken_digits

    start = time.perf_counter()
    try:
        manifest = make_spoken_digits(
            args.out, seed=args.seed, takes=args.takes, progress=lambda line: print(line, flush=True)
        )
    except EspeakNotFoundError as error:
        raise CommandError(
            f"{error}. The shipped subset needs nothing: --dataset spoken-digits-subset"
        ) from None
    except (FileExistsError, ValueError) as error:
        raise CommandError(str(error)) from None
    counts = manifest["counts"]
    print(
        f"wrote {args.out}: {counts['train']} training and {counts['test']} test clips "
        f"in {time.perf_counter() - start:.0f} s (espeak-ng {manifest['espeak_ng']})"
    )
    return 0
