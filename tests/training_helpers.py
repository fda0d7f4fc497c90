"""Train a model through ``mathdl.train.Trainer`` in a test, in one call."""

import numpy as np

from mathdl import optim
from mathdl.data import DataLoader, TensorDataset
from mathdl.data.pixels import scale_images
from mathdl.train import ModelLoss, Trainer


def as_unit(x):
    """uint8 images as float32 in [0, 1]; anything else unchanged."""
    x = np.asarray(x)
    return scale_images(x, "unit", flat=x.ndim == 2) if x.dtype == np.uint8 else x


def fit_model(model, x, epochs, batch_size=64, lr=1e-3, strategy=None, x_val=None, optimizer=None):
    """Fit ``model`` on inputs ``x`` (a model with ``loss(x)`` by default) with Adam(lr); returns
    the History ('loss' and, with ``x_val``, 'val_loss')."""
    x = as_unit(x)
    loader = DataLoader(TensorDataset(x), batch_size=batch_size, shuffle=True)
    val = DataLoader(TensorDataset(as_unit(x_val)), batch_size=500) if x_val is not None else None
    optimizer = optimizer if optimizer is not None else optim.Adam(model.parameters(), lr=lr)
    trainer = Trainer(model, optimizer, strategy=strategy or ModelLoss(), verbose=0)
    return trainer.fit(loader, epochs, val_data=val)
