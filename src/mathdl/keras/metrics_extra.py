"""More ``keras.metrics`` (re-exported by ``keras.metrics``): the mean of a per-sample loss
(``MeanMetricWrapper`` and the cross-entropy, hinge, Poisson, KL, log-cosh and cosine metrics),
confusion counts at a threshold, and R².

    R2Score   1 − Σ (y − ŷ)² / Σ (y − ȳ)²   over every sample seen (one value per output column,
              averaged uniformly), ȳ from running sums
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.keras import losses
from mathdl.keras.metrics import Metric, _array


class MeanMetricWrapper(Metric):
    """The running mean of ``fn(y_true, y_pred, **kwargs)`` (per-sample values)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn, self.fn_kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", "mean_metric"), dtype)

    def values(self, y_true, y_pred):
        out = self.fn(y_true, y_pred, **self.fn_kwargs)
        return out.array if isinstance(out, Tensor) else np.asarray(out)

    def clone(self):
        return type(self).from_config(self.get_config())

    def get_config(self):
        return {"name": self.name, **self.fn_kwargs}


def _wrapped(class_name, fn, default_name, **defaults):
    def __init__(self, name=None, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name or default_name, dtype=dtype, **{**defaults, **kwargs})

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    doc = f"The running mean of ``keras.losses.{fn.__name__}`` per sample."
    return type(
        class_name, (MeanMetricWrapper,), {"__init__": __init__, "from_config": from_config, "__doc__": doc}
    )


BinaryCrossentropy = _wrapped(
    "BinaryCrossentropy", losses.binary_crossentropy, "binary_crossentropy", from_logits=False
)
CategoricalCrossentropy = _wrapped(
    "CategoricalCrossentropy", losses.categorical_crossentropy, "categorical_crossentropy", from_logits=False
)
SparseCategoricalCrossentropy = _wrapped(
    "SparseCategoricalCrossentropy",
    losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    from_logits=False,
)
Hinge = _wrapped("Hinge", losses.hinge, "hinge")
SquaredHinge = _wrapped("SquaredHinge", losses.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapped("CategoricalHinge", losses.categorical_hinge, "categorical_hinge")
KLDivergence = _wrapped("KLDivergence", losses.kl_divergence, "kl_divergence")
Poisson = _wrapped("Poisson", losses.poisson, "poisson")
LogCoshError = _wrapped("LogCoshError", losses.log_cosh, "logcosh")
MeanAbsolutePercentageError = _wrapped(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error, "mean_absolute_percentage_error"
)
MeanSquaredLogarithmicError = _wrapped(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error, "mean_squared_logarithmic_error"
)


def _cosine(y_true, y_pred, axis=-1):
    return -losses.cosine_similarity(y_true, y_pred, axis)


CosineSimilarity = _wrapped("CosineSimilarity", _cosine, "cosine_similarity", axis=-1)


class _Count(Metric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        self.thresholds = 0.5 if thresholds is None else float(thresholds)
        super().__init__(name, dtype)

    def reset_state(self):
        self.total = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = _array(y_pred).reshape(-1) > self.thresholds
        actual = _array(y_true).reshape(-1) > 0.5
        self.total += float(np.sum(self.select(predicted, actual)))

    def result(self):
        return Tensor(np.asarray(self.total, dtype=np.float64))

    def get_config(self):
        return {"name": self.name, "thresholds": self.thresholds}


class TruePositives(_Count):
    """How many predictions p > threshold have label 1."""

    default_name = "true_positives"

    def select(self, predicted, actual):
        return predicted & actual


class FalsePositives(_Count):
    """How many predictions p > threshold have label 0."""

    default_name = "false_positives"

    def select(self, predicted, actual):
        return predicted & ~actual


class TrueNegatives(_Count):
    """How many predictions p ≤ threshold have label 0."""

    default_name = "true_negatives"

    def select(self, predicted, actual):
        return ~predicted & ~actual


class FalseNegatives(_Count):
    """How many predictions p ≤ threshold have label 1."""

    default_name = "false_negatives"

    def select(self, predicted, actual):
        return ~predicted & actual


class R2Score(Metric):
    """Coefficient of determination over all samples seen (uniform average over outputs)."""

    default_name = "r2_score"

    def reset_state(self):
        self.n, self.sum, self.sum_sq, self.residual = 0.0, 0.0, 0.0, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        y = _array(y_true).astype(np.float64)
        p = _array(y_pred).astype(np.float64).reshape(y.shape)
        y2, p2 = y.reshape(len(y), -1), p.reshape(len(p), -1)
        self.n = self.n + len(y2)
        self.sum = self.sum + y2.sum(axis=0)
        self.sum_sq = self.sum_sq + (y2 * y2).sum(axis=0)
        self.residual = self.residual + ((y2 - p2) ** 2).sum(axis=0)

    def result(self):
        if not self.n:
            return Tensor(np.asarray(0.0))
        total = self.sum_sq - self.sum * self.sum / self.n
        score = 1.0 - np.divide(
            self.residual,
            total,
            out=np.zeros_like(np.asarray(total, dtype=np.float64)),
            where=np.asarray(total) != 0,
        )
        return Tensor(np.asarray(np.mean(score), dtype=np.float64))


CLASSES = {
    cls.__name__: cls
    for cls in (
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        KLDivergence,
        Poisson,
        LogCoshError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        CosineSimilarity,
        TruePositives,
        FalsePositives,
        TrueNegatives,
        FalseNegatives,
        R2Score,
    )
}
__all__ = sorted(CLASSES) + ["MeanMetricWrapper"]
