"""``keras.Model(inputs, outputs)``: a model defined by a graph of layer calls.

    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs)

Calling the model runs the recorded nodes in topological order on the given values (several
inputs as a list in ``inputs`` order or a dict by input name; several outputs returned the same
way). ``get_config`` follows Keras 3's functional layout: the layers with their
``inbound_nodes`` (arguments referring to ``[layer name, node index, tensor index]``) and the
input and output layers; ``from_config`` replays those calls.
"""

from mathdl.keras import saving
from mathdl.keras.functional import (
    InputLayer,
    KerasTensor,
    flatten,
    map_structure,
    node_of,
    topological_nodes,
)
from mathdl.keras.models import Model, _call_parameters


class Functional(Model):
    """A model from ``inputs`` (keras.Input tensors: one, a list or a dict) to ``outputs``."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._input_structure, self._output_structure = inputs, outputs
        self._inputs = flatten(inputs)
        self._outputs = flatten(outputs)
        for tensor in self._inputs:
            if not isinstance(tensor, KerasTensor) or not isinstance(tensor._keras_history[0], InputLayer):
                raise ValueError(f"Model inputs must come from keras.Input, got {tensor!r}")
        self._nodes = topological_nodes(self._outputs)
        given = {id(t) for t in self._inputs}
        for node in self._nodes:
            if isinstance(node.layer, InputLayer) and id(node.outputs[0]) not in given:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {node.outputs[0]!r} at layer "
                    f"{node.layer.name!r}; the model needs it but it is not among the inputs"
                )
        layers, seen = [], set()
        for tensor in self._inputs:
            layers.append(tensor._keras_history[0])
            seen.add(id(layers[-1]))
        for node in self._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
        names = [layer.name for layer in layers]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(
                f"The name {duplicated[0]!r} is used 2 times in the model. All layer names should be unique."
            )
        self._layers = layers
        for layer in layers:
            if not isinstance(layer, InputLayer):
                self.add_module(layer.name, layer)
        self.built = True
        self.input_shape = self._shapes(self._inputs)
        self.output_shape = self._shapes(self._outputs)

    @staticmethod
    def _shapes(tensors):
        shapes = [t.shape for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    # ----- structure ------------------------------------------------------------------------------
    @property
    def layers(self):
        """Every layer of the graph, the InputLayers first (as Keras lists them)."""
        return list(self._layers)

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    def input_names(self):
        return [t._keras_history[0].name for t in self._inputs]

    def input_dtypes(self):
        return [t._keras_history[0].input_dtype for t in self._inputs]

    def output_names(self):
        if isinstance(self._output_structure, dict):
            return list(self._output_structure)
        return [t._keras_history[0].name for t in self._outputs]

    def output_activation(self):
        if len(self._outputs) != 1:
            return None
        return getattr(self._outputs[0]._keras_history[0], "activation_name", None)

    def _sublayers(self):
        return iter([layer for layer in self._layers if not isinstance(layer, InputLayer)])

    # ----- calling ------------------------------------------------------------------------------------
    def _input_values(self, inputs):
        if isinstance(inputs, dict):
            names = self.input_names()
            if isinstance(self._input_structure, dict):
                return [inputs[key] for key in self._input_structure]
            return [inputs[name] for name in names]
        values = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(values) != len(self._inputs):
            raise ValueError(f"model {self.name} expects {len(self._inputs)} input(s), got {len(values)}")
        return values

    def call(self, inputs, training=None):
        values = {}
        for tensor, value in zip(self._inputs, self._input_values(inputs)):
            dtype = tensor._keras_history[0].input_dtype
            if value.dtype != dtype and (dtype.kind in "iu" or value.dtype.kind in "f"):
                value = value.astype(dtype) if dtype.kind == "f" else type(value)(value.array.astype(dtype))
            values[id(tensor)] = value
        logits_node = node_of(self._outputs[0]) if self._logits_mode and len(self._outputs) == 1 else None
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue

            def value_of(leaf):
                return values[id(leaf)] if isinstance(leaf, KerasTensor) else leaf

            args = map_structure(value_of, node.args)
            kwargs = map_structure(value_of, node.kwargs)
            if node is logits_node and "logits" in _call_parameters(node.layer):
                kwargs["logits"] = True
            result = node.layer(*args, **kwargs)
            for tensor, value in zip(node.outputs, flatten(result)):
                values[id(tensor)] = value
        return map_structure(lambda t: values[id(t)], self._output_structure)

    # ----- configuration ---------------------------------------------------------------------------
    def _node_key(self, node):
        """[layer name, index among this model's nodes of that layer]."""
        mine = [n for n in node.layer._inbound_nodes if n in self._node_set()]
        return [node.layer.name, mine.index(node)]

    def _node_set(self):
        return set(self._nodes)

    def _tensor_ref(self, tensor):
        layer, index, position = tensor._keras_history
        name, node_index = self._node_key(layer._inbound_nodes[index])
        return [name, node_index, position]

    def get_config(self):
        """Keras 3's functional config: layers with inbound nodes, input and output layers."""

        def encode(leaf):
            if isinstance(leaf, KerasTensor):
                return {"class_name": "__keras_tensor__", "config": {"keras_history": self._tensor_ref(leaf)}}
            return saving.to_json_value(leaf)

        nodes = self._node_set()
        layers = []
        for layer in self._layers:
            item = saving.serialize_layer(layer)
            item["name"] = layer.name
            item["inbound_nodes"] = [
                {"args": map_structure(encode, list(n.args)), "kwargs": map_structure(encode, dict(n.kwargs))}
                for n in layer._inbound_nodes
                if n in nodes and not isinstance(layer, InputLayer)
            ]
            layers.append(item)

        def refs(structure):
            if isinstance(structure, KerasTensor):
                return [self._tensor_ref(structure)]
            values = structure.values() if isinstance(structure, dict) else structure
            return [self._tensor_ref(t) for t in values]

        def names(structure):
            return list(structure) if isinstance(structure, dict) else None

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layers,
            "input_layers": refs(self._input_structure),
            "output_layers": refs(self._output_structure),
            "input_keys": names(self._input_structure),
            "output_keys": names(self._output_structure),
            "single_input": isinstance(self._input_structure, KerasTensor),
            "single_output": isinstance(self._output_structure, KerasTensor),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        created, pending = {}, []
        for item in config["layers"]:
            layer = saving.deserialize_layer(item, custom_objects)
            created[item["name"]] = layer
            pending.extend((layer, node) for node in item.get("inbound_nodes", []))
        outputs = {}  # (layer name, node index) -> output structure
        for layer in created.values():
            if isinstance(layer, InputLayer):
                outputs[(layer.name, 0)] = layer.output_tensor
        node_counts = {}

        def decode(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                name, index, position = value["config"]["keras_history"]
                if (name, index) not in outputs:
                    raise KeyError((name, index))
                return flatten(outputs[(name, index)])[position]
            if isinstance(value, list):
                return [decode(v) for v in value]
            if isinstance(value, dict):
                return {k: decode(v) for k, v in value.items()}
            return value

        while pending:
            progressed = False
            for entry in list(pending):
                layer, node = entry
                try:
                    args, kwargs = decode(node["args"]), decode(node["kwargs"])
                except KeyError:
                    continue
                result = layer(*args, **kwargs)
                index = node_counts.get(layer.name, 0)
                node_counts[layer.name] = index + 1
                outputs[(layer.name, index)] = result
                pending.remove(entry)
                progressed = True
            if not progressed:
                raise ValueError(
                    "from_config: the layer graph cannot be rebuilt (a node's inputs never appear)"
                )

        def tensor(ref):
            name, index, position = ref
            return flatten(outputs[(name, index)])[position]

        def structure(refs, keys, single):
            tensors = [tensor(ref) for ref in refs]
            if keys:
                return dict(zip(keys, tensors))
            return tensors[0] if single else tensors

        return cls(
            structure(config["input_layers"], config.get("input_keys"), config.get("single_input")),
            structure(config["output_layers"], config.get("output_keys"), config.get("single_output")),
            name=config.get("name"),
            trainable=config.get("trainable", True),
        )
