"""Function: one differentiable operation, with its forward and backward formulas side by side.

A subclass implements ``forward(*arrays) -> array or tuple of arrays`` on NumPy arrays and
``backward(*grad_outputs) -> gradient or tuple of gradients, one per input`` on Tensors. Writing
``backward`` with differentiable Tensor operations is what makes higher-order derivatives work:
when the engine runs backward with ``create_graph=True`` those operations are recorded too.
"""

import weakref

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor, _as_array


def _wrap(array, requires_grad):
    # The hot path of every op: a Tensor without _as_array's conversions (forward gave an array).
    tensor = Tensor.__new__(Tensor)
    tensor.array = array if type(array) is np.ndarray else np.asarray(array)
    tensor.requires_grad = requires_grad
    tensor.grad = None
    tensor.creator = None
    tensor.output_index = 0
    tensor._retain_grad = False
    tensor.name = None
    return tensor


class Function:
    """Base class of every differentiable op. Call an instance on Tensors (or array-likes).

    After a recorded call, ``inputs`` holds the input Tensors (strongly, they are needed by
    ``backward``), ``outputs`` holds weak references to the outputs, and ``output_meta`` their
    shapes and dtypes (so a gradient of zeros can be made for an output nobody used).
    """

    inputs = ()
    outputs = ()

    def __call__(self, *inputs):
        inputs = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        outputs = self.forward(*[x.array for x in inputs])
        record = False
        if grad_mode._enabled:
            for x in inputs:
                if x.requires_grad:
                    record = True
                    break
        if not isinstance(outputs, tuple):  # the common single-output case, kept short
            y = _wrap(outputs, record)
            if record:
                self.inputs = inputs
                self.outputs = [weakref.ref(y)]
                self.output_meta = [(y.array.shape, y.array.dtype)]
                y.creator = self
            return y
        results = [_wrap(y, record) for y in outputs]
        if record:
            self.inputs = inputs
            self.outputs = [weakref.ref(y) for y in results]
            self.output_meta = [(y.shape, y.dtype) for y in results]
            for index, y in enumerate(results):
                y.creator = self
                y.output_index = index
        return tuple(results)

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def __repr__(self):
        return f"<{type(self).__name__}>"


def as_tensor(value, like=None):
    """``value`` as a Tensor; a Python number or float array takes the floating dtype of ``like``.

    This keeps float32 computations float32: NumPy 2 would promote ``float32_array * np.float64(2)``
    to float64, PyTorch would not, and neither do we.
    """
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value) if like is not None else _as_array(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"expected a number, an array or a Tensor, got {type(value).__name__} (dtype {array.dtype})"
        )
    if like is not None:
        if like.dtype.kind == "f" and array.dtype.kind in "biuf":
            return Tensor(array.astype(like.dtype, copy=False))
        if array.dtype == np.float64 and not isinstance(value, (np.ndarray, np.generic)):
            array = _as_array(value)  # Python floats: the default dtype
    return Tensor(array)
