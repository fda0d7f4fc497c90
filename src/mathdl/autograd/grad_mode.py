"""Whether operations are being recorded for differentiation (``no_grad`` turns recording off)."""
import contextlib

_enabled = True


def is_grad_enabled():
    """True while operations on tensors that require gradients are recorded into a graph."""
    return _enabled


@contextlib.contextmanager
def set_grad_enabled(mode):
    """Context manager that turns graph recording on or off and restores the previous mode."""
    global _enabled
    previous = _enabled
    _enabled = bool(mode)
    try:
        yield
    finally:
        _enabled = previous


def no_grad():
    """Context manager in which nothing is recorded: results never require gradients.

    Use it for evaluation and for parameter updates, like ``torch.no_grad``.
    """
    return set_grad_enabled(False)


def enable_grad():
    """Context manager that turns recording back on inside a ``no_grad`` block."""
    return set_grad_enabled(True)
