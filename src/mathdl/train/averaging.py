"""Averaging models: ensembles of independently trained members, snapshot ensembles and
stochastic weight averaging, as callbacks of the one fit loop.

* ``ensemble_probabilities(models, data)``: p̄(y|x) = (1/M) Σ_m softmax(f_m(x)), the prediction
  averaging of independently trained members (Lakshminarayanan et al., 2017, without the
  adversarial term).
* ``SnapshotEnsemble(cycle_epochs)``: Huang et al. (2017): train once with a cyclic cosine rate
  (``optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0=cycle_epochs)``), keep the weights at the
  end of every cycle (where the rate is smallest: a local minimum), and average the snapshots'
  predictions.
* ``StochasticWeightAveraging(swa_lr, swa_start)``: Izmailov et al. (2018): from epoch
  ``swa_start`` on, hold the rate at ``swa_lr`` (``optim.swa_utils.SWALR``) and average the
  WEIGHTS at the end of every epoch, w̄ ← w̄ + (w − w̄)/(n + 1) (``AveragedModel``); at the end,
  recompute BatchNorm statistics for w̄ (``update_bn``). One model, one forward pass.
"""

import copy

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.optim.swa_utils import SWALR, AveragedModel, update_bn
from mathdl.train.callbacks import Callback


def softmax_rows(logits):
    """Row-wise softmax of an (N, K) array, computed stably (max subtracted)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def predict_probabilities(model, data):
    """softmax(model(x)) for every batch of ``data`` (inputs, or (inputs, targets) pairs), in eval
    mode without a graph: (N, K) float64."""
    was_training = getattr(model, "training", True)
    model.eval()
    outputs = []
    try:
        with grad_mode.no_grad():
            for batch in data:
                inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
                x = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
                outputs.append(softmax_rows(np.asarray(model(x).array, dtype=np.float64)))
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("predict_probabilities: the data yielded no batches")
    return np.concatenate(outputs)


def ensemble_probabilities(models, data):
    """The mean of the members' predicted distributions, (1/M) Σ_m softmax(f_m(x)): (N, K)."""
    models = list(models)
    if not models:
        raise ValueError("ensemble_probabilities: give at least one model")
    return np.mean([predict_probabilities(model, data) for model in models], axis=0)


def _copy_state(model):
    return {name: np.array(value.array, copy=True) for name, value in model.state_dict().items()}


class SnapshotEnsemble(Callback):
    """Keep a copy of the weights at the end of every ``cycle_epochs`` epochs (the end of each
    cosine cycle when the Trainer's scheduler is ``CosineAnnealingWarmRestarts(T_0=cycle_epochs)``).

    ``snapshots``: the saved state dicts (oldest first); ``models()`` rebuilds them as modules;
    ``predict_proba(data, last=None)`` averages the predictions of all (or the last ``last``)."""

    def __init__(self, cycle_epochs):
        if isinstance(cycle_epochs, bool) or not isinstance(cycle_epochs, int) or cycle_epochs < 1:
            raise ValueError(f"SnapshotEnsemble: cycle_epochs must be a positive int, got {cycle_epochs!r}")
        self.cycle_epochs = cycle_epochs
        self.snapshots = []
        self.snapshot_epochs = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.cycle_epochs == 0:
            self.snapshots.append(_copy_state(self.model))
            self.snapshot_epochs.append(epoch)

    def models(self, last=None):
        """The snapshots as copies of the trained model (the last ``last`` of them, or all)."""
        if not self.snapshots:
            raise ValueError("SnapshotEnsemble: no snapshot yet (train at least one cycle)")
        chosen = self.snapshots if last is None else self.snapshots[-last:]
        members = []
        for state in chosen:
            member = copy.deepcopy(self.model)
            member.load_state_dict(state)
            members.append(member)
        return members

    def predict_proba(self, data, last=None):
        """(1/M) Σ softmax(f_m(x)) over the snapshots."""
        return ensemble_probabilities(self.models(last), data)

    def state_dict(self):
        return {"snapshots": self.snapshots, "snapshot_epochs": list(self.snapshot_epochs)}

    def load_state_dict(self, state):
        self.snapshots = [
            {k: np.asarray(getattr(v, "array", v)) for k, v in s.items()} for s in state["snapshots"]
        ]
        self.snapshot_epochs = [int(e) for e in state["snapshot_epochs"]]


class StochasticWeightAveraging(Callback):
    """SWA as a callback: from epoch ``swa_start`` (0-based) the Trainer's scheduler becomes
    ``SWALR(optimizer, swa_lr, anneal_epochs, anneal_strategy)`` and the weights after each epoch
    are folded into ``averaged_model`` (an ``AveragedModel``); at the end of training its
    BatchNorm statistics are recomputed over ``bn_data`` (a loader of training inputs) if given.

    ``averaged_model`` is what to evaluate (``Trainer(swa.averaged_model, None).evaluate(…)``);
    the trained model keeps its last weights."""

    def __init__(self, swa_lr, swa_start, anneal_epochs=1, anneal_strategy="cos", bn_data=None):
        if isinstance(swa_start, bool) or not isinstance(swa_start, int) or swa_start < 0:
            raise ValueError(f"StochasticWeightAveraging: swa_start must be an int >= 0, got {swa_start!r}")
        self.swa_lr, self.swa_start = swa_lr, swa_start
        self.anneal_epochs, self.anneal_strategy = anneal_epochs, anneal_strategy
        self.bn_data = bn_data
        self.averaged_model = None

    def on_train_begin(self, logs=None):
        if self.averaged_model is None:
            self.averaged_model = AveragedModel(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        if epoch >= self.swa_start and not isinstance(self.trainer.scheduler, SWALR):
            optimizer = next(iter(self.trainer.optimizers.values()))
            self.trainer.scheduler = SWALR(optimizer, self.swa_lr, self.anneal_epochs, self.anneal_strategy)

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.swa_start:
            self.averaged_model.update_parameters(self.model)

    def on_train_end(self, logs=None):
        if self.bn_data is not None and int(self.averaged_model.n_averaged.array) > 0:
            update_bn(self.bn_data, self.averaged_model)

    def state_dict(self):
        return {"averaged": _copy_state(self.averaged_model)} if self.averaged_model is not None else {}

    def load_state_dict(self, state):
        if state.get("averaged"):
            self.averaged_model.load_state_dict(
                {k: np.asarray(getattr(v, "array", v)) for k, v in state["averaged"].items()}
            )
