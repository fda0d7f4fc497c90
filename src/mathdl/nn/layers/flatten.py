"""Shape layers: Flatten and Identity."""

from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.nn.module import Module
from mathdl.ops.shape import flatten


class Flatten(Module):
    """Merge axes ``start_dim``…``end_dim`` into one: (N, C, H, W) → (N, C·H·W) by default
    (start_dim=1, end_dim=−1, as PyTorch).

    >>> import mathdl as md
    >>> md.nn.Flatten()(md.ones(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        input = as_tensor(input)
        if input.ndim <= self.start_dim and input.ndim > 0 and self.start_dim >= 0:
            raise ValueError(
                f"Flatten: start_dim={self.start_dim} is out of range for an input of shape {input.shape}"
            )
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """y = x (a placeholder layer; any arguments to the constructor are ignored, as in PyTorch).

    >>> import mathdl as md
    >>> md.nn.Identity()(md.tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input
