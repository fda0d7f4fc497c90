"""``mathdl.optim``: the update rules (SGD, Adagrad, RMSprop, Adam, AdamW) and lr schedules.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()
"""
from mathdl.optim import lr_scheduler
from mathdl.optim.adagrad import Adagrad
from mathdl.optim.adam import Adam, AdamW
from mathdl.optim.optimizer import Optimizer
from mathdl.optim.rmsprop import RMSprop
from mathdl.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
