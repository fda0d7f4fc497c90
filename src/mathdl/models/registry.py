"""The model registry: names → model constructors, so a model can be rebuilt from a checkpoint.

    @register("mlp")
    class MLP(nn.Module): ...

    model = build("mlp", hidden=(256,))       # model.config == {'name': 'mlp', 'kwargs': {'hidden': [256]}}
    available()                               # ['mlp', 'softmax', ...]

``build`` records the name and the constructor's keyword arguments on the instance as
``model.config``; the fit loop stores that in checkpoints and ``build(**config)`` rebuilds the
same architecture. Keyword values must be JSON-able (numbers, strings, lists, None).
"""

import inspect
import json

_REGISTRY = {}


class UnknownModelError(ValueError, KeyError):
    """``build``/``get`` was given a name that is not registered."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


def register(name):
    """Decorator registering a Module subclass (or any factory returning a Module) as ``name``.

    Registering a different object under a taken name raises ValueError (re-registering the
    same object, as happens when a module is reloaded, is allowed)."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise ValueError(
            f"register: a model name must be a non-empty string without surrounding spaces, got {name!r}"
        )

    def decorator(factory):
        if not callable(factory):
            raise TypeError(f"register({name!r}): expected a class or function, got {type(factory).__name__}")
        existing = _REGISTRY.get(name)
        if (
            existing is not None
            and existing is not factory
            and getattr(existing, "__qualname__", None) != getattr(factory, "__qualname__", None)
        ):
            raise ValueError(f"register: the model name {name!r} is already taken by {existing!r}")
        _REGISTRY[name] = factory
        return factory

    return decorator


def available():
    """The registered model names, sorted."""
    return sorted(_REGISTRY)


def get(name):
    """The constructor registered as ``name``."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownModelError(
            f"unknown model {name!r}; available models: {', '.join(available())}"
        ) from None


def _jsonable(value, name, key):
    if isinstance(value, tuple):
        value = list(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"build({name!r}): keyword {key!r} = {value!r} is not JSON-serialisable, so it "
            f"could not be stored in a checkpoint's config"
        ) from None
    return value


def build(name, **kwargs):
    """Construct the model registered as ``name`` with ``kwargs``; the instance gets
    ``config = {'name': name, 'kwargs': kwargs}``. Unknown keywords raise TypeError listing the
    accepted ones."""
    factory = get(name)
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        parameters = None
    if parameters is not None and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        accepted = [
            p
            for p, spec in parameters.items()
            if spec.kind in (spec.POSITIONAL_OR_KEYWORD, spec.KEYWORD_ONLY)
        ]
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            raise TypeError(
                f"build({name!r}): unknown argument(s) {', '.join(unknown)}; "
                f"accepted: {', '.join(accepted) or 'none'}"
            )
    config_kwargs = {key: _jsonable(value, name, key) for key, value in kwargs.items()}
    model = factory(**kwargs)
    try:
        model.config = {"name": name, "kwargs": config_kwargs}
    except (AttributeError, TypeError):
        pass  # a model type that refuses new attributes
    return model


def from_config(config):
    """Rebuild a model from ``{'name': ..., 'kwargs': {...}}`` (what ``build`` recorded)."""
    if not isinstance(config, dict) or "name" not in config:
        raise ValueError(f"from_config: expected {{'name': ..., 'kwargs': {{...}}}}, got {config!r}")
    return build(config["name"], **dict(config.get("kwargs") or {}))
