"""The result object every method returns, in SciPy's shape (a dict whose keys are also attributes)."""

import numpy as np


class OptimizeResult(dict):
    """``x`` (array shaped like x0), ``fun`` (f(x)), ``jac`` (∇f(x)), ``grad_norm`` (‖∇f(x)‖∞; for
    constrained methods that of the Lagrangian), ``nit``, ``nfev``, ``njev``, ``nhev``, ``success``,
    ``message``, ``trajectory`` (the iterates, shape (nit + 1, n)) and ``method``; constrained
    methods add ``multipliers`` and ``constraint_violation``."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __repr__(self):
        lines = []
        for key in ("message", "success", "fun", "x", "nit", "nfev", "njev", "nhev", "grad_norm", "method"):
            if key in self:
                value = self[key]
                if isinstance(value, np.ndarray):
                    value = np.array2string(value, precision=8, threshold=8)
                lines.append(f"{key:>10}: {value}")
        return "\n".join(lines)
