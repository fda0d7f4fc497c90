"""Anomaly detection, as ``torch.autograd.detect_anomaly`` / ``set_detect_anomaly``: name the
Function whose forward or backward first produced a nan or an inf.

Off (the default) it costs one flag test per op. On, every Function's outputs are checked after
its forward (raising when they hold nan, or ±inf, that its inputs did not) and every gradient it
returns after its backward, and the error names the Function, so a learner's nan is traced to
the op that made it instead of flowing silently into the loss. (An op that produces ±inf on
purpose, such as masking scores with −inf before a softmax, is reported too: turn anomaly mode on
only to debug.)

>>> import mathdl as md
>>> x = md.tensor([0.0], requires_grad=True)
>>> with md.autograd.detect_anomaly():
...     md.log(x)
Traceback (most recent call last):
...
mathdl.autograd.anomaly.AnomalyError: anomaly: LogBackward's forward produced inf in its output 0 from finite inputs
"""

import numpy as np

from mathdl.autograd import function as _function
from mathdl.autograd.tensor import AutogradError


class AnomalyError(AutogradError):
    """A nan or inf appeared (only raised while anomaly detection is on)."""


def is_anomaly_enabled():
    return _function._anomaly


class set_detect_anomaly:
    """Turn anomaly detection on or off now (``set_detect_anomaly(True)``); as a context manager,
    restore the previous setting on exit."""

    def __init__(self, mode, check_nan=True):
        self.previous = _function._anomaly
        _function._anomaly = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _function._anomaly = self.previous
        return False


class detect_anomaly(set_detect_anomaly):
    """Context manager with anomaly detection on inside the block."""

    def __init__(self, check_nan=True):
        self.previous = None

    def __enter__(self):
        self.previous = _function._anomaly
        _function._anomaly = True
        return self


def _problem(array):
    array = np.asarray(array)
    if array.dtype.kind not in "fc":
        return None
    if np.isnan(array).any():
        return "nan"
    if np.isinf(array).any():
        return "inf"
    return None


# While a backward pass runs, the ops its formulas call are part of that Function's backward: their
# results are checked as its gradients (check_backward), not as forwards of their own.
_backward_depth = 0


class in_backward:
    def __enter__(self):
        global _backward_depth
        _backward_depth += 1

    def __exit__(self, *exc_info):
        global _backward_depth
        _backward_depth -= 1
        return False


def check_forward(function, inputs, outputs):
    if _backward_depth:
        return
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    worst_in = {_problem(x.array) for x in inputs}
    for position, y in enumerate(outputs):
        found = _problem(y)
        if found is None or found in worst_in or (found == "inf" and "nan" in worst_in):
            continue
        source = "finite inputs" if worst_in <= {None} else "inputs without nan"
        raise AnomalyError(
            f"anomaly: {function.name()}'s forward produced {found} in its output {position} from {source}"
        )


def check_backward(function, input_grads):
    for position, g in enumerate(input_grads):
        if g is None:
            continue
        found = _problem(g.array)
        if found is not None:
            raise AnomalyError(
                f"anomaly: Function '{function.name()}' returned {found} values in its gradient for input "
                f"{position} (its backward produced them)"
            )
