"""``mathdl.utils``: PyTorch's ``torch.utils`` import paths. ``mathdl.utils.data`` is ``mathdl.data``'s
datasets, samplers and loader under the names PyTorch code imports:

    from mathdl.utils.data import DataLoader, Dataset, TensorDataset, random_split
"""

from mathdl.utils import data

__all__ = ["data"]
