"""In-place Tensor methods, as PyTorch: ``add_ sub_ mul_ div_ pow_ copy_ fill_ zero_ clamp_ relu_
sigmoid_ tanh_ exp_ log_ sqrt_ abs_ neg_
normal_ uniform_ masked_fill_ scatter_ scatter_add_``, the augmented assignments ``+= -= *= /=``
and ``t[index] = value``.

Each writes into the tensor's own memory (so ``with no_grad(): p -= lr * p.grad`` updates ``p``).
On a leaf that requires grad, with grad mode on, they raise (as PyTorch); on a non-leaf they are
recorded in the graph, and a backward that needs values overwritten since raises instead of giving
a wrong gradient (see ``mathdl.autograd.version``).
"""

import numpy as np


def _version():
    from mathdl.autograd import version

    return version


def _ops():
    import mathdl.ops as ops

    return ops


def _array(value):
    return value.array if hasattr(value, "creator") else value


_UFUNCS = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.divide}


def _unary_(name):
    """``x.<name>_()``: x ← <name>(x) in place (recorded on a non-leaf, as PyTorch)."""

    def method(self):
        return _version().apply(self, getattr(_ops(), name), (), name + "_", needs_old=True)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"x ← mathdl.{name}(x), in place."
    return method


class InPlaceMethods:
    """The in-place half of Tensor's methods (mixed into ``Tensor``)."""

    __slots__ = ()

    def _arithmetic_(self, op, other, alpha=1):
        version = _version()
        if alpha != 1:
            other = other * alpha
        if not version.recording(self, (other,), op):
            # the common update (an optimiser step, x += 1): one NumPy ufunc writing into the buffer
            ufunc = _UFUNCS[op]
            try:
                ufunc(self.array, _array(other), out=self.array, casting="same_kind")
            except TypeError:
                raise TypeError(
                    f"{op}: result type of {self.dtype} and {np.result_type(_array(other))} can't be "
                    f"cast to the desired output type {self.dtype} (as in PyTorch)"
                ) from None
            except ValueError as error:
                raise ValueError(
                    f"{op}: cannot write the result into this tensor of shape {self.shape} ({error})"
                ) from None
            version.bump(self)
            return self
        ops = _ops()
        compute = {"add_": ops.add, "sub_": ops.sub, "mul_": ops.mul, "div_": ops.div}[op]
        return version.apply(self, compute, (other,), op, needs_old=op in ("mul_", "div_"))

    def add_(self, other, *, alpha=1):
        """self ← self + alpha · other, in place."""
        return self._arithmetic_("add_", other, alpha)

    def sub_(self, other, *, alpha=1):
        """self ← self − alpha · other, in place."""
        return self._arithmetic_("sub_", other, alpha)

    def mul_(self, other):
        """self ← self ⊙ other, in place."""
        return self._arithmetic_("mul_", other)

    def div_(self, other):
        """self ← self / other, in place (an integer tensor cannot hold the quotient: TypeError)."""
        return self._arithmetic_("div_", other)

    def pow_(self, exponent):
        """self ← self ** exponent, in place."""
        return _version().apply(self, _ops().pow, (exponent,), "pow_", needs_old=True)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    # ----- overwriting -------------------------------------------------------------------------
    def copy_(self, src):
        """self ← src (broadcast to self's shape, cast to its dtype), in place; the gradient flows
        to ``src`` (summed over broadcast dimensions), none to the old values."""
        from mathdl.ops.inplace import copy_from

        return _version().apply(self, copy_from, (src,), "copy_", needs_old=False)

    def fill_(self, value):
        """Every element ← ``value``, in place."""
        from mathdl.ops.inplace import overwrite

        version = _version()
        if not version.recording(self, (value,), "fill_"):  # the common case (zeroing a .grad): direct
            self.array[...] = _array(value)
            version.bump(self)
            return self
        return version.apply(self, lambda x: overwrite(x, value), (), "fill_", needs_old=False)

    def zero_(self):
        """Every element ← 0, in place."""
        return self.fill_(0)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Overwrite with samples of N(mean, std²) from the global generator (``manual_seed``)."""
        from mathdl.ops.inplace import overwrite
        from mathdl.random import generator as global_generator

        rng = generator if generator is not None else global_generator()
        values = rng.normal(mean, std, self.shape)
        return _version().apply(self, lambda x: overwrite(x, values), (), "normal_", needs_old=False)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Overwrite with samples of U[a, b) from the global generator (``manual_seed``)."""
        from mathdl.ops.inplace import overwrite
        from mathdl.random import generator as global_generator

        rng = generator if generator is not None else global_generator()
        values = rng.uniform(a, b, self.shape)
        return _version().apply(self, lambda x: overwrite(x, values), (), "uniform_", needs_old=False)

    def clamp_(self, min=None, max=None):
        """self ← clamp(self, min, max), in place."""
        return _version().apply(self, lambda x: _ops().clamp(x, min, max), (), "clamp_", needs_old=True)

    clip_ = clamp_

    def masked_fill_(self, mask, value):
        """self ← value where ``mask`` (broadcast to self's shape), in place."""
        return _version().apply(self, _ops().masked_fill, (mask, value), "masked_fill_", needs_old=False)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """``scatter`` in place: self[…index[i][j]…] ← src[i][j] along ``dim``."""
        scatter = _ops().scatter

        def compute(x, dim, index, src):
            return scatter(x, dim, index, src, value=value, reduce=reduce)

        return _version().apply(self, compute, (dim, index, src), "scatter_", needs_old=False)

    def scatter_add_(self, dim, index, src):
        """``scatter_add`` in place: self[…index[i][j]…] += src[i][j] along ``dim``."""
        return _version().apply(self, _ops().scatter_add, (dim, index, src), "scatter_add_", needs_old=False)

    def __setitem__(self, index, value):
        """``t[index] = value`` writes in place, as in PyTorch (recorded on non-leaf tensors)."""
        from mathdl.ops.inplace import index_put

        version = _version()
        if not version.recording(self, (value,), "t[index] = value"):
            from mathdl.ops.shape import _normalize_index

            self.array[_normalize_index(index)] = _array(value)
            version.bump(self)
            return
        version.apply(
            self, lambda x, v: index_put(x, index, v), (value,), "t[index] = value", needs_old=False
        )


for _name in ("relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "neg"):
    setattr(InPlaceMethods, _name + "_", _unary_(_name))
del _name
