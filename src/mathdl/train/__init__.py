"""Training: the fit loop (``Trainer``, ``fit``), metrics, callbacks, History, checkpoints and
plots.

    from mathdl.train import Trainer, ModelCheckpoint, EarlyStopping
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-3))
    history = trainer.fit(train_loader, epochs=10, val_data=val_loader,
                          callbacks=[ModelCheckpoint("run/checkpoint.npz")])
    trainer.load_checkpoint("run/checkpoint.npz"); trainer.fit(train_loader, epochs=20)  # resume
"""

from mathdl.train.callbacks import Callback, EarlyStopping, LambdaCallback, ModelCheckpoint
from mathdl.train.checkpoint import CheckpointFormatError, load_checkpoint, save_checkpoint
from mathdl.train.history import History
from mathdl.train.loop import Trainer, fit
from mathdl.train.metrics import accuracy, binary_accuracy, confusion_matrix
from mathdl.train.plots import plot_confusion_matrix, plot_history, plot_predictions
from mathdl.train.progress import ProgressLine

__all__ = [
    "Callback",
    "CheckpointFormatError",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "ProgressLine",
    "Trainer",
    "accuracy",
    "binary_accuracy",
    "confusion_matrix",
    "fit",
    "load_checkpoint",
    "plot_confusion_matrix",
    "plot_history",
    "plot_predictions",
    "save_checkpoint",
]
