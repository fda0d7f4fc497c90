"""Einstein summation, and its gradient, which is again an einsum.

    out[o] = Σ_{letters not in o}  Π_k  A_k[s_k]

For operand k, every other factor is held fixed, so ∂L/∂A_k[s_k] = Σ ōut[o] Π_{j≠k} A_j[s_j]: the
einsum of the upstream gradient with the other operands, written out to the subscripts of A_k.
Two details complete it: a letter that appears only in A_k was summed away and comes back by
broadcasting, and a letter repeated inside s_k (a diagonal, as in 'ii->i') puts the gradient back
on that diagonal.
"""

import string

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.shape import broadcast_to, reshape, sum_to
from mathdl.typing import TensorLike


def _parse(subscripts, shapes):
    """Explicit subscripts (ellipses expanded to letters) as ([s_1, …, s_n], out)."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs_part, output = subscripts.split("->")
        implicit = False
    else:
        inputs_part, output, implicit = subscripts, "", True
    terms = inputs_part.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, got {len(shapes)}")
    used = set(c for c in subscripts if c.isalpha())
    free = [c for c in string.ascii_letters if c not in used]
    ellipsis_ndim = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ellipsis_ndim = max(ellipsis_ndim, len(shape) - (len(term) - 3))
    ellipsis_letters = "".join(free[:ellipsis_ndim])
    expanded = []
    for position, (term, shape) in enumerate(zip(terms, shapes)):
        if any(not (c.isalpha() or c == ".") for c in term):
            raise ValueError(f"einsum: invalid subscript {term!r}: use letters and '...'")
        if "..." in term:
            count = len(shape) - (len(term) - 3)
            if count < 0:
                raise ValueError(
                    f"einsum: operand {position} has {len(shape)} dimensions, fewer than "
                    f"its subscripts {term!r} name"
                )
            term = term.replace("...", ellipsis_letters[ellipsis_ndim - count :])
        if len(term) != len(shape):
            raise ValueError(
                f"einsum: operand {position} has shape {shape} ({len(shape)} dimensions) "
                f"but subscripts {term!r} name {len(term)}"
            )
        expanded.append(term)
    if implicit:
        letters = "".join(expanded)
        output = ellipsis_letters + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis_letters)
        )
    else:
        output = output.replace("...", ellipsis_letters)
        missing = [c for c in output if c not in "".join(expanded)]
        if missing:
            raise ValueError(f"einsum: output subscript {missing[0]!r} appears in no operand")
    sizes = {}
    for position, (term, shape) in enumerate(zip(expanded, shapes)):
        for c, n in zip(term, shape):
            if c in sizes and n not in (1, sizes[c]) and sizes[c] != 1:
                raise ValueError(
                    f"einsum: subscript {c!r} has size {n} in operand {position} but "
                    f"{sizes[c]} elsewhere (shapes {list(shapes)})"
                )
            if c not in sizes or sizes[c] == 1:
                sizes[c] = n
    return expanded, output, sizes


class Einsum(Function):
    """out = einsum(subscripts, *operands); see the module docstring for the gradient."""

    def __init__(self, terms, output):
        self.terms, self.output = terms, output
        self.spec = ",".join(terms) + "->" + output

    def forward(self, *arrays):
        return np.einsum(self.spec, *arrays, optimize=len(arrays) > 1)

    def backward(self, gout):
        grads = []
        for k, x in enumerate(self.inputs):
            if not x.requires_grad:
                grads.append(None)
                continue
            term = self.terms[k]
            others = [j for j in range(len(self.inputs)) if j != k]
            elsewhere = self.output + "".join(self.terms[j] for j in others)
            unique = "".join(dict.fromkeys(term))
            reachable = "".join(c for c in unique if c in elsewhere)
            g = Einsum([self.output] + [self.terms[j] for j in others], reachable)(
                gout, *[self.inputs[j] for j in others]
            )
            # Bring g (letters `reachable`) to A_k's own sizes for the letters `unique`: a letter
            # summed only inside A_k comes back by broadcasting, and where one side had size 1
            # (NumPy broadcasting of a subscript) the other is summed or broadcast to match.
            sizes = tuple(x.shape[term.index(c)] for c in unique)
            if reachable != unique:
                g = reshape(g, tuple(g.shape[reachable.index(c)] if c in reachable else 1 for c in unique))
            g = broadcast_to(sum_to(g, tuple(1 if n == 1 else m for m, n in zip(g.shape, sizes))), sizes)
            if unique != term:  # repeated letters: back onto the diagonal
                g = DiagonalEmbed(unique, term, x.shape)(g)
            grads.append(g)
        return tuple(grads)


class DiagonalEmbed(Function):
    """y[s] = x[u] where the repeated letters of s agree, 0 elsewhere (e.g. 'i' -> 'ii' makes diag(x)).

    The adjoint of taking a diagonal: ∂L/∂x = einsum('s->u', ȳ).
    """

    def __init__(self, unique, term, shape):
        self.unique, self.term, self.shape = unique, term, shape

    def forward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        grid = np.indices(g.shape, sparse=True)
        out[tuple(grid[self.unique.index(c)] for c in self.term)] = g
        return out

    def backward(self, gy):
        return Einsum([self.term], self.unique)(gy)


def einsum(subscripts: str, *operands: TensorLike) -> Tensor:
    """Einstein summation with NumPy's subscript rules (implicit and explicit output, '...').

    ``einsum('ij,jk->ik', a, b)`` is a matrix product; ``einsum('ii', a)`` the trace;
    ``einsum('bij->bji', a)`` a batched transpose.

    >>> import mathdl as md
    >>> md.einsum("ij,jk->ik", md.ones(2, 3), md.ones(3, 4)).tolist()[0]
    [3.0, 3.0, 3.0, 3.0]
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = [as_tensor(x) for x in operands]
    if not tensors:
        raise ValueError("einsum: needs at least one operand")
    terms, output, _ = _parse(subscripts, [t.shape for t in tensors])
    return Einsum(terms, output)(*tensors)
