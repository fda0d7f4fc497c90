"""``keras.layers.Layer``: the base of every Keras layer and model of the facade.

Keras 3's contract, on a ``mathdl.nn.Module``:

* ``__init__(**kwargs)`` takes ``name``, ``trainable``, ``dtype`` (and the legacy
  ``input_shape``/``input_dim``); ``build(input_shape)`` creates the weights with
  ``add_weight(shape, initializer, trainable, name)`` on the first call; ``call(inputs,
  training=None)`` computes. Layers and weights assigned to attributes are tracked.
* ``layer(x)`` converts arrays to Tensors and casts floating inputs to the layer's dtype policy
  (float32 unless ``dtype=``/``mathdl.set_default_dtype`` say otherwise), as Keras's autocast;
  integer inputs (token ids) are left alone. Called on ``keras.Input`` tensors it records a node
  of a functional graph instead (``mathdl.keras.functional``).
* ``training``: an explicit ``training=`` argument wins, then the value of the enclosing call,
  then the module's mode (layers start in inference mode, as a Keras model called directly;
  ``fit`` switches it).
* Weights are stored in Keras's layout (a Dense kernel is (in, units)); ``weights`` lists a
  layer's own trainable then non-trainable weights, then its sub-layers' (Keras 3's order), and
  ``get_weights``/``set_weights`` use that order.
* ``get_config()`` returns the constructor arguments (captured automatically for subclasses
  whose arguments are plain values, as Keras 3 does); ``from_config(config)`` is ``cls(**config)``.
"""

import contextlib
import functools
import inspect
import json
import numbers
import re
import threading
from collections import defaultdict

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor
from mathdl.keras.tracking import Variable, _register_list, _TrackedList
from mathdl.nn.module import Module

_NAME_COUNTS = defaultdict(int)
_STATE = threading.local()


def unique_name(base):
    """'dense', then 'dense_1', 'dense_2', … (one counter per base name, as Keras)."""
    count = _NAME_COUNTS[base]
    _NAME_COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def snake_case(name):
    """'GlobalAveragePooling2D' → 'global_average_pooling2d' (Keras's default layer names)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def format_shape(shape):
    """(None, 28, 28) as Keras prints it."""
    return (
        "("
        + ", ".join("None" if s is None else str(s) for s in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def shape_tuple(shape, where):
    """A shape as a tuple of ints/None; TypeError/ValueError naming ``where`` otherwise."""
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    try:
        shape = tuple(None if s is None else int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: a shape must be a tuple of integers, got {shape!r}") from None
    if any(s is not None and s < 1 for s in shape):
        raise ValueError(f"{where}: shape dimensions must be positive, got {shape!r}")
    return shape


def positive_int(value, name, where):
    """``value`` as a positive int, else ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


# ----- the training flag of the enclosing call ----------------------------------------------
def current_training():
    """The ``training`` value of the enclosing layer call, or None outside any."""
    stack = getattr(_STATE, "training", None)
    return stack[-1] if stack else None


@contextlib.contextmanager
def training_scope(training):
    """Calls inside see ``training`` (None leaves the enclosing value)."""
    if not hasattr(_STATE, "training"):
        _STATE.training = []
    _STATE.training.append(current_training() if training is None else bool(training))
    try:
        yield
    finally:
        _STATE.training.pop()


@functools.cache
def _class_accepts(cls, name):
    try:
        parameters = inspect.signature(cls.call).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters  # as Keras: only a call() that names the argument receives it


def _accepts(layer, name):
    """True when ``layer.call`` has a parameter ``name`` (cached per class: this runs per call)."""
    if "call" in layer.__dict__:  # a call replaced on the instance
        try:
            return name in inspect.signature(layer.call).parameters
        except (TypeError, ValueError):
            return False
    return _class_accepts(type(layer), name)


def _jsonable(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def convert_inputs(value, dtype):
    """Arrays and numbers (nested in lists/tuples/dicts) as Tensors; floating ones cast to
    ``dtype`` (Keras's autocast)."""
    if isinstance(value, (list, tuple)):
        return type(value)(convert_inputs(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: convert_inputs(v, dtype) for k, v in value.items()}
    if value is None:
        return None
    if not isinstance(value, Tensor):
        array = np.asarray(value)
        if array.dtype.kind == "f" and array.dtype != dtype:
            array = array.astype(dtype)
        elif array.dtype.kind == "b":
            array = array.astype(dtype)
        return Tensor(array)
    if value.dtype.kind == "f" and value.dtype != dtype:
        return value.astype(dtype)
    return value


def nested_shapes(value):
    """The shape (tuple) of a Tensor, or the same nesting of shapes."""
    if isinstance(value, (list, tuple)):
        return [nested_shapes(v) for v in value]
    if isinstance(value, dict):
        return {k: nested_shapes(v) for k, v in value.items()}
    return tuple(value.shape)


class Layer(Module):
    """Base class of Keras layers (see the module docstring)."""

    def __init_subclass__(cls, **kwargs):
        # Keras marks a layer built once its build() returns, also when build is called directly
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            original = cls.__dict__["build"]

            @functools.wraps(original)
            def build(self, *args, **kw):
                result = original(self, *args, **kw)
                self.built = True
                if self.input_shape is None and args and args[0] is not None:
                    self.input_shape = self._batchless(
                        args[0] if isinstance(args[0], list) else tuple(args[0])
                    )
                return result

            cls.build = build

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # Keras 3 records the constructor arguments of subclasses so that get_config works
        # without being written, when those arguments are plain (JSON-able) values.
        config = None
        try:
            bound = inspect.signature(cls.__init__).bind(instance, *args, **kwargs)
            bound.apply_defaults()
            config = {}
            for name, value in list(bound.arguments.items())[1:]:
                kind = inspect.signature(cls.__init__).parameters[name].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    config.update(value)
                elif kind is not inspect.Parameter.VAR_POSITIONAL:
                    config[name] = value
        except TypeError:
            config = None
        object.__setattr__(instance, "_auto_config", config)
        return instance

    def __init__(
        self,
        name=None,
        trainable=True,
        dtype=None,
        input_shape=None,
        input_dim=None,
        batch_input_shape=None,
        autocast=True,
        **unknown,
    ):
        super().__init__()
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword argument(s) {', '.join(sorted(unknown))}"
            )
        if name is not None and (not isinstance(name, str) or not name or "." in name or "/" in name):
            raise ValueError(
                f"{type(self).__name__}: name must be a non-empty string without '.', got {name!r}"
            )
        object.__setattr__(self, "training", False)  # a Keras model called directly infers
        self.name = name or unique_name(snake_case(type(self).__name__))
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        if input_dim is not None:
            input_shape = (input_dim,)
        where = f"layer {self.name}"
        self.declared_input_shape = shape_tuple(input_shape, where) if input_shape is not None else None
        self._trainable = bool(trainable)
        self.dtype_policy = np.dtype(dtype) if dtype is not None else None
        self.autocast = bool(autocast)
        self._variables = []  # (Variable) in creation order
        self.built = False
        self.input_shape = None
        self.output_shape = None
        self._inbound_nodes = []

    # ----- attributes ---------------------------------------------------------------------
    def __setattr__(self, name, value):
        registry = self.__dict__.get("_variables")
        if registry is not None and isinstance(value, Variable) and any(v is value for v in registry):
            object.__setattr__(self, name, value)  # already tracked by add_weight under its name
            return
        if registry is not None and not name.startswith("_") and type(value) in (list, tuple):
            if type(value) is list:  # Keras tracks lists of layers, also when appended to later
                value = _TrackedList(self, name, value)
            _register_list(self, name, value)
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    @property
    def trainable(self):
        """False freezes the layer: its weights leave ``trainable_weights`` (and the optimiser)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    @property
    def dtype(self):
        """The dtype of the layer's weights and computations, e.g. 'float32'."""
        return self.compute_dtype.name

    @property
    def compute_dtype(self):
        """``numpy.dtype`` the inputs are cast to."""
        return self.dtype_policy if self.dtype_policy is not None else backend.get_default_dtype()

    # ----- weights ------------------------------------------------------------------------
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        name=None,
        regularizer=None,
        constraint=None,
        **unsupported,
    ):
        """Create, track and return a weight of ``shape`` filled by ``initializer`` (a name
        such as 'glorot_uniform', an initializer object or a callable; default 'glorot_uniform'
        for floats, 'zeros' otherwise). ``trainable=False`` weights are not optimised."""
        from mathdl.keras import initializers

        unsupported = {k: v for k, v in unsupported.items() if v is not None}
        if unsupported or regularizer is not None or constraint is not None:
            names = sorted(unsupported) + [
                n for n, v in (("regularizer", regularizer), ("constraint", constraint)) if v
            ]
            raise ValueError(f"add_weight: unsupported argument(s) {', '.join(names)}")
        shape = () if shape is None else tuple(int(s) for s in shape)
        dtype = np.dtype(dtype) if dtype is not None else self.compute_dtype
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        values = initializers.get(initializer)(shape, dtype=dtype)
        values = np.asarray(values.array if isinstance(values, Tensor) else values, dtype=dtype)
        if values.shape != shape:
            values = np.broadcast_to(values, shape).copy()
        base = name or "variable"
        key, count = base, 1
        while key in self._parameters or key in self._buffers or key in self._modules:
            key, count = f"{base}_{count}", count + 1
        variable = Variable(values, name=base, trainable=trainable)
        variable.path = f"{self.name}/{base}"
        if trainable:
            self.register_parameter(key, variable)
        else:
            self.register_buffer(key, variable)
        self._variables.append(variable)
        return variable

    def _sublayers(self):
        seen = set()
        for module in self._modules.values():
            if isinstance(module, Layer) and id(module) not in seen:
                seen.add(id(module))
                yield module

    @property
    def layers(self):
        """The directly tracked sub-layers."""
        return list(self._sublayers())

    @property
    def weights(self):
        """Own trainable, own non-trainable, then each sub-layer's weights (deduplicated)."""
        out, seen = [], set()
        own = [v for v in self._variables if v.trainable] + [v for v in self._variables if not v.trainable]
        for variable in own + [w for layer in self._sublayers() for w in layer.weights]:
            if id(variable) not in seen:
                seen.add(id(variable))
                out.append(variable)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        """The weights an optimiser updates ([] for a frozen layer)."""
        if not self.trainable:
            return []
        own = [v for v in self._variables if v.trainable]
        return own + [w for layer in self._sublayers() for w in layer.trainable_weights]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        """The weights no optimiser touches (moving statistics, frozen layers)."""
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    non_trainable_variables = non_trainable_weights

    def weight_tensors(self):
        """The weights in ``get_weights`` order."""
        return self.weights

    def get_weights(self):
        """The weights as NumPy arrays (Keras layout, Keras order)."""
        return [np.array(w.array) for w in self.weights]

    def set_weights(self, weights):
        """Set the weights from arrays in ``get_weights`` order; shapes must match."""
        variables = self.weights
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(
                f"layer {self.name}: set_weights got {len(weights)} arrays, the layer has {len(variables)} weights"
            )
        for variable, value in zip(variables, weights):
            value = np.asarray(value)
            if value.shape != variable.shape:
                raise ValueError(
                    f"layer {self.name}: weight shape {value.shape} does not match the layer's {variable.shape}"
                )
        for variable, value in zip(variables, weights):
            variable.array[...] = np.asarray(value)

    def count_params(self):
        """The number of scalars in the layer's weights (trainable or not)."""
        return int(sum(w.array.size for w in self.weights))

    def count_trainable_params(self):
        """The number of scalars the optimiser updates."""
        return int(sum(w.array.size for w in self.trainable_weights))

    # ----- building and calling -----------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape``; the default creates none."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The computation; subclasses implement it."""
        raise NotImplementedError(f"layer {self.name} ({type(self).__name__}) does not implement call()")

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def check_input_shape(self, input_shape):
        """Raise Keras's incompatibility error if this built layer cannot take ``input_shape``."""
        expected = self.input_shape
        if (
            expected is None
            or not isinstance(expected, tuple)
            or (expected and not isinstance(expected[0], (int, type(None))))
        ):
            return
        if len(input_shape) != len(expected) or any(
            e is not None and s is not None and e != s for e, s in zip(expected[1:], input_shape[1:])
        ):
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape "
                f"{format_shape(expected)}, found {format_shape((None,) + tuple(input_shape[1:]))}"
            )

    def _batchless(self, shapes):
        if isinstance(shapes, list):
            return [self._batchless(s) for s in shapes]
        if isinstance(shapes, dict):
            return {k: self._batchless(v) for k, v in shapes.items()}
        return (None,) + tuple(shapes[1:]) if shapes else tuple(shapes)

    def maybe_build(self, input_shapes):
        """Build for ``input_shapes`` (batch axis None) unless built."""
        if not self.built:
            shapes = self._batchless(input_shapes)
            self.build(shapes)
            self.built = True
            self.input_shape = shapes if not isinstance(shapes, list) else shapes

    def __call__(self, *args, **kwargs):
        from mathdl.keras import functional

        if functional.any_symbolic((args, kwargs)):
            return functional.symbolic_call(self, args, kwargs)
        if not args:
            raise TypeError(f"layer {self.name}: call it on inputs, e.g. layer(x)")
        dtype = self.compute_dtype
        inputs = convert_inputs(args[0], dtype) if self.autocast else convert_inputs(args[0], None)
        rest = tuple(convert_inputs(a, dtype) if isinstance(a, np.ndarray) else a for a in args[1:])
        if not self.built:
            from mathdl.keras.functional import flatten

            self._input_dtypes_seen = [t.dtype.name for t in flatten(inputs) if isinstance(t, Tensor)]
            self.maybe_build(nested_shapes(inputs))
        training = kwargs.pop("training", None)
        if training is None:
            training = current_training()
        if training is None:
            training = self.training
        if _accepts(self, "training"):
            kwargs["training"] = bool(training)
        with training_scope(training):
            return self.call(inputs, *rest, **kwargs)

    # ----- graph access (after a symbolic call) -------------------------------------------
    def _only_node(self, what):
        # Keras 3 answers with the first call's node (a shared layer has several)
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}."
            )
        return self._inbound_nodes[0]

    @property
    def output(self):
        """The symbolic output of the layer's only call on ``keras.Input`` tensors."""
        return self._only_node("output").output_structure

    @property
    def input(self):
        """The symbolic input of the layer's only call on ``keras.Input`` tensors."""
        return self._only_node("input").input_structure

    # ----- configuration ------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments: ``name``, ``trainable``, ``dtype`` and the layer's own."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        auto = self._auto_config
        if type(self).get_config is Layer.get_config and auto is not None:
            extra = {k: v for k, v in auto.items() if k not in ("name", "trainable", "dtype")}
            if not _jsonable(extra):
                raise NotImplementedError(
                    f"layer {self.name} ({type(self).__name__}): its constructor arguments are not "
                    f"plain values, so it needs its own get_config() (and from_config) to be saved"
                )
            config.update(extra)
        return config

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)

    def extra_repr(self):
        return f"name={self.name!r}"
