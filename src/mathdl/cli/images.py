"""``mathdl upscale`` and ``mathdl stylize``: trained image-to-image models on PNG files.

mathdl upscale runs/espcn-x2 in.png out.png
mathdl stylize astronaut brick --out out.png [--size 160] [--steps 150] [--features random|RUN]
"""

import os

from mathdl.cli.common import CommandError, positive_float, positive_int


def add_upscale(subparsers):
    """Declare ``mathdl upscale``."""
    parser = subparsers.add_parser(
        "upscale",
        help="enlarge a PNG with a trained SRCNN/ESPCN run",
        description="Enlarge a PNG image by the scale of a super-resolution run (mathdl train --model "
        "espcn|srcnn): luminance by the network, colour by bicubic interpolation. Writes an 8-bit PNG; "
        "an existing output file is kept unless --overwrite.",
    )
    parser.add_argument("run", help="run folder (or its checkpoint.npz) of a srcnn/espcn training run")
    parser.add_argument("input", help="PNG image to enlarge (grey or colour)")
    parser.add_argument("output", help="PNG file to write")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the output file if it exists (default: keep it)"
    )
    parser.set_defaults(handler=run_upscale)
    return parser


def run_upscale(args):
    """Run ``mathdl.vision.upscale.upscale_file``; user errors become CommandError."""
    from mathdl.io import CheckpointError
    from mathdl.train import CheckpointFormatError
    from mathdl.vision.png import PNGError
    from mathdl.vision.upscale import load_upscaler, upscale_file

    try:
        load_upscaler(args.run)  # a clear error about the run before reading the image
        before, after = upscale_file(args.run, args.input, args.output, overwrite=args.overwrite)
    except (
        FileNotFoundError,
        FileExistsError,
        PNGError,
        CheckpointError,
        CheckpointFormatError,
        ValueError,
    ) as error:
        raise CommandError(str(error)) from None
    print(f"{args.input} ({before[1]}×{before[0]}) → {args.output} ({after[1]}×{after[0]})")
    return 0


def add_stylize(subparsers):
    """Declare ``mathdl stylize``."""
    parser = subparsers.add_parser(
        "stylize",
        help="neural style transfer (Gatys et al.) of one image onto another",
        description="Paint CONTENT in the style of STYLE: optimise the pixels so that deep features "
        "match CONTENT's and their Gram matrices STYLE's (L-BFGS). CONTENT and STYLE are PNG files "
        "or built-in photographs (astronaut, brick, coffee, chelsea, …; scikit-image's).",
    )
    parser.add_argument("content", help="PNG file or built-in photograph name")
    parser.add_argument("style", help="PNG file or built-in photograph name")
    parser.add_argument(
        "--out", required=True, help="PNG file to write (required; an existing file is not replaced)"
    )
    parser.add_argument("--size", type=positive_int, default=160, help="longer side in pixels (default: 160)")
    parser.add_argument("--steps", type=positive_int, default=150, help="optimiser iterations (default: 150)")
    parser.add_argument(
        "--method", choices=("lbfgs", "adam"), default="lbfgs", help="optimiser (default: lbfgs)"
    )
    parser.add_argument(
        "--features",
        default="random",
        help="'random' (multi-scale random filters) or a photo-patch-cnn run folder (default: random)",
    )
    parser.add_argument(
        "--content-weight", type=positive_float, default=3.0, help="content weight α (default: 3)"
    )
    parser.add_argument(
        "--tv-weight", type=positive_float, default=10.0, help="total-variation weight γ (default: 10)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the output file if it exists (default: keep it)"
    )
    parser.set_defaults(handler=run_stylize)
    return parser


def run_stylize(args):
    """Run ``mathdl.vision.style_transfer.stylize_file``; user errors become CommandError."""
    from mathdl.data import PhotographsUnavailableError
    from mathdl.io import CheckpointError
    from mathdl.train import CheckpointFormatError
    from mathdl.vision.png import PNGError
    from mathdl.vision.style_transfer import stylize_file

    if args.size < 8:
        raise CommandError(f"--size must be at least 8 pixels, got {args.size}")
    if os.path.exists(args.out) and not args.overwrite:
        raise CommandError(f"{args.out} exists; choose another --out (or pass --overwrite)")
    try:
        result = stylize_file(
            args.content,
            args.style,
            args.out,
            size=args.size,
            steps=args.steps,
            method=args.method,
            features=args.features,
            overwrite=args.overwrite,
            content_weight=args.content_weight,
            tv_weight=args.tv_weight,
        )
    except (
        FileNotFoundError,
        FileExistsError,
        PNGError,
        CheckpointError,
        CheckpointFormatError,
        PhotographsUnavailableError,
        ValueError,
    ) as error:
        raise CommandError(str(error)) from None
    losses = result.losses
    print(
        f"wrote {args.out}: content {losses['content']:.3f}, style {losses['style']:.4f}, "
        f"total variation {losses['tv']:.5f} after {result.iterations} iterations ({result.message})"
    )
    return 0
