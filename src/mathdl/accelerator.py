"""``mathdl.accelerator``, as ``torch.accelerator``: no accelerator is available (CPU only)."""


def is_available():
    return False


def device_count():
    return 0


def current_accelerator(check_available=False):
    """None: there is no accelerator (as PyTorch on a CPU-only machine)."""
    return None
