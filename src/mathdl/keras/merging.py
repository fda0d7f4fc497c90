"""Keras's merging layers: they take a list of tensors of the same shape (``Concatenate``: the
same shape but along ``axis``) and return one.

    Concatenate(axis=-1)   [x₁, x₂, …] → x₁ ‖ x₂ ‖ … along axis
    Add / Subtract         x₁ + x₂ + …   /   x₁ − x₂ (exactly two inputs)
    Multiply               x₁ ⊙ x₂ ⊙ …
    Average / Maximum / Minimum   elementwise mean / max / min
    Dot(axes)              Σ_k x₁[…, k] x₂[…, k] over the given axes (batched)

The lowercase functions (``concatenate([a, b])``, ``add([a, b])``, …) build the layer and call it.
"""

from mathdl import ops
from mathdl.keras.base_layer import Layer, format_shape


class _Merge(Layer):
    minimum_inputs = 2

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < self.minimum_inputs:
            raise ValueError(
                f"A merge layer ({type(self).__name__} {self.name}) should be called on a list of at "
                f"least {self.minimum_inputs} inputs. Got: {input_shape!r}"
            )
        self._check_shapes(input_shape)

    def _check_shapes(self, shapes):
        first = shapes[0]
        for shape in shapes[1:]:
            if len(shape) != len(first) or any(
                a is not None and b is not None and a != b for a, b in zip(first[1:], shape[1:])
            ):
                raise ValueError(
                    f"Inputs of layer {self.name} ({type(self).__name__}) must have the same shape, got "
                    f"{', '.join(format_shape(s) for s in shapes)}"
                )

    def call(self, inputs):
        inputs = list(inputs)
        result = inputs[0]
        for item in inputs[1:]:
            result = self._combine(result, item)
        return self._finish(result, len(inputs))

    def _finish(self, result, count):
        return result


class Add(_Merge):
    """x₁ + x₂ + …"""

    def _combine(self, a, b):
        return a + b


class Subtract(_Merge):
    """x₁ − x₂ (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A Subtract layer should be called on exactly 2 inputs, got {len(input_shape)}")

    def _combine(self, a, b):
        return a - b


class Multiply(_Merge):
    """x₁ ⊙ x₂ ⊙ … (elementwise)."""

    def _combine(self, a, b):
        return a * b


class Average(_Merge):
    """(x₁ + x₂ + …) / n."""

    def _combine(self, a, b):
        return a + b

    def _finish(self, result, count):
        return result / float(count)


class Maximum(_Merge):
    """Elementwise maximum."""

    def _combine(self, a, b):
        return ops.maximum(a, b)


class Minimum(_Merge):
    """Elementwise minimum."""

    def _combine(self, a, b):
        return ops.minimum(a, b)


class Concatenate(_Merge):
    """``Concatenate(axis=-1)``: joins the inputs along ``axis`` (the other axes must agree)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, shapes):
        rank = len(shapes[0])
        axis = self.axis % rank
        for shape in shapes[1:]:
            if len(shape) != rank or any(
                a is not None and b is not None and a != b
                for i, (a, b) in enumerate(zip(shapes[0], shape))
                if i not in (0, axis)
            ):
                raise ValueError(
                    f"A `Concatenate` layer requires inputs with matching shapes except for the "
                    f"concatenation axis. Received: input_shape={[format_shape(s) for s in shapes]}"
                )

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """``Dot(axes, normalize=False)`` for two (None, d) inputs: Σ_k a_k b_k per sample, shape
    (None, 1); ``normalize`` L2-normalises first (cosine similarity)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes if isinstance(axes, (list, tuple)) else (axes, axes)
        self.axes = tuple(int(a) for a in self.axes)
        self.normalize = bool(normalize)

    def _check_shapes(self, shapes):
        a, b = shapes
        if a[self.axes[0]] is not None and b[self.axes[1]] is not None and a[self.axes[0]] != b[self.axes[1]]:
            raise ValueError(f"Dot {self.name}: incompatible sizes along axes {self.axes}: {a} and {b}")

    def call(self, inputs):
        a, b = inputs
        if a.ndim != 2 or b.ndim != 2:
            raise ValueError(
                f"Dot {self.name}: only 2-D inputs (None, d) are supported, got {a.shape} and {b.shape}"
            )
        if self.normalize:
            a = a / ops.sqrt((a * a).sum(axis=-1, keepdims=True) + 1e-12)
            b = b / ops.sqrt((b * b).sum(axis=-1, keepdims=True) + 1e-12)
        return (a * b).sum(axis=-1, keepdims=True)

    def get_config(self):
        return {**super().get_config(), "axes": list(self.axes), "normalize": self.normalize}


def add(inputs, **kwargs):
    """``Add()(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract()(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply()(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average()(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum()(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum()(inputs)``."""
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """``Dot(axes, normalize)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
