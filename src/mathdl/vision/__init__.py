"""Vision: box operations (``mathdl.vision.ops``, torchvision's names), detection and tracking
metrics (``mathdl.vision.metrics``), and multi-object trackers (``mathdl.vision.tracking``).

Each subpackage is imported on first use: ``from mathdl.vision import ops`` or
``mathdl.vision.ops.box_iou(...)``.
"""

import importlib

_SUBPACKAGES = ("ops", "metrics", "tracking")


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"mathdl.vision.{name}")
    raise AttributeError(f"module 'mathdl.vision' has no attribute {name!r}")


__all__ = list(_SUBPACKAGES)
