"""Figures of a training run: loss/accuracy curves, a confusion matrix, a grid of test images
with their predictions. matplotlib is optional (the ``plot`` extra): without it each function
prints one line saying so and returns None instead of failing.
"""

import os
import sys

import numpy as np


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        print(
            "mathdl: matplotlib is not installed, so no figure was drawn "
            "(install the 'plot' extra: pip install 'mathdl[plot]')",
            file=sys.stderr,
        )
        return None
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")  # files only: never needs a display
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path, plt):
    from mathdl.io import atomic_write

    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    file_format = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    try:
        with atomic_write(path) as stream:
            figure.savefig(stream, format=file_format, dpi=110, bbox_inches="tight")
    finally:
        plt.close(figure)
    return path


def _loss_like(name):
    return "loss" in name or name in ("penalty", "reconstruction_error")


def plot_history(history, path, title=None, xlabel="epoch"):
    """The curves of a run per epoch: losses on the left (every name containing 'loss'), every
    other number (accuracy, exact_match, wasserstein …) on the right; training solid, validation
    (``val_*``) dashed; integer epoch ticks (``xlabel`` names the unit, e.g. 'block of 100
    steps'). ``history`` is a ``History`` or its ``.history`` dict. Returns ``path``."""
    curves = history.history if hasattr(history, "history") else dict(history)
    if not curves or not any(len(v) for v in curves.values()):
        raise ValueError("plot_history: the history is empty (train at least one epoch)")
    plt = _pyplot()
    if plt is None:
        return None
    from matplotlib.ticker import MaxNLocator

    names = [k[4:] if k.startswith("val_") else k for k in curves if not k.startswith("lr")]
    names = list(dict.fromkeys(names))
    groups = [[n for n in names if _loss_like(n)], [n for n in names if not _loss_like(n)]]
    groups = [g for g in groups if g]
    figure, axes = plt.subplots(1, len(groups), figsize=(5.5 * len(groups), 4), squeeze=False)
    for axis, group in zip(axes[0], groups):
        for name in group:
            for key, style in ((name, "-"), (f"val_{name}", "--")):
                if key in curves:
                    values = curves[key]
                    axis.plot(
                        np.arange(1, len(values) + 1), values, style, marker="o", markersize=3, label=key
                    )
        axis.set_xlabel(xlabel)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(group[0] if len(group) == 1 else ("loss" if _loss_like(group[0]) else "metric"))
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return _save(figure, path, plt)


def plot_confusion_matrix(matrix, path, class_names=None, normalize=True):
    """The confusion matrix (rows true class, columns predicted) as a heat map with the counts
    written in the cells; colour is the row-normalised rate when ``normalize``."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square matrix, got shape {matrix.shape}")
    k = matrix.shape[0]
    if class_names is not None and len(class_names) != k:
        raise ValueError(f"plot_confusion_matrix: {len(class_names)} class names for {k} classes")
    plt = _pyplot()
    if plt is None:
        return None
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    figure, axis = plt.subplots(figsize=(0.6 * k + 3, 0.6 * k + 2.5))
    image = axis.imshow(rates, cmap="Blues")
    figure.colorbar(image, ax=axis, fraction=0.046)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    axis.set_xticks(range(k), names, rotation=45, ha="right")
    axis.set_yticks(range(k), names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    threshold = rates.max() / 2 if rates.size else 0
    for i in range(k):
        for j in range(k):
            axis.text(
                j,
                i,
                str(int(matrix[i, j])),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if rates[i, j] > threshold else "black",
            )
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    axis.set_title(f"confusion matrix (accuracy {accuracy:.3f})")
    return _save(figure, path, plt)


def plot_predictions(images, labels, predictions, path, class_names=None, columns=8, probabilities=None):
    """A grid of images titled 'predicted (true)', green when right and red when wrong.

    images (N, H, W), (N, 1, H, W), (N, H, W, 1/3) or flat (N, H·W) for square H = W;
    labels/predictions (N,) class indices; probabilities (N,) optional confidences.
    """
    images = np.asarray(images)
    n = images.shape[0]
    labels, predictions = np.asarray(labels).reshape(-1), np.asarray(predictions).reshape(-1)
    if labels.shape[0] != n or predictions.shape[0] != n:
        raise ValueError(
            f"plot_predictions: {n} images but {labels.shape[0]} labels and "
            f"{predictions.shape[0]} predictions"
        )
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"plot_predictions: flat images of {images.shape[1]} pixels are not square")
        images = images.reshape(n, side, side)
    elif images.ndim == 4 and images.shape[1] in (1, 3) and images.shape[-1] not in (1, 3):
        images = np.moveaxis(images, 1, -1)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"plot_predictions: cannot show images of shape {images.shape}")
    plt = _pyplot()
    if plt is None:
        return None
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.75 * rows), squeeze=False)
    names = list(class_names) if class_names is not None else None
    for index, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if index >= n:
            continue
        axis.imshow(images[index], cmap="gray" if images.ndim == 3 else None)
        predicted, true = int(predictions[index]), int(labels[index])
        text = f"{names[predicted]}\n({names[true]})" if names else f"{predicted} ({true})"
        if probabilities is not None:
            text = f"{text} {100 * float(probabilities[index]):.0f}%"
        axis.set_title(text, fontsize=7, color="green" if predicted == true else "red")
    from matplotlib.patches import Patch

    shown = " with confidence" if probabilities is not None else ""
    right = int(np.count_nonzero(predictions == labels))
    figure.legend(
        handles=[
            Patch(color="green", label=f"title: predicted (true){shown}, right ({right})"),
            Patch(color="red", label=f"predicted (true){shown}, wrong ({n - right})"),
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    return _save(figure, path, plt)


def plot_image_grid(grid, path, title=None, vmin=0.0, vmax=1.0):
    """Draw one 2-D array (e.g. tiles from ``image_grid``) in grey levels from ``vmin`` (black)
    to ``vmax`` (white)."""
    plt = _pyplot()
    if plt is None:
        return None
    figure, axis = plt.subplots(figsize=(6, 6))
    axis.imshow(np.asarray(grid), cmap="gray", vmin=vmin, vmax=vmax)
    axis.set_axis_off()
    if title:
        axis.set_title(title)
    return _save(figure, path, plt)


def image_grid(images, rows=None, padding=1):
    """Tile (N, H, W) or (N, 1, H, W) or (N, H·W) square images into one 2-D array (for plotting)."""
    images = np.asarray(images)
    n = len(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(n, side, side)
    elif images.ndim == 4:
        images = images[:, 0]
    rows = rows or int(np.ceil(np.sqrt(n)))
    cols = int(np.ceil(n / rows))
    h, w = images.shape[1:]
    grid = np.full(
        (rows * (h + padding) + padding, cols * (w + padding) + padding), images.min(), dtype=images.dtype
    )
    for k in range(n):
        r, c = divmod(k, cols)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top : top + h, left : left + w] = images[k]
    return grid


# ----- what a convolutional network learned ---------------------------------------------------------


def _panel_grid(count, columns=None):
    columns = columns or int(np.ceil(np.sqrt(count)))
    return int(np.ceil(count / columns)), columns


def _save_keep(figure, path, plt):
    """Save atomically and close, but return the Figure (its axes stay inspectable)."""
    _save(figure, path, plt)
    return figure


def plot_filters(model, path, title=None):
    """Draw the kernels of the model's first convolution (``model.first_conv`` or a Conv2d), one
    panel per (output, input) channel pair, each scaled to its own range (grey: 0 → white ink).
    Writes ``path`` (PNG) and returns the matplotlib Figure."""
    plt = _pyplot()
    if plt is None:
        return None

    conv = getattr(model, "first_conv", model)
    weight = np.asarray(conv.weight.array, dtype=np.float64)
    kernels = weight.reshape(-1, *weight.shape[2:])
    rows, columns = _panel_grid(len(kernels), columns=min(8, len(kernels)))
    figure, axes = plt.subplots(rows, columns, figsize=(1.2 * columns, 1.2 * rows + 0.4), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(kernels):
            limit = np.abs(kernels[index]).max() or 1.0
            axis.imshow(kernels[index], cmap="gray", vmin=-limit, vmax=limit)
            axis.set_title(str(index), fontsize=7)
    figure.suptitle(title or f"first-layer filters {tuple(weight.shape)}")
    return _save_keep(figure, path, plt)


def plot_feature_maps(model, image, path, max_channels=8, title=None):
    """Draw the input image and, per stage of ``model.feature_maps``, up to ``max_channels``
    channels of its activation for that one image (rows = stages). ``image``: (H, W), (1, H, W) or
    (1, 1, H, W). The model is put in eval mode. Writes ``path`` and returns the Figure."""
    plt = _pyplot()
    if plt is None:
        return None

    array = np.asarray(getattr(image, "data", image))
    array = array.reshape((1, 1) + array.shape[-2:])
    dtype = next(iter(model.parameters())).dtype
    model.eval()
    from mathdl.autograd.grad_mode import no_grad

    with no_grad():
        stages = [(name, np.asarray(m.array[0])) for name, m in model.feature_maps(array.astype(dtype))]
    columns = max_channels + 1
    figure, axes = plt.subplots(
        len(stages), columns, figsize=(1.2 * columns, 1.3 * len(stages) + 0.4), squeeze=False
    )
    for row, (name, maps) in enumerate(stages):
        axes[row, 0].imshow(array[0, 0], cmap="gray")
        axes[row, 0].set_title("input" if row == 0 else "", fontsize=7)
        axes[row, 0].set_ylabel(name, fontsize=7)
        for column in range(1, columns):
            axis = axes[row, column]
            if column - 1 < len(maps):
                axis.imshow(maps[column - 1], cmap="viridis")
                axis.set_title(f"{name} c{column - 1} {maps.shape[1]}×{maps.shape[2]}", fontsize=5)
        for axis in axes[row]:
            axis.set_xticks([])
            axis.set_yticks([])
    figure.suptitle(title or "feature maps of one test image")
    return _save_keep(figure, path, plt)
