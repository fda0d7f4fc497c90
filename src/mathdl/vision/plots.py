"""Figures of boxes on images: a grid of scenes with labelled boxes, and a tracking strip (frames side by
side, each track in its own colour with its id). matplotlib is optional, as in ``mathdl.train.plots``:
without it the functions print one line and return None."""

import numpy as np

from mathdl.train.plots import _pyplot, _save


def _colour(index):
    palette = np.array(
        [
            [0.90, 0.10, 0.10],
            [0.10, 0.60, 0.95],
            [0.20, 0.80, 0.20],
            [1.00, 0.60, 0.00],
            [0.75, 0.30, 0.90],
            [0.95, 0.90, 0.10],
            [0.00, 0.85, 0.80],
            [1.00, 0.40, 0.70],
        ]
    )
    return tuple(palette[int(index) % len(palette)])


def draw_boxes(axis, image, boxes, texts=(), colour_keys=None):
    """Show a grey ``image`` (H, W) or (1, H, W) on ``axis`` with ``xyxy`` boxes (k, 4) and one caption
    per box; ``colour_keys`` (k,) picks each box's colour (the same key, the same colour)."""
    from matplotlib.patches import Rectangle

    image = np.asarray(image)
    axis.imshow(image.reshape(image.shape[-2:]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    keys = np.arange(len(boxes)) if colour_keys is None else np.asarray(colour_keys)
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        colour = _colour(keys[k])
        # pixel (r, c) is drawn centred at (c, r), so its square spans [c − ½, c + ½)
        axis.add_patch(
            Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=colour, lw=1.2)
        )
        if k < len(texts):
            axis.text(x1 - 0.5, y1 - 1.0, str(texts[k]), color=colour, fontsize=6, va="bottom")
    axis.set_xticks([])
    axis.set_yticks([])


def plot_scenes(images, targets, path, class_names=None, columns=4):
    """A grid of scenes with their boxes captioned by class; ``targets`` dicts with ``boxes``, ``labels``."""
    plt = _pyplot()
    if plt is None:
        return None
    rows = int(np.ceil(len(images) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.6 * rows), squeeze=False)
    for axis in axes.ravel()[len(images) :]:
        axis.axis("off")
    for axis, image, target in zip(axes.ravel(), images, targets):
        labels = np.asarray(target["labels"])
        texts = [class_names[c] if class_names else str(c) for c in labels]
        draw_boxes(axis, image, target["boxes"], texts, labels)
    return _save(figure, path, plt)


def plot_tracking_strip(frames, rows, path, title=None, every=1):
    """Frames side by side, one row per entry of ``rows`` (a dict name → tracks, e.g. the ground truth
    and a tracker's output), each track's box in its colour with ``#id``; tracks per frame are dicts
    ``boxes`` (k, 4), ``track_ids`` (k,)."""
    plt = _pyplot()
    if plt is None:
        return None
    chosen = list(range(0, len(frames), every))
    figure, axes = plt.subplots(
        len(rows), len(chosen), figsize=(1.9 * len(chosen), 2.1 * len(rows)), squeeze=False
    )
    for r, (name, tracks) in enumerate(rows.items()):
        for axis, t in zip(axes[r], chosen):
            ids = np.asarray(tracks[t]["track_ids"])
            draw_boxes(axis, frames[t], tracks[t]["boxes"], [f"#{i}" for i in ids], ids)
            axis.set_title(f"t={t}" if r == 0 else "", fontsize=7)
        axes[r][0].set_ylabel(name, fontsize=8)
    if title:
        figure.suptitle(title, fontsize=9)
    return _save(figure, path, plt)
