"""``keras.Model`` and ``keras.Sequential``.

* ``keras.Model(inputs, outputs)`` is a functional model (``mathdl.keras.functional_model``).
* A subclass of ``keras.Model`` defines ``__init__`` (layers as attributes) and
  ``call(inputs, training=None)``; its weights are those of the layers it holds.
* ``keras.Sequential([...])`` is a stack of layers; with a known input shape (``keras.Input``
  first, or ``input_shape=`` on the first layer) it is built at once and its layers have symbolic
  ``input``/``output`` (so ``keras.Model(model.inputs, [l.output for l in model.layers])`` works).

All of them have ``compile``/``fit``/``evaluate``/``predict`` (run by ``mathdl.train.Trainer``,
see ``mathdl.keras.training``), ``summary``, ``get_weights``/``set_weights``, ``save``/
``save_weights``/``load_weights`` (``mathdl.keras.saving``) and ``get_config``/``from_config``.
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.keras import summary as summary_module
from mathdl.keras import training
from mathdl.keras.base_layer import Layer, format_shape, snake_case, unique_name


class Model(Layer):
    """Base of every Keras model; ``keras.Model(inputs, outputs)`` makes a functional one."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from mathdl.keras.functional_model import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        name = kwargs.pop("name", None)
        if args:
            raise TypeError(f"{type(self).__name__}: unexpected positional arguments {args!r}")
        super().__init__(name=name or unique_name(snake_case(type(self).__name__)), **kwargs)
        self.compile_config = None
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self.trainer = None
        self._run = None
        self._logits_mode = False

    # ----- hooks the training module uses ----------------------------------------------------
    def input_names(self):
        """Names of the model inputs (one for a Sequential or subclassed model)."""
        return ["input"]

    def input_dtypes(self):
        """The dtype each input is given in (None: floats to the dtype policy, integers kept)."""
        return [None]

    def output_names(self):
        """Names of the outputs (one unless the model is functional with several)."""
        return ["output"]

    def output_activation(self):
        """The activation of the output layer that a matching loss may absorb (None here)."""
        return None

    def call_unpacked(self, inputs, **kwargs):
        """``self(inputs)`` bypassing the Trainer's packing."""
        return Layer.__call__(self, inputs, **kwargs)

    def __call__(self, *args, **kwargs):
        run = self.__dict__.get("_run")
        if run is not None and args and isinstance(args[0], Tensor) and len(args) == 1:
            return run.call_model(self, args[0], kwargs)
        return super().__call__(*args, **kwargs)

    def build_from_sample(self, sample):
        """Create the weights by running the model once on ``sample`` (a batch of one)."""
        previous = self._run
        self._run = None
        try:
            with grad_mode.no_grad():
                Layer.__call__(self, sample, training=False)
        finally:
            self._run = previous
        self.built = True

    def maybe_build(self, input_shapes):
        if self.built:
            return
        if type(self).build is Model.build:  # the layers inside build themselves on this first call
            self.built = True
            self.input_shape = self._batchless(input_shapes)
            return
        super().maybe_build(input_shapes)

    def build(self, input_shape):
        """Build a subclassed model by calling it on zeros of ``input_shape``."""
        if type(self).call is Model.call:
            self.built = True
            return
        shape = tuple(1 if s is None else s for s in input_shape)
        self.build_from_sample(Tensor(np.zeros(shape, dtype=self.compute_dtype)))
        self.input_shape = (None,) + tuple(input_shape[1:])

    # ----- compile / fit / evaluate / predict -----------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, **unsupported):
        """Choose the optimiser (a name or ``keras.optimizers`` instance), the loss (a name,
        ``keras.losses`` object, callable, or a list/dict of them per output) and the metrics
        (names such as 'accuracy' or ``keras.metrics`` objects)."""
        training.compile_model(self, optimizer, loss, metrics, loss_weights, unsupported)

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        **unsupported,
    ):
        """Train for ``epochs`` epochs on arrays ``x``, ``y`` (batches of ``batch_size``, 32,
        reshuffled every epoch) or on a loader/generator of (x, y) batches (``steps_per_epoch``
        batches per epoch when given). ``validation_data=(x_val, y_val)`` or a loader, or
        ``validation_split`` (the last fraction of the arrays, before shuffling), adds ``val_*``
        logs. Returns a ``History``."""
        unsupported = {k: v for k, v in unsupported.items() if v is not None}
        if unsupported:
            raise TypeError(f"fit: unsupported argument(s) {', '.join(sorted(unsupported))}")
        return training.fit(
            self,
            x,
            y,
            batch_size,
            epochs,
            verbose,
            callbacks,
            validation_split,
            validation_data,
            shuffle,
            initial_epoch,
            steps_per_epoch,
            validation_steps,
        )

    def evaluate(
        self, x=None, y=None, batch_size=None, verbose="auto", steps=None, return_dict=False, **unsupported
    ):
        """The loss (and metrics) on ``x``, ``y`` or a loader: a float without metrics, else
        ``[loss, metric, …]`` (a dict with ``return_dict=True``)."""
        unsupported = {k: v for k, v in unsupported.items() if v is not None}
        if unsupported:
            raise TypeError(f"evaluate: unsupported argument(s) {', '.join(sorted(unsupported))}")
        return training.evaluate(self, x, y, batch_size, verbose, steps, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None):
        """The outputs for ``x`` as NumPy arrays (a list for several outputs), in inference mode."""
        return training.predict(self, x, batch_size, steps)

    def predict_on_batch(self, x):
        """``predict`` on one batch."""
        return training.predict(self, x, None, None)

    @property
    def metrics_names(self):
        """'loss' and the compiled metrics' names."""
        if self.compile_config is None:
            return []
        run = training.Run(self)
        return ["loss"] + [a.name for a in run.adapters]

    # ----- weights, description and saving -------------------------------------------------------
    def summary(self, line_length=None, print_fn=None, **kwargs):
        """Print the layer table (name (type), output shape, parameters) and the totals."""
        summary_module.print_summary(self, line_length, print_fn)

    def save(self, filepath, overwrite=True, **kwargs):
        """Write the model (config, weights, compile settings) to a ``.keras`` file — mathdl's own
        zip of JSON and npz, not Keras's format (see ``mathdl.keras.saving``)."""
        from mathdl.keras import saving

        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Write the weights (npz, atomically; ``overwrite=False`` refuses an existing file)."""
        from mathdl.keras import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load weights written by ``save_weights`` (or a ``.keras`` file) into this built model."""
        from mathdl.keras import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """The model's config as a JSON string."""
        import json

        from mathdl.keras import saving

        return json.dumps(saving.serialize_layer(self), **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional config (layers, input and output layers) rebuilds a functional model;
        any other config is ``cls(**config)``."""
        if "input_layers" in config and "layers" in config:
            from mathdl.keras.functional_model import Functional

            return Functional.from_config(config, custom_objects)
        return cls(**config)

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index} is out of range for {len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}")


class Sequential(Model):
    """A linear stack of layers: ``Sequential(layers=None, name=None)``; ``add(layer)``."""

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        super().__init__(name=name or unique_name("sequential"), trainable=trainable, **kwargs)
        self._stack = []
        object.__setattr__(self, "_input_layer", None)
        self._graph_nodes = []
        for layer in layers or ():
            self.add(layer, rebuild=False)
        if self._input_shape() is not None and self._stack:
            self.build()

    # ----- structure -------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers, in order (not counting the Input)."""
        return list(self._stack)

    def _input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.input_shape
        if self._stack and getattr(self._stack[0], "declared_input_shape", None) is not None:
            return (None,) + tuple(self._stack[0].declared_input_shape)
        return None

    def add(self, layer, rebuild=True):
        """Append ``layer``; a ``keras.Input`` (or InputLayer), first only, declares the input shape."""
        from mathdl.keras.functional import InputLayer, KerasTensor

        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("Sequential: an Input can only be the first element of the model")
            object.__setattr__(self, "_input_layer", layer)  # not a child module: it has no weights
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Only instances of keras Layer can be added to a Sequential model. Received: "
                f"{layer!r} (of type {type(layer).__name__})"
            )
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model."
            )
        self._stack.append(layer)
        # registered by position, as nn.Sequential: state_dict keys ('0.kernel', …) are the same
        # for every instance of an architecture
        self.add_module(str(len(self._stack) - 1), layer)
        self.built = False
        if rebuild and self._input_shape() is not None:
            self.build()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        delattr(self, str(len(self._stack)))
        self.built = False
        if rebuild and self._stack and self._input_shape() is not None:
            self.build()
        return layer

    def _forget_graph(self):
        # drop the nodes of the previous build when they are the newest of their layers, so that
        # layer.output refers to the current graph
        for node in reversed(self._graph_nodes):
            if node.layer._inbound_nodes and node.layer._inbound_nodes[-1] is node:
                node.layer._inbound_nodes.pop()
        self._graph_nodes = []

    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (batch axis first) by calling them on a
        ``keras.Input`` of that shape; returns the output shape."""
        from mathdl.keras.functional import InputLayer, node_of

        if input_shape is None:
            input_shape = self._input_shape()
        if input_shape is None:
            raise ValueError("Sequential.build: give the input shape, e.g. build((None, 784))")
        if not self._stack:
            raise ValueError("Sequential: the model has no layers; add some with model.add(...)")
        shape = (None,) + tuple(input_shape[1:])
        if self._input_layer is None or self._input_layer.input_shape != shape:
            dtype = np.int64 if getattr(self._stack[0], "takes_indices", False) else None
            object.__setattr__(self, "_input_layer", InputLayer(shape=shape[1:], dtype=dtype))
        self._forget_graph()
        x = self._input_layer.output_tensor
        for layer in self._stack:
            try:
                x = layer(x)
            except ValueError:
                self._forget_graph()
                raise
            self._graph_nodes.append(node_of(x if not isinstance(x, (list, tuple)) else x[0]))
        self._outputs = x
        self.built = True
        self.input_shape = shape
        self.output_shape = x.shape
        return x.shape

    @property
    def inputs(self):
        """[the symbolic input] of a built model."""
        if not self.built or self._input_layer is None:
            raise AttributeError(f"Sequential model {self.name} has no defined inputs yet (it is not built)")
        return [self._input_layer.output_tensor]

    @property
    def outputs(self):
        """[the symbolic output] of a built model."""
        if not self.built:
            raise AttributeError(f"Sequential model {self.name} has no defined outputs yet (it is not built)")
        return [self._outputs]

    @property
    def declared_input_shape(self):
        shape = self._input_shape()
        return None if shape is None else tuple(shape[1:])

    @declared_input_shape.setter
    def declared_input_shape(self, value):
        pass  # set by Layer.__init__; a Sequential's comes from its first layer or Input

    def build_from_sample(self, sample):
        self.build((None,) + tuple(sample.shape[1:]))

    def maybe_build(self, input_shapes):
        if not self.built:
            self.build(input_shapes)

    def input_dtypes(self):
        first = self._stack[0] if self._stack else None
        return [np.int64 if getattr(first, "takes_indices", False) else None]

    def output_activation(self):
        return getattr(self._stack[-1], "activation_name", None) if self._stack else None

    # ----- calling ----------------------------------------------------------------------------------
    def call(self, inputs, training=None, logits=None):
        """Apply the layers in order (the last one returns its logits while fit/evaluate fuse the
        output activation into the loss, or with ``logits=True``)."""
        logits = self._logits_mode if logits is None else logits
        if not self._stack:
            raise ValueError("Sequential: the model has no layers; add some with model.add(...)")
        if self.input_shape is not None and tuple(inputs.shape[1:]) != tuple(self.input_shape[1:]):
            self._input_mismatch(inputs.shape)
        x = inputs
        last = len(self._stack) - 1
        for index, layer in enumerate(self._stack):
            if index == last and logits and "logits" in _call_parameters(layer):
                x = layer(x, logits=True)
            else:
                x = layer(x)
        return x

    def _input_mismatch(self, shape):
        # Keras runs a model on inputs whose sizes differ from the built ones (a longer sequence)
        # as long as its layers accept them: the first layer decides; another rank never fits
        expected = self.input_shape
        first = self._stack[0]
        if hasattr(first, "check_input_shape"):
            first.check_input_shape(shape)
        if len(shape) != len(expected):
            raise ValueError(
                f"Input 0 of layer {first.name} is incompatible: expected shape "
                f"{format_shape(expected)}, found {format_shape((None,) + tuple(shape[1:]))}"
            )

    def check_input_shape(self, input_shape):
        if self.input_shape is not None:
            self._input_mismatch(input_shape)

    # ----- configuration -------------------------------------------------------------------------
    def get_config(self):
        """{'name', 'trainable', 'layers': [serialized layers (an InputLayer first if known)]}."""
        from mathdl.keras import saving

        layers = [saving.serialize_layer(self._input_layer)] if self._input_layer is not None else []
        layers += [saving.serialize_layer(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from mathdl.keras import saving

        layers = [saving.deserialize_layer(item, custom_objects) for item in config.get("layers", [])]
        return cls(layers, name=config.get("name"), trainable=config.get("trainable", True))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """``keras.models.load_model``: see ``keras.saving.load_model``."""
    from mathdl.keras import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """``keras.models.save_model``: ``model.save(filepath)``."""
    model.save(filepath, overwrite=overwrite, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """The (unbuilt for subclassed, built for functional/Sequential) model of ``model.to_json()``."""
    import json

    from mathdl.keras import saving

    return saving.deserialize_layer(json.loads(json_string), custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialised weights (from its config)."""
    if input_tensors is not None or clone_function is not None:
        raise ValueError("clone_model: input_tensors and clone_function are not supported")
    from mathdl.keras import saving

    clone = saving.deserialize_layer(saving.serialize_layer(model))
    if not clone.built and getattr(model, "input_shape", None) is not None:
        saving._build_loaded(clone, saving._build_config(model))
    return clone


def _call_parameters(layer):
    """The names ``layer.call`` accepts among those the models pass ('logits')."""
    from mathdl.keras.base_layer import _accepts

    return ("logits",) if _accepts(layer, "logits") else ()
