"""``mathdl.vision``: box operations (``vision.ops``, torchvision's names), metrics (``vision.metrics``:
PSNR/SSIM as scikit-image, COCO detection mAP, multi-object tracking scores), trackers
(``vision.tracking``), window filters, classical denoisers, the super-resolution protocol, whole-image
upscaling with a trained network (``vision.upscale``), neural style transfer
(``vision.style_transfer``) and a PNG reader/writer (``vision.png``).

Each subpackage is imported on first use: ``from mathdl.vision import ops`` or
``mathdl.vision.ops.box_iou(...)``.
"""

import importlib

_SUBPACKAGES = (
    "denoise",
    "detect",
    "filters",
    "metrics",
    "ops",
    "plots",
    "png",
    "style_transfer",
    "superresolution",
    "tracking",
    "upscale",
)


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"mathdl.vision.{name}")
    raise AttributeError(f"module 'mathdl.vision' has no attribute {name!r}")


__all__ = list(_SUBPACKAGES)
