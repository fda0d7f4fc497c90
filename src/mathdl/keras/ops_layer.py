"""``OpLayer``: a ``keras.ops`` function recorded in a functional graph.

Calling a ``keras.ops`` function (or an arithmetic operator) on ``keras.Input`` tensors records
an OpLayer node; running the model calls the op on the values. Its config is the op's name, so a
functional model using ``keras.ops`` saves and loads like any other (constant arguments must be
plain JSON values)."""

from mathdl.keras.base_layer import Layer


class OpLayer(Layer):
    """The op ``keras.ops.<op>`` as a layer (no weights)."""

    def __init__(self, op, **kwargs):
        from mathdl.keras import ops

        if op not in ops.OPS:
            raise ValueError(f"OpLayer: unknown keras.ops function {op!r}")
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.op = op

    def maybe_build(self, input_shapes):
        self.built = True

    def call(self, *args, **kwargs):
        from mathdl.keras import ops

        return ops.OPS[self.op](*args, **kwargs)

    def get_config(self):
        return {"name": self.name, "op": self.op}
