"""``keras.saving``: whole models in ``.keras`` files, weights files, and the registry of custom
classes.

**This is mathdl's own file format, not Keras's.** A ``.keras`` file written here is a zip
holding ``metadata.json`` (which says so), ``config.json`` (the model's config — Keras 3's
layout of ``class_name``/``config``/``inbound_nodes`` — its build shape and compile settings)
and ``model.weights.npz`` (the weights in ``model.weights`` order, read back with
``allow_pickle=False``), plus ``optimizer.npz`` (the optimiser's moments and step counts, written
by ``mathdl.save``) for a compiled, trained model, so a reloaded model resumes training exactly. Keras itself cannot read it, and this module cannot read Keras's
files (whose weights are HDF5); it says so instead of guessing. No pickle anywhere: custom
classes are found by name in the registry (``@register_keras_serializable``) or in
``custom_objects``.

``save_weights`` writes only the weights (npz whatever the file name, e.g. Keras's
``'name.weights.h5'``). Both writes are atomic (a temporary file moved into place): an existing
file is replaced only when complete, and ``overwrite=True`` is Keras's default — with
``overwrite=False`` an existing file raises FileExistsError instead.
"""

import contextlib
import io
import json
import os
import threading
import zipfile

import numpy as np

from mathdl.autograd.tensor import Tensor

FORMAT = "mathdl.keras"
FORMAT_VERSION = 1
_REGISTRY = {}
_NAMES = {}
_SCOPE = threading.local()


# ----- registry -----------------------------------------------------------------------------------
def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function as ``'package>name'`` so configs can name it."""

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        _REGISTRY[key] = obj
        _NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj):
    """'package>Name' of a registered object (None if not registered)."""
    return _NAMES.get(obj)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or given in ``custom_objects``/the active scope) as ``name``."""
    for table in (custom_objects or {}, *getattr(_SCOPE, "stack", []), module_objects or {}):
        if name in table:
            return table[name]
    if name in _REGISTRY:
        return _REGISTRY[name]
    short = [obj for key, obj in _REGISTRY.items() if key.split(">", 1)[1] == name]
    return short[0] if len(short) == 1 else None


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Inside, ``custom_objects`` (name → class/function) are found by deserialisation."""
    if not hasattr(_SCOPE, "stack"):
        _SCOPE.stack = []
    _SCOPE.stack.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        _SCOPE.stack.pop()


CustomObjectScope = custom_object_scope


def get_custom_objects():
    """The global registry (key 'package>name' → object)."""
    return _REGISTRY


# ----- configs ------------------------------------------------------------------------------------
def to_json_value(value):
    """``value`` as plain JSON data (tuples → lists, NumPy scalars → numbers)."""
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, (np.ndarray, Tensor)):
        raise TypeError("arrays cannot be part of a saved config; keep them as layer weights")
    return value


def _builtin_classes():
    from mathdl.keras import layers, models
    from mathdl.keras.functional_model import Functional

    table = {name: getattr(layers, name) for name in layers.__all__}
    table.update(Sequential=models.Sequential, Functional=Functional, Model=Functional)
    return table


def serialize_layer(layer):
    """{'module', 'class_name', 'config', 'registered_name'} of a layer or model."""
    cls = type(layer)
    registered = get_registered_name(cls)
    builtin = _builtin_classes().get(cls.__name__) is cls
    if not builtin and registered is None:
        raise ValueError(
            f"Cannot save layer {layer.name!r} of class {cls.__name__}: register the class with "
            f"@keras.saving.register_keras_serializable() so that it can be found when loading"
        )
    return {
        "module": "keras.layers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": to_json_value(layer.get_config()),
        "registered_name": registered,
    }


def _call_from_config(cls, config, custom_objects):
    import inspect

    try:
        takes = "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        takes = False
    with custom_object_scope(custom_objects):
        return cls.from_config(config, custom_objects=custom_objects) if takes else cls.from_config(config)


def deserialize_layer(item, custom_objects=None):
    """The layer or model described by ``serialize_layer``'s dict."""
    name = item.get("registered_name") or item["class_name"]
    cls = get_registered_object(name, custom_objects) or get_registered_object(
        item["class_name"], custom_objects
    )
    if cls is None and item.get("registered_name") is None:
        cls = _builtin_classes().get(item["class_name"])
    if cls is None:
        raise ValueError(
            f"Could not locate class {item['class_name']!r}. Make sure custom classes are decorated "
            f"with `@keras.saving.register_keras_serializable()` or passed in custom_objects."
        )
    return _call_from_config(cls, dict(item["config"]), custom_objects)


serialize_keras_object = serialize_layer
deserialize_keras_object = deserialize_layer


# ----- files ---------------------------------------------------------------------------------------
def _check_overwrite(filepath, overwrite):
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"{filepath} exists and overwrite=False; not replacing it")


def _write_atomic(filepath, data):
    from mathdl.io import atomic_write

    with atomic_write(filepath) as stream:
        stream.write(data)


def _weights_npz(model):
    buffer = io.BytesIO()
    weights = model.weights
    arrays = {f"weight_{i:04d}": np.asarray(w.array) for i, w in enumerate(weights)}
    arrays["paths"] = np.array([getattr(w, "path", f"weight_{i}") for i, w in enumerate(weights)], dtype=str)
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _compile_config(model):
    from mathdl.keras import losses, metrics, optimizers

    config = getattr(model, "compile_config", None)
    if config is None:
        return None
    spec = config.spec

    def loss_spec(loss):
        if isinstance(loss, (list, tuple)):
            return [loss_spec(x) for x in loss]
        if isinstance(loss, dict):
            return {k: loss_spec(v) for k, v in loss.items()}
        return losses.serialize(losses.get(loss))

    def metric_spec(metric):
        if isinstance(metric, (list, tuple)):
            return [metric_spec(m) for m in metric]
        if isinstance(metric, dict):
            return {k: metric_spec(v) for k, v in metric.items()}
        return metrics.serialize(metric)

    return {
        "optimizer": optimizers.serialize(config.optimizer),
        "loss": loss_spec(spec["loss"]),
        "metrics": None if spec["metrics"] is None else metric_spec(spec["metrics"]),
        "loss_weights": spec["loss_weights"],
    }


def _build_config(model):
    shape = getattr(model, "input_shape", None)
    dtypes = getattr(model, "_input_dtypes_seen", None)
    return {"input_shape": to_json_value(shape), "input_dtypes": dtypes}


def save_model(model, filepath, overwrite=True, zipped=None, include_optimizer=True, **kwargs):
    """Write ``model`` to ``filepath`` (must end in '.keras'); see the module docstring."""
    filepath = os.fspath(filepath)
    if kwargs.get("save_format") not in (None, "keras"):
        raise ValueError(
            f"save: only the '.keras' format is supported, got save_format={kwargs['save_format']!r}"
        )
    if not filepath.endswith(".keras"):
        raise ValueError(
            f"Invalid filepath extension for saving: {filepath!r}. Add a `.keras` extension (mathdl's "
            f"zip of config JSON and npz weights; use save_weights for weights only)."
        )
    _check_overwrite(filepath, overwrite)
    if not model.built:
        raise ValueError("save: the model is not built yet; call it on data (or fit it) first")
    config = serialize_layer(model)
    config["build_config"] = _build_config(model)
    config["compile_config"] = _compile_config(model)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "note": "written by mathdl's Keras facade: config JSON + npz weights; not Keras's own .keras format",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps(metadata, indent=1))
        archive.writestr("config.json", json.dumps(config, indent=1))
        archive.writestr("model.weights.npz", _weights_npz(model))
        optimizer = getattr(getattr(model, "optimizer", None), "optimizer", None)
        if include_optimizer and optimizer is not None:
            archive.writestr("optimizer.npz", _optimizer_state(optimizer))
    _write_atomic(filepath, buffer.getvalue())


def _optimizer_state(optimizer):
    """The bound ``mathdl.optim`` optimiser's state (moments, step counts) via ``mathdl.save``."""
    from mathdl.io import save

    buffer = io.BytesIO()
    save(optimizer.state_dict(), buffer)
    return buffer.getvalue()


def _read_archive(filepath):
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"no such file: {filepath}")
    if not zipfile.is_zipfile(filepath):
        raise ValueError(f"{filepath} is not a .keras file written by mathdl (not a zip archive)")
    with zipfile.ZipFile(filepath) as archive:
        names = set(archive.namelist())
        metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in names else {}
        if metadata.get("format") != FORMAT:
            found = (
                "an HDF5 'model.weights.h5'" if "model.weights.h5" in names else f"members {sorted(names)}"
            )
            raise ValueError(
                f"{filepath} was not written by mathdl's Keras facade ({found}); mathdl reads only its own "
                f".keras files (config JSON + npz weights), not Keras's"
            )
        optimizer = archive.read("optimizer.npz") if "optimizer.npz" in names else None
        return json.loads(archive.read("config.json")), archive.read("model.weights.npz"), optimizer


def _apply_weights(model, npz_bytes, where, skip_mismatch=False):
    with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as data:
        keys = sorted(k for k in data.files if k.startswith("weight_"))
        arrays = [data[k] for k in keys]
        paths = [str(p) for p in data["paths"]] if "paths" in data.files else keys
    weights = model.weights
    if len(arrays) != len(weights):
        raise ValueError(
            f"{where}: the file holds {len(arrays)} weights, the model has {len(weights)} "
            f"(file: {paths[:4]}…; model: {[getattr(w, 'path', '?') for w in weights[:4]]}…)"
        )
    for weight, array, path in zip(weights, arrays, paths):
        if array.shape != weight.shape:
            if skip_mismatch:
                continue
            raise ValueError(
                f"{where}: weight {path} has shape {array.shape} in the file but "
                f"{getattr(weight, 'path', '?')} is {tuple(weight.shape)} in the model"
            )
        weight.array[...] = array


def _build_loaded(model, build_config):
    if model.built or not build_config or build_config.get("input_shape") is None:
        return
    shapes = build_config["input_shape"]
    dtypes = build_config.get("input_dtypes") or []

    def zeros(shape, dtype):
        return Tensor(
            np.zeros(tuple(1 if s is None else s for s in shape), dtype=dtype or model.compute_dtype)
        )

    if shapes and isinstance(shapes[0], list):
        sample = [zeros(s, dtypes[i] if i < len(dtypes) else None) for i, s in enumerate(shapes)]
    else:
        sample = zeros(shapes, dtypes[0] if dtypes else None)
    model.build_from_sample(sample)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved by ``model.save(filepath)``: rebuilt from its config, weights restored,
    compiled again with the saved settings when ``compile=True``."""
    config, weights, optimizer_state = _read_archive(filepath)
    model = deserialize_layer(config, custom_objects)
    _build_loaded(model, config.get("build_config"))
    _apply_weights(model, weights, f"load_model({os.fspath(filepath)!r})")
    compile_config = config.get("compile_config")
    if compile and compile_config:
        from mathdl.keras import losses, metrics, optimizers

        def loss_of(spec):
            if isinstance(spec, list):
                return [loss_of(s) for s in spec]
            if isinstance(spec, dict) and "class_name" not in spec:
                return {k: loss_of(v) for k, v in spec.items()}
            return losses.deserialize(spec)

        def metric_of(spec):
            if isinstance(spec, list):
                return [metric_of(s) for s in spec]
            if isinstance(spec, dict) and "class_name" not in spec:
                return {k: metric_of(v) for k, v in spec.items()}
            return metrics.deserialize(spec)

        model.compile(
            optimizer=optimizers.deserialize(compile_config["optimizer"]),
            loss=loss_of(compile_config["loss"]),
            metrics=None if compile_config["metrics"] is None else metric_of(compile_config["metrics"]),
            loss_weights=compile_config.get("loss_weights"),
        )
        if optimizer_state is not None and model.trainable_weights:
            from mathdl.io import load

            bound = model.optimizer.build(model.trainable_weights)
            bound.load_state_dict(load(io.BytesIO(optimizer_state)))
    return model


def save_weights(model, filepath, overwrite=True):
    """Write the weights (npz, ``model.weights`` order) to ``filepath`` atomically."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        raise ValueError("save_weights: a '.keras' file holds a whole model; use model.save(filepath)")
    _check_overwrite(filepath, overwrite)
    if not model.built:
        raise ValueError("save_weights: the model is not built yet, so it has no weights")
    _write_atomic(filepath, _weights_npz(model))


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights written by ``save_weights`` (or the weights of a ``.keras`` file)."""
    filepath = os.fspath(filepath)
    if not model.built:
        raise ValueError("load_weights: build the model first (call it on data or give an input shape)")
    if filepath.endswith(".keras"):
        _, weights, _ = _read_archive(filepath)
    else:
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"no such file: {filepath}")
        with open(filepath, "rb") as stream:
            weights = stream.read()
        if not weights.startswith(b"PK"):
            raise ValueError(f"{filepath} is not a weights file written by save_weights (not an npz archive)")
    _apply_weights(model, weights, f"load_weights({filepath!r})", skip_mismatch)
