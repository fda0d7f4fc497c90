"""Whether operations are being recorded for differentiation (``no_grad`` turns recording off).

As in PyTorch, ``no_grad()`` and ``enable_grad()`` work as context managers and as decorators,
and ``set_grad_enabled(mode)`` also works as a plain call (it switches at once; used with ``with``
it restores the previous mode on exit).
"""

import contextlib

_enabled = True


def is_grad_enabled():
    """True while operations on tensors that require gradients are recorded into a graph."""
    return _enabled


def _set(mode):
    global _enabled
    _enabled = bool(mode)


class _Mode(contextlib.ContextDecorator):
    """Sets recording to ``self.mode`` inside the block and restores the previous mode after it
    (also after an exception). One instance may be re-entered (a decorated recursive function),
    so previous modes are kept on a stack."""

    mode = True

    def __init__(self):
        self._previous = []

    def __enter__(self):
        self._previous.append(_enabled)
        _set(self.mode)
        return self

    def __exit__(self, *exc_info):
        _set(self._previous.pop())
        return False


class no_grad(_Mode):
    """Context manager (or decorator) in which nothing is recorded: results never require
    gradients. Use it for evaluation and for parameter updates, like ``torch.no_grad``."""

    mode = False


class enable_grad(_Mode):
    """Context manager (or decorator) that turns recording back on inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled:
    """Turn recording on or off now; as a context manager, restore the previous mode on exit.

    ``set_grad_enabled(False)`` (a call) switches recording off until switched back;
    ``with set_grad_enabled(mode): ...`` limits the change to the block.
    """

    def __init__(self, mode):
        self.previous = _enabled
        _set(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _set(self.previous)
        return False
