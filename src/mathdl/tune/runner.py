"""Run the search a TOML file describes (what ``mathdl tune CONFIG.toml`` will call):

    [search]   strategy and its options (see ``mathdl.tune.config``)
    [space.*]  the hyper-parameters
    [model]    name = "mlp" (a ``mathdl.models`` name) and fixed constructor keywords
    [data]     dataset = "fashion-mnist-subset" | "fashion-mnist" | "mnist" | a folder; limit = N
               (use the first N training images; optional)
    [cv]       folds = 3, seed = 0, stratified = true
    [output]   dir = "runs/tune"

A hyper-parameter whose name is a keyword of the model's constructor goes to ``models.build``; the
others (lr, optimizer, batch_size, epochs, weight_decay, momentum) go to the fit function
(``trainer_fit_score`` unless another is given). Writes ``cv_results.csv``, ``cv_results.json`` and
``search.png`` into the output folder and returns the ``SearchResults``.
"""

import inspect
import numbers
import os

import numpy as np

from mathdl.tune.config import ConfigError, load_config, make_search, parse_config
from mathdl.tune.cross_validation import cross_validation_objective

SECTION_KEYS = {
    "model": None,  # name + the model's own keywords
    "data": {"dataset", "limit"},
    "cv": {"folds", "seed", "stratified"},
    "output": {"dir"},
}


def _check_sections(sections, where):
    unknown = set(sections) - set(SECTION_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown tables {sorted(unknown)} (known: search, space, {', '.join(SECTION_KEYS)})"
        )
    for name, allowed in SECTION_KEYS.items():
        table = sections.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where} [{name}]: must be a table")
        if allowed is not None and set(table) - allowed:
            raise ConfigError(
                f"{where} [{name}]: unknown keys {sorted(set(table) - allowed)} (allowed: {sorted(allowed)})"
            )
    if "name" not in sections.get("model", {}):
        raise ConfigError(f"{where} [model]: 'name' is required (a mathdl.models name)")
    folds = sections.get("cv", {}).get("folds", 3)
    if isinstance(folds, bool) or not isinstance(folds, numbers.Integral) or folds < 2:
        raise ConfigError(f"{where} [cv] folds: must be an integer >= 2, got {folds!r}")
    limit = sections.get("data", {}).get("limit")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < folds
    ):
        raise ConfigError(f"{where} [data] limit: must be an integer >= folds, got {limit!r}")


def _model_builder(model_table, where):
    from mathdl import models

    name = model_table["name"]
    fixed = {k: v for k, v in model_table.items() if k != "name"}
    try:
        factory = models.get(name)
    except ValueError as error:
        raise ConfigError(f"{where} [model] name: {error}") from None
    keywords = set(inspect.signature(factory).parameters)

    def build(params):
        chosen = {k: v for k, v in params.items() if k in keywords}
        return models.build(name, **{**fixed, **chosen})

    return build


def _dataset(data_table):
    from mathdl.data import TensorDataset, load_dataset

    (images, labels), _ = load_dataset(data_table.get("dataset", "fashion-mnist-subset"))
    limit = data_table.get("limit")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = images.astype(np.float32) * np.float32(1.0 / 255.0)
    return TensorDataset(x[:, None] if x.ndim == 3 else x, labels.astype(np.int64))


def run_config(config, output_dir=None, fit_fn=None):
    """Run the search of ``config`` (a TOML path, or the dict of a parsed TOML document).

    ``output_dir`` overrides ``[output] dir`` (default 'runs/tune'). Returns ``SearchResults``.
    """
    where = os.fspath(config) if isinstance(config, (str, os.PathLike)) else "config"
    checked = load_config(config) if isinstance(config, (str, os.PathLike)) else parse_config(config)
    sections = checked["sections"]
    _check_sections(sections, where)
    cv = sections.get("cv", {})
    objective = cross_validation_objective(
        _model_builder(sections["model"], where),
        _dataset(sections.get("data", {})),
        folds=int(cv.get("folds", 3)),
        fit_fn=fit_fn,
        stratified=bool(cv.get("stratified", True)),
        seed=int(cv.get("seed", 0)),
    )
    results = make_search(checked).run(objective)
    folder = output_dir or sections.get("output", {}).get("dir", os.path.join("runs", "tune"))
    os.makedirs(folder, exist_ok=True)
    results.to_csv(os.path.join(folder, "cv_results.csv"))
    results.to_json(os.path.join(folder, "cv_results.json"))
    from mathdl.tune.plots import plot_search

    plot_search(results, os.path.join(folder, "search.png"))
    return results
