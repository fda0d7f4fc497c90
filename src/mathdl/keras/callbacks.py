"""``keras.callbacks``: ``Callback`` (with ``self.model``), ``EarlyStopping``,
``ModelCheckpoint``, ``LambdaCallback`` and ``History`` from ``mathdl.train``.

A Keras-style callback overrides ``on_epoch_end(self, epoch, logs=None)`` and friends; it reads
the model as ``self.model`` and stops training with ``self.model.stop_training = True``.
``ModelCheckpoint`` writes a full mathdl training checkpoint (weights, optimiser state, epoch).
"""

from mathdl.train.callbacks import Callback, EarlyStopping, LambdaCallback, ModelCheckpoint
from mathdl.train.history import History

__all__ = ["Callback", "EarlyStopping", "History", "LambdaCallback", "ModelCheckpoint"]
