"""Whether operations are being recorded for differentiation (``no_grad`` turns recording off).

As in PyTorch, ``no_grad()``, ``enable_grad()`` and ``inference_mode()`` work as context managers
and as decorators (with or without parentheses: ``@no_grad`` and ``@no_grad()``), and
``set_grad_enabled(mode)`` also works as a plain call (it switches at once; used with ``with`` it
restores the previous mode on exit).
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

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], bool):
            return cls()(args[0])  # used as a bare decorator: @no_grad
        return super().__new__(cls)

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


_inference = False


def is_inference_mode_enabled():
    """True inside ``inference_mode()``."""
    return _inference


class inference_mode(_Mode):
    """Context manager (or decorator) for evaluation, as ``torch.inference_mode``: nothing is
    recorded, as under ``no_grad``. (PyTorch also marks the tensors made inside as unusable for
    autograd later; mathdl's are ordinary tensors that do not require grad.)
    ``inference_mode(False)`` changes nothing."""

    def __init__(self, mode=True):
        super().__init__()
        self.enabled = bool(mode)
        self.mode = False if mode else _enabled
        self._inference_previous = []

    def __enter__(self):
        global _inference
        if not self.enabled:
            self.mode = _enabled
        self._inference_previous.append(_inference)
        _inference = self.enabled or _inference
        return super().__enter__()

    def __exit__(self, *exc_info):
        global _inference
        _inference = self._inference_previous.pop()
        return super().__exit__(*exc_info)
