"""Differentiable collectives (``torch.distributed.nn``): the gradient of a collective is itself
a collective, so a model whose forward pass talks across ranks can be trained by backward."""

from mathdl.distributed.nn import functional

__all__ = ["functional"]
