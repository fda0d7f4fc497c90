"""``mathdl.nn.parallel``: data-parallel training over MPI (``torch.nn.parallel``)."""

from mathdl.nn.parallel.distributed import DistributedDataParallel, consume_prefix_in_state_dict_if_present

__all__ = ["DistributedDataParallel", "consume_prefix_in_state_dict_if_present"]
