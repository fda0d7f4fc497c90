"""``mathdl.backends``, as ``torch.backends``: the flags PyTorch programs set, on a CPU-only build.

``backends.mps.is_available()`` and ``backends.cudnn.is_available()`` are False;
``backends.cudnn.deterministic`` / ``benchmark`` can be set (mathdl is deterministic anyway).
"""

from mathdl.backends import cudnn, mps

__all__ = ["cudnn", "mps"]
