"""The functional API: ``keras.Input``, symbolic calls and ``keras.Model(inputs, outputs)``.

``keras.Input(shape)`` is a ``KerasTensor``: a shape (batch axis None) and a dtype, no values.
Calling a layer on KerasTensors builds the layer for their shapes and records a ``Node`` (the
layer, its arguments with the KerasTensors in place) whose outputs are new KerasTensors; their
shapes come from running the layer on zeros twice, with every unknown axis set to 2 and then 3,
and marking as None the output axes that differ (so any layer, custom ones included, gets exact
output shapes without a separate shape function). ``keras.ops`` functions and the arithmetic
operators on KerasTensors are recorded the same way, as ``OpLayer`` nodes.

``Functional(inputs, outputs)`` walks the nodes back from the outputs (a graph that needs an
input not given raises "Graph disconnected"), orders them topologically and, when called on
values, runs each node's layer on the values of its inputs. A layer used in several nodes
(a shared layer) keeps one set of weights.
"""

import numpy as np

from mathdl import backend
from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.keras.base_layer import Layer, format_shape, shape_tuple, training_scope, unique_name


class KerasTensor:
    """A symbolic tensor: ``shape`` (None for unknown axes), ``dtype``, and the node that made it."""

    def __init__(self, shape, dtype="float32", history=None, name=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype).name
        self._keras_history = history  # (layer, node_index, tensor_index)
        self.name = name

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        origin = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={format_shape(self.shape)}, dtype={self.dtype}{origin}>"

    def _op(self, name, *args):
        from mathdl.keras import ops

        return getattr(ops, name)(*args)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("divide", self, other)

    def __rtruediv__(self, other):
        return self._op("divide", other, self)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __neg__(self):
        return self._op("negative", self)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __getitem__(self, index):
        from mathdl.keras import ops

        return ops.getitem(self, index)


# ----- nested structures --------------------------------------------------------------------
def flatten(structure):
    """The leaves of nested lists/tuples/dicts, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    return [structure]


def map_structure(function, structure):
    """The same nesting with ``function`` applied to every leaf."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(function, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(function, value) for key, value in structure.items()}
    return function(structure)


def any_symbolic(structure):
    """True if a KerasTensor is anywhere in ``structure``."""
    return any(isinstance(leaf, KerasTensor) for leaf in flatten(structure))


# ----- nodes ----------------------------------------------------------------------------------
class Node:
    """One call of ``layer`` on symbolic arguments ``args``/``kwargs``, giving ``outputs``."""

    def __init__(self, layer, args, kwargs, output_structure):
        self.layer, self.args, self.kwargs = layer, args, kwargs
        self.inputs = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        self.output_structure = output_structure
        self.outputs = flatten(output_structure)
        self.input_structure = args[0] if args else None
        index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for position, tensor in enumerate(self.outputs):
            tensor._keras_history = (layer, index, position)


def _concrete(structure, fill):
    def make(leaf):
        if isinstance(leaf, KerasTensor):
            return Tensor(np.zeros(tuple(fill if s is None else s for s in leaf.shape), dtype=leaf.dtype))
        return leaf

    return map_structure(make, structure)


def _run_on_zeros(function, args, kwargs, fill):
    with grad_mode.no_grad(), training_scope(False):
        return function(*_concrete(args, fill), **_concrete(kwargs, fill))


def symbolic_call(layer, args, kwargs):
    """Record ``layer(*args, **kwargs)`` on KerasTensors; returns the symbolic outputs."""
    if not layer.built:
        first = args[0] if args else None
        layer.maybe_build(map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None, first))
    kwargs = dict(kwargs)
    run_kwargs = {k: v for k, v in kwargs.items() if k != "training"}
    small = _run_on_zeros(layer, args, run_kwargs, 2)
    large = _run_on_zeros(layer, args, run_kwargs, 3)

    outputs = _symbolic_outputs(small, large)
    Node(layer, args, kwargs, outputs)
    if layer.output_shape is None:
        shapes = [t.shape for t in flatten(outputs)]
        layer.output_shape = shapes[0] if len(shapes) == 1 else shapes
    return outputs


def _symbolic_outputs(a, b):
    if isinstance(a, Tensor):
        shape = tuple(None if sa != sb else sa for sa, sb in zip(a.shape, b.shape))
        return KerasTensor(shape, a.dtype)
    if isinstance(a, (list, tuple)):
        return type(a)(_symbolic_outputs(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: _symbolic_outputs(a[k], b[k]) for k in a}
    raise TypeError(f"a layer called on keras.Input tensors must return Tensors, got {type(a).__name__}")


# ----- Input ----------------------------------------------------------------------------------
class InputLayer(Layer):
    """The layer behind ``keras.Input``: holds the declared shape; its output is the input."""

    def __init__(
        self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, input_shape=None, **kwargs
    ):
        if batch_shape is not None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer: give the input shape, e.g. keras.Input(shape=(784,))")
        super().__init__(name=name or unique_name("input_layer"), **kwargs)
        self.declared_input_shape = shape_tuple(shape, f"layer {self.name}")
        self.batch_size = batch_size
        self.input_dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        self.shape = (batch_size,) + self.declared_input_shape
        self.built = True
        self.input_shape = self.output_shape = (None,) + self.declared_input_shape
        tensor = KerasTensor(self.shape, self.input_dtype, name=self.name)
        Node(self, (), {}, tensor)
        self.output_tensor = tensor

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {
            "batch_shape": list(self.shape),
            "dtype": self.input_dtype.name,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(
            batch_shape=tuple(config["batch_shape"]), dtype=config.get("dtype"), name=config.get("name")
        )


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, sparse=None, tensor=None):
    """``keras.Input(shape)``: a symbolic model input (a KerasTensor), e.g. ``keras.Input((784,))``."""
    if sparse or tensor is not None:
        raise ValueError("Input: sparse inputs and tensor= are not supported")
    return InputLayer(
        shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name
    ).output_tensor


# ----- graph traversal ---------------------------------------------------------------------------
def topological_nodes(outputs):
    """The nodes the ``outputs`` depend on, each after the nodes it reads from."""
    order, done, active = [], set(), set()

    def visit(node):
        if id(node) in done:
            return
        if id(node) in active:
            raise ValueError("the layer graph has a cycle")
        active.add(id(node))
        for tensor in node.inputs:
            layer, index, _ = tensor._keras_history
            visit(layer._inbound_nodes[index])
        active.discard(id(node))
        done.add(id(node))
        order.append(node)

    for tensor in outputs:
        if not isinstance(tensor, KerasTensor) or tensor._keras_history is None:
            raise ValueError(
                f"Model outputs must be tensors returned by layers called on keras.Input, got {tensor!r}"
            )
        layer, index, _ = tensor._keras_history
        visit(layer._inbound_nodes[index])
    return order


def node_of(tensor):
    layer, index, _ = tensor._keras_history
    return layer._inbound_nodes[index]
