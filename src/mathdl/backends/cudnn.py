"""``mathdl.backends.cudnn``: cuDNN is not available. The flags programs set for reproducibility
are plain attributes here (mathdl's CPU results are deterministic whatever they say)."""

deterministic = False
benchmark = False
enabled = True


def is_available():
    return False


def version():
    return None
