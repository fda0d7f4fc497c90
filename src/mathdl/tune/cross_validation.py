"""k-fold cross-validated scores of a model family, as an objective for the searches.

    score(θ) = (1/k) Σ_j s(f_θ trained on D ∖ D_j, D_j)

over the folds D_1 … D_k of ``mathdl.data.kfold_splits`` (stratified by class when labels are
known, so every fold keeps the class proportions). ``cross_val_score`` returns the k fold scores;
the searches report their mean and standard deviation.

The one place that knows how a network is trained is ``fit_fn(model, params, train_set, val_set,
budget) -> score``; ``trainer_fit_score`` is today's default, written against
``mathdl.train.Trainer``. Pass another ``fit_fn`` to train differently.
"""

import numbers

import numpy as np

from mathdl.data import DataLoader, Subset, TensorDataset, kfold_splits

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")


def _build_optimizer(model, params):
    from mathdl import optim

    name = str(params.get("optimizer", "adam")).lower()
    lr = float(params.get("lr", 1e-3))
    weight_decay = float(params.get("weight_decay", 0.0))
    if name == "sgd":
        return optim.SGD(
            model.parameters(), lr=lr, momentum=float(params.get("momentum", 0.0)), weight_decay=weight_decay
        )
    if name == "adam":
        return optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(model.parameters(), lr=lr, weight_decay=weight_decay)
    raise ValueError(f"trainer_fit_score: params['optimizer'] must be one of {OPTIMIZERS}, got {name!r}")


def trainer_fit_score(model, params, train_set, val_set, budget):
    """Train ``model`` with ``mathdl.train.Trainer`` and return its validation accuracy.

    Reads from ``params``: ``optimizer`` ('adam'), ``lr`` (1e-3), ``momentum``, ``weight_decay``,
    ``batch_size`` (64) and ``epochs`` (used when ``budget`` is None; else budget = epochs).
    """
    from mathdl.train import Trainer

    epochs = int(budget if budget is not None else params.get("epochs", 5))
    batch_size = int(params.get("batch_size", 64))
    trainer = Trainer(model, _build_optimizer(model, params), verbose=0)
    trainer.fit(DataLoader(train_set, batch_size=batch_size, shuffle=True), epochs)
    return trainer.evaluate(DataLoader(val_set, batch_size=1024))["accuracy"]


def _labels_of(dataset, labels):
    if labels is not None:
        return np.asarray(getattr(labels, "array", labels))
    if isinstance(dataset, TensorDataset) and len(dataset.arrays) >= 2:
        candidate = dataset.arrays[-1]
        if candidate.ndim == 1 and candidate.dtype.kind in "iub":
            return candidate
    return None


def cross_val_score(
    build_model, params, dataset, folds=5, fit_fn=None, budget=None, labels=None, stratified=True, seed=0
):
    """The k fold scores (array (k,)) of ``build_model(params)`` trained by ``fit_fn``.

    Args:
        build_model: ``params -> nn.Module`` (a fresh model per fold).
        params: the hyper-parameters (also given to ``fit_fn``).
        dataset: a map-style dataset of (input, target) pairs (e.g. ``TensorDataset(x, y)``).
        folds: k ≥ 2.  fit_fn: ``(model, params, train_set, val_set, budget) -> score``
            (default ``trainer_fit_score``: validation accuracy after training with Trainer).
        labels: class labels (N,) for stratified folds; taken from a TensorDataset's last array
            when it holds integers; without labels the folds are plain k-fold.
        seed: the folds' shuffle, and ``md.manual_seed(seed + j)`` before building fold j's model,
            so every configuration meets the same splits and initial draws (None: global stream).
    """
    import mathdl as md

    if not callable(build_model):
        raise TypeError(
            f"cross_val_score: build_model must be callable(params), got {type(build_model).__name__}"
        )
    if isinstance(folds, bool) or not isinstance(folds, numbers.Integral) or folds < 2:
        raise ValueError(f"cross_val_score: folds must be an integer >= 2, got {folds!r}")
    fit_fn = trainer_fit_score if fit_fn is None else fit_fn
    if not callable(fit_fn):
        raise TypeError("cross_val_score: fit_fn must be callable(model, params, train_set, val_set, budget)")
    labels = _labels_of(dataset, labels)
    stratify = bool(stratified) and labels is not None
    source = labels if stratify else len(dataset)
    scores = []
    for fold, (train_idx, val_idx) in enumerate(kfold_splits(source, folds, seed=seed, stratified=stratify)):
        if seed is not None:
            md.manual_seed(int(seed) + fold)
        model = build_model(dict(params))
        scores.append(
            float(fit_fn(model, dict(params), Subset(dataset, train_idx), Subset(dataset, val_idx), budget))
        )
    return np.array(scores)


def cross_validation_objective(
    build_model, dataset, folds=5, fit_fn=None, labels=None, stratified=True, seed=0
):
    """``objective(params, budget)`` returning the k fold scores, for any search's ``run``."""

    def objective(params, budget):
        return cross_val_score(build_model, params, dataset, folds, fit_fn, budget, labels, stratified, seed)

    return objective
