"""``mathdl detect RUN image.png`` and ``mathdl track RUN --scenes N``: use a trained detector run.

mathdl detect runs/det photo.png              # writes photo_detections.png (labelled boxes)
mathdl detect runs/det photo.png --json       # {"boxes": xyxy pixels, "scores", "labels"} on stdout
mathdl track runs/det --scenes 4              # tracks 4 held-out moving scenes → RUN/tracks.gif
"""

import json
import os

from mathdl.cli.common import (
    CommandError,
    find_checkpoint,
    free_path,
    non_negative_float,
    positive_int,
    read_checkpoint,
)


def _detector(run):
    """The detector of a run folder (or checkpoint) in eval mode, and its checkpoint's path."""
    from mathdl.cli.evaluate import _rebuild

    path = find_checkpoint(run)
    checkpoint = read_checkpoint(path)
    model = _rebuild(checkpoint, path)
    if not all(hasattr(model, name) for name in ("features", "head", "decode", "stride")):
        name = (checkpoint["config"].get("model") or {}).get("name")
        raise CommandError(
            f"{path} is a run of --model {name}, not a detector (train one with --model detector)"
        )
    return model, path


def _threshold(value, name):
    if not 0 <= value <= 1:
        raise CommandError(f"{name} must be in [0, 1], got {value:g}")
    return value


# ----- mathdl detect ----------------------------------------------------------------------------
def add_detect(subparsers):
    """Declare ``mathdl detect``."""
    parser = subparsers.add_parser(
        "detect",
        help="find objects in an image with a trained detector",
        description="Run a trained detector (mathdl train --model detector) on a grey image (colour is "
        "converted to grey; sides must be multiples of the detector's stride, 8) and write the image "
        "with labelled boxes, or print the detections as JSON: boxes xyxy in the image's pixels, "
        "scores, labels as class indices.",
    )
    parser.add_argument("checkpoint", help="run folder or checkpoint file of a detector")
    parser.add_argument("image", help="image file (PNG or any format Pillow reads)")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the detections as JSON instead of writing a picture (default: write the picture)",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="picture to write (default: IMAGE_detections.png beside the image; an existing file is never "
        "overwritten: -2, -3 … are appended)",
    )
    parser.add_argument(
        "--score-threshold", type=non_negative_float, default=0.3, help="lowest score kept (default: 0.3)"
    )
    parser.add_argument(
        "--iou-threshold", type=non_negative_float, default=0.5, help="NMS overlap (default: 0.5)"
    )
    parser.set_defaults(handler=run_detect)
    return parser


def run_detect(args):
    """Detect objects in one image; returns the exit code."""
    from mathdl.data import FASHION_MNIST_CLASSES
    from mathdl.vision.detect import detect, detections_to_json, read_grey_image, write_detections_png

    score, overlap = (
        _threshold(args.score_threshold, "--score-threshold"),
        _threshold(args.iou_threshold, "--iou-threshold"),
    )
    if not os.path.isfile(args.image):
        raise CommandError(f"{args.image}: no such file")
    model, _ = _detector(args.checkpoint)
    try:
        image = read_grey_image(args.image)
        result = detect(model, image, score_threshold=score, iou_threshold=overlap)
    except ValueError as error:
        raise CommandError(f"{args.image}: {error}") from None
    classes = FASHION_MNIST_CLASSES if model.num_classes == len(FASHION_MNIST_CLASSES) else None
    if args.json:
        print(json.dumps(detections_to_json(result)))
        if args.output is None:
            return 0
    output = free_path(args.output or os.path.splitext(args.image)[0] + "_detections.png")
    write_detections_png(image, result, output, class_names=classes)
    if not args.json:
        print(f"{len(result['boxes'])} detections; wrote {output}")
    return 0


# ----- mathdl track -----------------------------------------------------------------------------
def add_track(subparsers):
    """Declare ``mathdl track``."""
    parser = subparsers.add_parser(
        "track",
        help="track objects through held-out moving scenes with a trained detector",
        description="Detect every frame of N held-out moving Fashion scenes (96x96, Fashion-MNIST test "
        "items) with a trained detector, follow the items with SORT or the DeepSORT-style tracker (the "
        "detector's pooled features as the appearance embedding), print MOTA/IDF1/ID switches against the "
        "ground truth and write an animated GIF of the tracked boxes (the scenes side by side).",
    )
    parser.add_argument("checkpoint", help="run folder or checkpoint file of a detector")
    parser.add_argument("--scenes", type=positive_int, default=4, help="moving scenes to track (default: 4)")
    parser.add_argument("--frames", type=positive_int, default=30, help="frames per scene (default: 30)")
    parser.add_argument(
        "--tracker", choices=("sort", "deepsort"), default="deepsort", help="the tracker (default: deepsort)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the held-out scenes (default: 1)")
    parser.add_argument(
        "--output",
        default=None,
        help="GIF to write (default: RUN/tracks.gif; an existing file is never overwritten: -2, -3 … appended)",
    )
    parser.set_defaults(handler=run_track)
    return parser


def run_track(args):
    """Track held-out moving scenes and write the GIF; returns the exit code."""
    from mathdl.data import MovingFashionScenes
    from mathdl.vision.animation import write_tracking_gif
    from mathdl.vision.metrics import tracking_metrics
    from mathdl.vision.tracking import track

    model, path = _detector(args.checkpoint)
    data = MovingFashionScenes(train=False, num_sequences=args.scenes, num_frames=args.frames, seed=args.seed)
    scenes = [data[i] for i in range(len(data))]
    tracks = [track(model, frames, tracker=args.tracker) for frames, _ in scenes]
    m = tracking_metrics([targets for _, targets in scenes], tracks)
    print(
        f"{args.scenes} held-out moving scenes x {args.frames} frames, {args.tracker}: MOTA {m['mota']:.3f}, "
        f"MOTP {m['motp']:.3f}, IDF1 {m['idf1']:.3f}, ID switches {m['num_switches']}, "
        f"misses {m['num_misses']}, false positives {m['num_false_positives']}"
    )
    output = free_path(args.output or os.path.join(os.path.dirname(os.path.abspath(path)), "tracks.gif"))
    write_tracking_gif([frames for frames, _ in scenes], tracks, output, scale=3)
    print(f"wrote {output}")
    return 0
