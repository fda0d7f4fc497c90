"""Training: the fit loop (``Trainer`` with a step strategy, ``fit``), metrics, callbacks,
History, checkpoints and plots — one path for every model.

    from mathdl.train import Trainer, ModelCheckpoint, EarlyStopping
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-3))       # supervised step
    history = trainer.fit(train_loader, epochs=10, val_data=val_loader,
                          callbacks=[ModelCheckpoint("run/checkpoint.npz")])
    trainer.load_checkpoint("run/checkpoint.npz"); trainer.fit(train_loader, epochs=20)  # resume

    Trainer(gan, {"generator": opt_g, "discriminator": opt_d}, strategy=Adversarial(n_critic=5))
"""

from mathdl.train.augmentation import AugmentedSupervised
from mathdl.train.averaging import (
    SnapshotEnsemble,
    StochasticWeightAveraging,
    ensemble_probabilities,
    predict_probabilities,
)
from mathdl.train.callbacks import (
    Callback,
    EarlyStopping,
    InformationPlane,
    LambdaCallback,
    ModelCheckpoint,
    TimeBudget,
)
from mathdl.train.checkpoint import CheckpointFormatError, load_checkpoint, save_checkpoint
from mathdl.train.history import History
from mathdl.train.loop import Trainer, fit
from mathdl.train.metrics import accuracy, binary_accuracy, confusion_matrix, corpus_bleu, judge_samples
from mathdl.train.plots import (
    image_grid,
    plot_confusion_matrix,
    plot_history,
    plot_image_grid,
    plot_predictions,
)
from mathdl.train.progress import ProgressLine
from mathdl.train.strategies import (
    Adversarial,
    ConditionalModelLoss,
    ContrastiveDivergence,
    ModelLoss,
    NonFiniteLoss,
    StepStrategy,
    Supervised,
    TeacherForcing,
    TruncatedBPTT,
)

__all__ = [
    "Adversarial",
    "AugmentedSupervised",
    "Callback",
    "CheckpointFormatError",
    "ContrastiveDivergence",
    "EarlyStopping",
    "History",
    "InformationPlane",
    "LambdaCallback",
    "ModelCheckpoint",
    "ConditionalModelLoss",
    "ModelLoss",
    "NonFiniteLoss",
    "ProgressLine",
    "SnapshotEnsemble",
    "StochasticWeightAveraging",
    "StepStrategy",
    "Supervised",
    "TeacherForcing",
    "TimeBudget",
    "Trainer",
    "TruncatedBPTT",
    "accuracy",
    "binary_accuracy",
    "confusion_matrix",
    "corpus_bleu",
    "ensemble_probabilities",
    "fit",
    "image_grid",
    "judge_samples",
    "load_checkpoint",
    "plot_confusion_matrix",
    "plot_history",
    "plot_image_grid",
    "plot_predictions",
    "predict_probabilities",
    "save_checkpoint",
]
