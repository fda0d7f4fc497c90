"""``mathdl speak RUN TEXT --out FILE``: say digits with a trained speech generator (speech-cvae)."""

import os

from mathdl.cli.common import CommandError, non_negative_float, positive_int


def add_speak(subparsers):
    """Declare ``mathdl speak``."""
    parser = subparsers.add_parser(
        "speak",
        help="say a string of digits with a trained speech generator",
        description="Generate speech for TEXT (digits such as '3 1 4') with a run of --model speech-cvae: one "
        "log-mel spectrogram per word from the conditional VAE, words joined by short silences, the mel "
        "filterbank inverted (non-negative least squares), the phase found by fast Griffin-Lim, written "
        "as a 16-bit PCM WAV file.",
    )
    parser.add_argument("checkpoint", help="run folder or checkpoint file of a speech-cvae run")
    parser.add_argument("text", help="the digits to say, e.g. '3 1 4' or 314")
    parser.add_argument("--out", required=True, help="WAV file to write (an existing file is not replaced)")
    parser.add_argument(
        "--voice", default=None, help="one of the run's training voices, e.g. en-us+m1 (default: the first)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the latent draws and phases (default: 0)"
    )
    parser.add_argument(
        "--temperature", type=non_negative_float, default=0.5, help="scale of the latent draws (default: 0.5)"
    )
    parser.add_argument(
        "--gap",
        type=non_negative_float,
        default=0.15,
        help="seconds of silence between words (default: 0.15)",
    )
    parser.add_argument(
        "--iterations", type=positive_int, default=100, help="Griffin-Lim iterations (default: 100)"
    )
    parser.set_defaults(handler=run_speak)
    return parser


def run_speak(args):
    """Write the WAV file; returns the exit code."""
    from mathdl.audio.speak import parse_digits, speak
    from mathdl.cli.common import find_checkpoint, read_checkpoint
    from mathdl.cli.evaluate import _rebuild

    try:
        parse_digits(args.text)  # a bad text is reported before any file is read
    except ValueError as error:
        raise CommandError(str(error)) from None
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        raise CommandError(f"--out {args.out}: the folder {folder} does not exist")
    if os.path.exists(args.out):
        raise CommandError(f"--out {args.out} exists; choose another file name")
    path = find_checkpoint(args.checkpoint)
    checkpoint = read_checkpoint(path)
    name = (checkpoint["config"].get("model") or {}).get("name")
    if name != "speech-cvae":
        raise CommandError(
            f"{path} is a run of {name!r}, not of the speech generator (mathdl train --model speech-cvae)"
        )
    model = _rebuild(checkpoint, path)
    try:
        waveform = speak(model, args.text, out=args.out, voice=args.voice, seed=args.seed,
                         temperature=args.temperature, gap_seconds=args.gap, n_iter=args.iterations)  # fmt: skip
    except ValueError as error:
        raise CommandError(str(error)) from None
    print(f"wrote {args.out} ({waveform.size / model.sample_rate:.2f} s at {model.sample_rate} Hz)")
    return 0
