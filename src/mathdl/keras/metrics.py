"""``keras.metrics``: stateful metrics with Keras 3's names, usable by name or as objects in
``compile(metrics=...)`` and on their own (``update_state``, ``result``, ``reset_state``).

    Accuracy                    mean [y_pred == y_true]
    BinaryAccuracy(threshold=.5) mean [(p > threshold) == y]
    CategoricalAccuracy          mean [argmax p == argmax y]
    SparseCategoricalAccuracy    mean [argmax p == y]
    TopKCategoricalAccuracy(k=5) / SparseTopKCategoricalAccuracy(k=5): y among the k largest p
    Mean / Sum                   the (weighted) mean / sum of the values given
    MeanSquaredError / MeanAbsoluteError / RootMeanSquaredError: over all entries seen
    Precision / Recall (threshold .5): TP / (TP + FP), TP / (TP + FN)
    AUC(num_thresholds=200, curve='ROC'|'PR', summation_method='interpolation')

AUC follows Keras: thresholds t_0 = −ε, t_i = i/(n − 1) for i = 1 … n − 2, t_{n−1} = 1 + ε; at
each, TP, FP, TN, FN count predictions p > t (all labels and outputs flattened). ROC: x = FP/(FP +
TN), y = TP/(TP + FN) and the area Σ_i (x_i − x_{i+1}) (y_i + y_{i+1})/2 ('interpolation'; the
min or max of the two heights for 'minoring'/'majoring'). PR with 'interpolation' uses Davis &
Goadrich's interpolation of precision between thresholds, as Keras does.

``compile(metrics=['accuracy'])`` picks the accuracy that fits the loss, as Keras: sparse with
``sparse_categorical_crossentropy``, binary with ``binary_crossentropy`` (or one output unit),
categorical otherwise; the log key stays 'accuracy'.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.keras.base_layer import unique_name


def _array(value):
    return value.array if isinstance(value, Tensor) else np.asarray(value)


class Metric:
    """Base: ``update_state(y_true, y_pred, sample_weight=None)``, ``result()`` (a Tensor
    scalar), ``reset_state()``; ``metric(y_true, y_pred)`` updates and returns the result."""

    default_name = "metric"

    def __init__(self, name=None, dtype=None):
        self.name = name or unique_name(self.default_name)
        self.dtype = dtype
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def values(self, y_true, y_pred):
        """Per-sample values (a 1-D array) whose mean the metric reports."""
        raise NotImplementedError(type(self).__name__)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _array(y_true), _array(y_pred)
        values = np.asarray(self.values(y_true, y_pred), dtype=np.float64)
        if values.ndim > 1:
            values = values.reshape(len(values), -1).mean(axis=1)
        self._accumulate(values, sample_weight)

    def _accumulate(self, values, sample_weight):
        # running Σ wᵢ vᵢ and Σ wᵢ (wᵢ = 1 without sample_weight), so result() is the weighted mean
        weights = (
            np.ones_like(values)
            if sample_weight is None
            else np.broadcast_to(_array(sample_weight), values.shape)
        )
        self.total += float(np.sum(values * weights))
        self.count += float(np.sum(weights))

    def result(self):
        return Tensor(np.asarray(self.total / self.count if self.count else 0.0, dtype=np.float64))

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def clone(self):
        """A fresh metric with the same configuration (and name)."""
        return type(self).from_config(self.get_config())

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of every value passed to ``update_state(values)``."""

    default_name = "mean"

    def update_state(self, values, sample_weight=None):
        values = np.asarray(_array(values), dtype=np.float64)
        self._accumulate(values, sample_weight)

    def __call__(self, values, sample_weight=None):
        self.update_state(values, sample_weight)
        return self.result()


class Sum(Mean):
    """The (weighted) sum of every value passed."""

    default_name = "sum"

    def result(self):
        return Tensor(np.asarray(self.total, dtype=np.float64))


class Accuracy(Metric):
    """How often predictions equal labels exactly."""

    default_name = "accuracy"

    def values(self, y_true, y_pred):
        if y_pred.size != y_true.size:
            raise ValueError(
                f"Accuracy: y_true {y_true.shape} and y_pred {y_pred.shape} must have the same size"
            )
        return (y_pred.reshape(y_true.shape) == y_true).astype(np.float64)


class BinaryAccuracy(Metric):
    """How often (p > threshold) equals the 0/1 label."""

    default_name = "binary_accuracy"

    def __init__(self, name=None, dtype=None, threshold=0.5):
        self.threshold = float(threshold)
        super().__init__(name, dtype)

    def values(self, y_true, y_pred):
        return ((y_pred > self.threshold) == (y_true.reshape(y_pred.shape) > 0.5)).astype(np.float64)

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold}


class CategoricalAccuracy(Metric):
    """How often argmax of the prediction equals argmax of the one-hot label."""

    default_name = "categorical_accuracy"

    def values(self, y_true, y_pred):
        if y_true.ndim == y_pred.ndim:
            y_true = y_true.argmax(axis=-1)
        return (y_pred.argmax(axis=-1) == y_true).astype(np.float64)


class SparseCategoricalAccuracy(Metric):
    """How often argmax of the prediction equals the integer label."""

    default_name = "sparse_categorical_accuracy"

    def values(self, y_true, y_pred):
        y_true = y_true.reshape(y_pred.shape[:-1])
        return (y_pred.argmax(axis=-1) == y_true).astype(np.float64)


class TopKCategoricalAccuracy(Metric):
    """How often the one-hot label's class is among the ``k`` largest predictions."""

    default_name = "top_k_categorical_accuracy"

    def __init__(self, k=5, name=None, dtype=None):
        self.k = int(k)
        super().__init__(name, dtype)

    def _labels(self, y_true, y_pred):
        return y_true.argmax(axis=-1)

    def values(self, y_true, y_pred):
        labels = self._labels(y_true, y_pred)
        score = np.take_along_axis(y_pred, labels[..., None].astype(np.int64), axis=-1)
        return ((y_pred > score).sum(axis=-1) < self.k).astype(np.float64)

    def get_config(self):
        return {"name": self.name, "k": self.k}


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """How often the integer label is among the ``k`` largest predictions."""

    default_name = "sparse_top_k_categorical_accuracy"

    def _labels(self, y_true, y_pred):
        return y_true.reshape(y_pred.shape[:-1])


class MeanSquaredError(Metric):
    """mean (y − ŷ)² over all entries seen."""

    default_name = "mean_squared_error"

    def values(self, y_true, y_pred):
        return np.square(y_pred - y_true.reshape(y_pred.shape))


class MeanAbsoluteError(Metric):
    """mean |y − ŷ| over all entries seen."""

    default_name = "mean_absolute_error"

    def values(self, y_true, y_pred):
        return np.abs(y_pred - y_true.reshape(y_pred.shape))


class RootMeanSquaredError(MeanSquaredError):
    """√(mean (y − ŷ)²) over all entries seen."""

    default_name = "root_mean_squared_error"

    def result(self):
        return Tensor(np.asarray(np.sqrt(self.total / self.count) if self.count else 0.0, dtype=np.float64))


class _Confusion(Metric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        self.thresholds = 0.5 if thresholds is None else float(thresholds)
        super().__init__(name, dtype)

    def reset_state(self):
        self.tp = self.fp = self.fn = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = _array(y_pred).reshape(-1) > self.thresholds
        actual = _array(y_true).reshape(-1) > 0.5
        self.tp += float(np.sum(predicted & actual))
        self.fp += float(np.sum(predicted & ~actual))
        self.fn += float(np.sum(~predicted & actual))

    def get_config(self):
        return {"name": self.name, "thresholds": self.thresholds}


class Precision(_Confusion):
    """TP / (TP + FP) at ``thresholds`` (0.5)."""

    default_name = "precision"

    def result(self):
        denominator = self.tp + self.fp
        return Tensor(np.asarray(self.tp / denominator if denominator else 0.0, dtype=np.float64))


class Recall(_Confusion):
    """TP / (TP + FN) at ``thresholds`` (0.5)."""

    default_name = "recall"

    def result(self):
        denominator = self.tp + self.fn
        return Tensor(np.asarray(self.tp / denominator if denominator else 0.0, dtype=np.float64))


def _divide(a, b):
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)


class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at ``num_thresholds`` thresholds."""

    default_name = "auc"

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        from_logits=False,
    ):
        if num_thresholds <= 1:
            raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
        curve, method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(
                f"AUC: summation_method must be 'interpolation', 'minoring' or 'majoring', got {method!r}"
            )
        self.num_thresholds, self.curve, self.summation_method = int(num_thresholds), curve, method
        self.from_logits = bool(from_logits)
        inner = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
        self.thresholds = np.array([0.0 - 1e-7] + inner + [1.0 + 1e-7])
        super().__init__(name, dtype)

    def reset_state(self):
        n = getattr(self, "num_thresholds", 0)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = _array(y_pred).astype(np.float64).reshape(-1)
        if self.from_logits:
            p = 0.5 * (1.0 + np.tanh(0.5 * p))
        y = _array(y_true).astype(np.float64).reshape(-1) > 0.5
        if y.size != p.size:
            raise ValueError(
                f"AUC: y_true and y_pred must have the same number of entries (labels per output), got "
                f"{_array(y_true).shape} and {_array(y_pred).shape}"
            )
        if sample_weight is None:
            w = np.ones_like(p)
        else:
            weight = _array(sample_weight).astype(np.float64)
            shape = _array(y_pred).shape
            w = np.broadcast_to(
                weight.reshape(weight.shape + (1,) * (len(shape) - weight.ndim)), shape
            ).reshape(-1)
        # counts of p > t for every threshold t, from the sorted predictions (no loop over samples)
        for mask, above, below in ((y, self.tp, self.fn), (~y, self.fp, self.tn)):
            scores, weights = p[mask], w[mask]
            order = np.argsort(scores)
            scores, cumulative = scores[order], np.concatenate([[0.0], np.cumsum(weights[order])])
            below_counts = cumulative[np.searchsorted(scores, self.thresholds, side="right")]
            above += cumulative[-1] - below_counts
            below += below_counts

    def result(self):
        tp, fp, tn, fn = self.tp, self.fp, self.tn, self.fn
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            return Tensor(np.asarray(self._interpolated_pr(), dtype=np.float64))
        recall = _divide(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide(fp, fp + tn), recall
        else:
            x, y = recall, _divide(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return Tensor(np.asarray(np.sum((x[: n - 1] - x[1:]) * heights), dtype=np.float64))

    def _interpolated_pr(self):
        tp, fp, fn = self.tp, self.fp, self.fn
        n = self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        slope = _divide(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where(
            (p[: n - 1] > 0) & (p[1:] > 0), _divide(p[: n - 1], np.maximum(p[1:], 0)), np.ones_like(p[1:])
        )
        return float(
            np.sum(_divide(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)))
        )

    def get_config(self):
        return {
            "name": self.name,
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "from_logits": self.from_logits,
        }


# ----- functional forms (per-sample values) ---------------------------------------------------------------
def sparse_categorical_accuracy(y_true, y_pred):
    return Tensor(SparseCategoricalAccuracy(name="f").values(_array(y_true), _array(y_pred)))


def categorical_accuracy(y_true, y_pred):
    return Tensor(CategoricalAccuracy(name="f").values(_array(y_true), _array(y_pred)))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    return Tensor(
        BinaryAccuracy(name="f", threshold=threshold).values(_array(y_true), _array(y_pred)).mean(axis=-1)
    )


CLASSES = {
    cls.__name__: cls
    for cls in (
        Mean,
        Sum,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        MeanSquaredError,
        MeanAbsoluteError,
        RootMeanSquaredError,
        Precision,
        Recall,
        AUC,
    )
}
NAMES = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "rmse": RootMeanSquaredError,
    "auc": AUC,
    "precision": Precision,
    "recall": Recall,
}


class _FunctionMetric(Metric):
    """A function ``f(y_true, y_pred)`` of per-sample values (or an array-level ``f(output,
    target) -> float`` batch mean) tracked as a mean."""

    def __init__(self, function, name=None):
        self.function = function
        super().__init__(name or getattr(function, "__name__", "metric"))

    def values(self, y_true, y_pred):
        return _array(self.function(y_true, y_pred))

    def clone(self):
        return _FunctionMetric(self.function, self.name)


def get(identifier, loss=None):
    """A metric object from a name ('accuracy' resolved against ``loss``, 'mae', 'auc', …), a
    Metric (returned as is), a Metric class or a function f(y_true, y_pred)."""

    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            return _AutoAccuracy(name=identifier)
        if identifier in NAMES:
            return NAMES[identifier](name=identifier)
        if identifier in CLASSES:
            return CLASSES[identifier]()
        raise ValueError(
            f"unknown metric {identifier!r}; known: 'accuracy', {sorted(NAMES)} or keras.metrics objects"
        )
    if callable(identifier):
        return _FunctionMetric(identifier)
    raise ValueError(f"unknown metric {identifier!r}")


class _AutoAccuracy(Metric):
    """'accuracy' in compile: binary, sparse or categorical by the shapes, as Keras 3 decides —
    binary when the output has one unit, sparse when the labels have fewer axes than the output
    (or one column against several), categorical otherwise."""

    default_name = "accuracy"

    def values(self, y_true, y_pred):
        if y_pred.ndim and y_pred.shape[-1] == 1:
            return ((y_pred > 0.5) == (y_true.reshape(y_pred.shape) > 0.5)).astype(np.float64)
        if y_true.ndim < y_pred.ndim or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1):
            return SparseCategoricalAccuracy.values(self, y_true, y_pred)
        return CategoricalAccuracy.values(self, y_true, y_pred)

    def clone(self):
        return _AutoAccuracy(name=self.name)


def serialize(metric):
    """A name (for names) or {'class_name', 'config'} of a metric object."""
    if isinstance(metric, str):
        return metric
    if isinstance(metric, _AutoAccuracy):
        return metric.name
    if type(metric).__name__ in CLASSES:
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    raise ValueError(f"metric {metric!r} cannot be saved; use a keras.metrics class or a name")


def deserialize(config):
    if isinstance(config, str):
        return config
    return CLASSES[config["class_name"]].from_config(config["config"])


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return Tensor(TopKCategoricalAccuracy(k=k, name="f").values(_array(y_true), _array(y_pred)))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    return Tensor(SparseTopKCategoricalAccuracy(k=k, name="f").values(_array(y_true), _array(y_pred)))


from mathdl.keras.metrics_extra import *  # noqa: E402,F401,F403
from mathdl.keras.metrics_extra import CLASSES as _EXTRA  # noqa: E402

CLASSES.update(_EXTRA)
NAMES.update(
    binary_crossentropy=_EXTRA["BinaryCrossentropy"],
    categorical_crossentropy=_EXTRA["CategoricalCrossentropy"],
    sparse_categorical_crossentropy=_EXTRA["SparseCategoricalCrossentropy"],
    mape=_EXTRA["MeanAbsolutePercentageError"],
    msle=_EXTRA["MeanSquaredLogarithmicError"],
    r2_score=_EXTRA["R2Score"],
)
