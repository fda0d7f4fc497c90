"""Callbacks that probe what a network's layers compute while it trains (to move into
``train/callbacks.py`` once the new training path lands).

``InformationPlane`` records, at chosen epochs, every watched layer's activations on a fixed data
set and their information-plane coordinates (I(X;T), I(T;Y)) by binning and by the KDE bound
(``mathdl.stats.mutual_information_binned`` / ``mutual_information_kde``; Shwartz-Ziv & Tishby,
2017; Saxe et al., 2018).
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.stats.information_plane import mutual_information_binned, mutual_information_kde
from mathdl.train.callbacks import Callback


def _softmax(array):
    shifted = array - array.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


class InformationPlane(Callback):
    """(I(X;T), I(T;Y)) of watched layers during training.

    Args:
        inputs, labels: the data the estimates are taken over (all of it in one forward pass).
        layers: the modules whose outputs are the T's (e.g. the activation modules), in order.
        include_output: also watch the model's output, passed through a softmax (the last "layer").
        epochs: the epochs (0-based, counted as ``on_epoch_end`` sees them) after which to measure,
            or None for every epoch; the state before training is always recorded as epoch −1.
        kde_epochs: where the (slower, O(n²)) KDE estimate is also taken (default: none).
        bins, bin_width, noise_variance: of the two estimators (``mutual_information_binned`` and
            ``mutual_information_kde``); base: 2 (bits, as the papers plot).

    ``records``: a list of {'epoch', 'layer', 'binned': (I_XT, I_TY), 'kde': (I_XT, I_TY) or None}.
    """

    def __init__(
        self,
        inputs,
        labels,
        layers,
        include_output=True,
        epochs=None,
        kde_epochs=(),
        bins=30,
        bin_width=None,
        noise_variance=0.1,
        base=2,
    ):
        self.inputs = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
        self.labels = np.asarray(getattr(labels, "array", labels))
        if self.labels.shape[0] != self.inputs.shape[0]:
            raise ValueError(
                f"InformationPlane: {self.inputs.shape[0]} inputs but {self.labels.shape[0]} labels"
            )
        self.layers = list(layers)
        if not self.layers and not include_output:
            raise ValueError("InformationPlane: watch at least one layer or include_output=True")
        self.include_output = bool(include_output)
        self.epochs = None if epochs is None else {int(e) for e in epochs}
        self.kde_epochs = {int(e) for e in kde_epochs}
        self.bins, self.bin_width, self.noise_variance, self.base = bins, bin_width, noise_variance, base
        self.records = []

    def activations(self):
        """The watched layers' outputs on ``inputs`` (eval mode, no graph): a list of (n, d) arrays."""
        captured = {}
        handles = [
            layer.register_forward_hook(lambda module, args, output, k=k: captured.__setitem__(k, output))
            for k, layer in enumerate(self.layers)
        ]
        was_training = getattr(self.model, "training", True)
        self.model.eval()
        try:
            with grad_mode.no_grad():
                output = self.model(self.inputs)
        finally:
            for handle in handles:
                handle.remove()
            self.model.train(was_training)
        arrays = [np.asarray(captured[k].array, dtype=np.float64) for k in range(len(self.layers))]
        if self.include_output:
            arrays.append(_softmax(np.asarray(output.array, dtype=np.float64)))
        return [a.reshape(a.shape[0], -1) for a in arrays]

    def measure(self, epoch):
        """Estimate and record every watched layer's coordinates now (as ``epoch``)."""
        with_kde = epoch in self.kde_epochs
        for index, activity in enumerate(self.activations()):
            binned = mutual_information_binned(
                activity, self.labels, bins=self.bins, base=self.base, bin_width=self.bin_width
            )
            kde = None
            if with_kde:
                kde = mutual_information_kde(activity, self.labels, self.noise_variance, base=self.base)
            self.records.append({"epoch": epoch, "layer": index, "binned": binned, "kde": kde})

    def on_train_begin(self, logs=None):
        if not any(r["epoch"] == -1 for r in self.records):
            self.measure(-1)

    def on_epoch_end(self, epoch, logs=None):
        if self.epochs is None or epoch in self.epochs or epoch in self.kde_epochs:
            self.measure(epoch)

    def as_arrays(self, estimator="binned"):
        """(epochs (m,), coordinates (m, layers, 2)) of the epochs measured with ``estimator``."""
        rows = [r for r in self.records if r[estimator] is not None]
        epochs = sorted({r["epoch"] for r in rows})
        layers = 1 + max(r["layer"] for r in rows)
        table = np.full((len(epochs), layers, 2), np.nan)
        position = {e: i for i, e in enumerate(epochs)}
        for r in rows:
            table[position[r["epoch"]], r["layer"]] = r[estimator]
        return np.array(epochs), table

    def state_dict(self):
        return {"records": [dict(r) for r in self.records]}

    def load_state_dict(self, state):
        self.records = [dict(r) for r in state.get("records", [])]
