"""``model.summary()``: Keras's layer table — name (type), output shape, parameter count (and,
for a functional model that is not a simple chain, the layers each one is connected to) — and
the totals with their size in bytes."""

from mathdl import backend
from mathdl.keras.base_layer import format_shape


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return format_shape(shape)


def _size(count):
    value, unit = count * backend.get_default_dtype().itemsize, "Byte"
    for unit in ("Byte", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.2f} {unit}"


def _connections(model, layer):
    from mathdl.keras.functional import KerasTensor

    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return ""
    names = []
    for node in layer._inbound_nodes:
        if node in nodes:
            for tensor in node.inputs:
                if isinstance(tensor, KerasTensor):
                    source, index, position = tensor._keras_history
                    names.append(f"{source.name}[{index}][{position}]")
    return ", ".join(names) if names else "-"


def _is_chain(model):
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return True
    return len(model.inputs) == 1 and len(model.outputs) == 1 and all(len(n.inputs) <= 1 for n in nodes)


def print_summary(model, line_length=None, print_fn=None):
    """Print the summary of ``model`` with ``print_fn`` (default ``print``)."""
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling "
            "`build()` or by calling the model on a batch of data."
        )
    print_fn = print_fn or print
    chain = _is_chain(model)
    line_length = line_length or (65 if chain else 98)
    widths = (29, 26, 11, line_length - 66) if not chain else (29, 26, line_length - 55)

    def row(*cells):
        # a cell longer than its column still gets one space before the next (Keras wraps it)
        return "".join(str(c).ljust(w - 1) + " " for c, w in zip(cells, widths)).rstrip()

    header = ("Layer (type)", "Output Shape", "Param #") + (() if chain else ("Connected to",))
    lines = [f'Model: "{model.name}"', "_" * line_length, row(*header), "=" * line_length]
    layers = model.layers
    for index, layer in enumerate(layers):
        cells = [
            f"{layer.name} ({type(layer).__name__})",
            _shape_text(layer.output_shape),
            f"{layer.count_params():,}",
        ]
        if not chain:
            cells.append(_connections(model, layer))
        lines.append(row(*cells))
        lines.append("=" * line_length if index == len(layers) - 1 else "")
    total = model.count_params()
    trainable = model.count_trainable_params()
    lines += [
        f"Total params: {total:,} ({_size(total)})",
        f"Trainable params: {trainable:,} ({_size(trainable)})",
        f"Non-trainable params: {total - trainable:,} ({_size(total - trainable)})",
        "_" * line_length,
    ]
    for line in lines:
        print_fn(line)
