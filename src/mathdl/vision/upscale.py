"""Enlarging whole images with a trained super-resolution network (SRCNN or ESPCN).

    from mathdl.vision.upscale import load_upscaler, upscale_image, upscale_file
    model = load_upscaler("runs/espcn-x2")            # a run folder or checkpoint of 'espcn'/'srcnn'
    big = upscale_image(model, rgb)                    # (H, W, 3) in [0, 1] → (sH, sW, 3)
    upscale_file("runs/espcn-x2", "in.png", "out.png")  # what ``mathdl upscale`` runs

The networks see luminance only (as trained): a colour image is converted to BT.601 YCbCr (MATLAB's
``rgb2ycbcr``, the papers' protocol),

    Y  = (16 + 65.481 R + 128.553 G + 24.966 B)/255
    Cb = (128 − 37.797 R − 74.203 G + 112.0 B)/255
    Cr = (128 + 112.0 R − 93.786 G − 18.214 B)/255,

Y is enlarged by the network, Cb and Cr by bicubic interpolation (the eye is far less sensitive
to colour detail), and the three are converted back. A grey image is read as R = G = B.

Large images run in tiles: the input is extended by the network's receptive radius R (border
pixels repeated, as ``forward`` does) and each tile of ``tile`` × ``tile`` input pixels is passed
through the unpadded network with R pixels of context on every side, so the tiled result equals
the whole-image one while the im2col buffers stay small.
"""

import os

import numpy as np

from mathdl.autograd.grad_mode import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.vision.superresolution import bicubic_upscale

YCBCR_MATRIX = (
    np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]]) / 255.0
)
YCBCR_OFFSET = np.array([16.0, 128.0, 128.0]) / 255.0


def rgb_to_ycbcr(rgb):
    """(…, 3) RGB in [0, 1] → (…, 3) YCbCr of BT.601 as MATLAB's ``rgb2ycbcr`` (Y in [16, 235]/255)."""
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.shape[-1:] != (3,):
        raise ValueError(f"rgb_to_ycbcr: expected (…, 3) RGB, got shape {rgb.shape}")
    return rgb @ YCBCR_MATRIX.T + YCBCR_OFFSET


def ycbcr_to_rgb(ycbcr):
    """The inverse of ``rgb_to_ycbcr`` (not clipped)."""
    ycbcr = np.asarray(ycbcr, dtype=np.float64)
    if ycbcr.shape[-1:] != (3,):
        raise ValueError(f"ycbcr_to_rgb: expected (…, 3) YCbCr, got shape {ycbcr.shape}")
    return (ycbcr - YCBCR_OFFSET) @ np.linalg.inv(YCBCR_MATRIX).T


def run_tiled(model, image, tile=96):
    """``model.forward`` of one (H, W) luminance image, computed tile by tile (see the module docstring).

    ``model`` needs ``radius``, ``magnification`` (output side / input side) and ``forward_valid``.
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"run_tiled: expected an (H, W) image, got shape {image.shape}")
    dtype = model.conv1.weight.array.dtype
    r, m = model.radius, model.magnification
    padded = np.pad(image.astype(dtype), r, mode="edge")
    height, width = image.shape
    out = np.empty((height * m, width * m), dtype=dtype)
    model.eval()
    with no_grad():
        for top in range(0, height, tile):
            for left in range(0, width, tile):
                bottom, right = min(top + tile, height), min(left + tile, width)
                window = padded[top : bottom + 2 * r, left : right + 2 * r]
                result = model.forward_valid(Tensor(window[None, None])).array[0, 0]
                out[top * m : bottom * m, left * m : right * m] = result
    return out


def upscale_luminance(model, low, tile=96):
    """Y (h, w) → (s·h, s·w) with the network: SRCNN refines the bicubic enlargement, ESPCN maps
    the small image directly."""
    low = np.asarray(low)
    if model.magnification == 1:
        low = bicubic_upscale(low.astype(np.float64), model.scale)
    return run_tiled(model, low, tile)


def upscale_image(model, image, tile=96):
    """An (h, w) grey or (h, w, 3) RGB image in [0, 1] enlarged ``model.scale`` times: Y by the
    network, Cb and Cr by bicubic interpolation; the result is clipped to [0, 1]."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        y = upscale_luminance(model, (16.0 + 219.0 * image) / 255.0, tile)
        return np.clip((255.0 * y - 16.0) / 219.0, 0.0, 1.0)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"upscale_image: expected an (H, W) grey or (H, W, 3) RGB image, got {image.shape}")
    ycbcr = rgb_to_ycbcr(image)
    y = upscale_luminance(model, ycbcr[..., 0], tile)
    chroma = bicubic_upscale(np.moveaxis(ycbcr[..., 1:], -1, 0), model.scale)
    big = np.concatenate([y[..., None], np.moveaxis(chroma, 0, -1)], axis=-1)
    return np.clip(ycbcr_to_rgb(big), 0.0, 1.0)


def find_checkpoint(run):
    """The checkpoint of a run folder (its ``checkpoint.npz``) or a checkpoint file itself."""
    run = os.fspath(run)
    if os.path.isdir(run):
        path = os.path.join(run, "checkpoint.npz")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{run} is a folder without checkpoint.npz; give a training run folder")
        return path
    if not os.path.isfile(run):
        raise FileNotFoundError(f"no such run folder or checkpoint file: {run}")
    return run


def load_upscaler(run):
    """The SRCNN/ESPCN network saved in a run folder or checkpoint (rebuilt from its config)."""
    from mathdl import models
    from mathdl.train import load_checkpoint

    path = find_checkpoint(run)
    content = load_checkpoint(path)
    config = (content.get("config") or {}).get("model")
    if not isinstance(config, dict) or config.get("name") not in ("srcnn", "espcn"):
        name = config.get("name") if isinstance(config, dict) else None
        raise ValueError(f"{path}: not a super-resolution run (model {name!r}; expected 'srcnn' or 'espcn')")
    model = models.from_config(config)
    model.load_state_dict(content["model"])
    return model


def upscale_file(run, source, destination, overwrite=False, tile=96):
    """Read ``source`` (PNG), enlarge it with the network of ``run`` and write ``destination`` (PNG,
    8-bit). Returns the (input shape, output shape)."""
    from mathdl.vision.png import read_png, write_png

    if not os.path.isfile(source):
        raise FileNotFoundError(f"no such image: {source}")
    if os.path.exists(destination) and not overwrite:
        raise FileExistsError(f"{destination} exists; choose another name (or overwrite it explicitly)")
    model = load_upscaler(run)
    image = read_png(source)
    big = upscale_image(model, image, tile)
    write_png(destination, big, overwrite=overwrite)
    return image.shape, big.shape
