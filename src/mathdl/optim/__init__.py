"""``mathdl.optim``: the update rules (SGD, Adagrad, Adadelta, RMSprop, Adam, AdamW, Adamax, NAdam)
and lr schedules.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()
"""

from mathdl.optim import lr_scheduler, swa_utils
from mathdl.optim.adadelta import Adadelta
from mathdl.optim.adagrad import Adagrad
from mathdl.optim.adam import Adam, AdamW
from mathdl.optim.adamax import Adamax
from mathdl.optim.nadam import NAdam
from mathdl.optim.optimizer import Optimizer
from mathdl.optim.rmsprop import RMSprop
from mathdl.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
    "swa_utils",
]
