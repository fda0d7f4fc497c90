"""Batch-level augmentation inside the training step: ``AugmentedSupervised``.

Per-image transforms belong to the dataset (``FashionMNIST(transform=...)``); transforms that need
the whole batch and change the targets (``MixUp``, ``CutMix`` from ``mathdl.data.transforms``)
act here, on training batches only, so validation and ``evaluate`` see the clean data:

    x̃, ỹ = batch_transform(x, y)      ŷ = f(x̃)      L = ℓ(ŷ, ỹ)      (soft targets ỹ: ℓ is the
                                                                       cross-entropy with probabilities)
"""

from mathdl.train.metrics import get_metric
from mathdl.train.strategies import Supervised, _split_pair


class AugmentedSupervised(Supervised):
    """The supervised step on ``batch_transform(inputs, targets)`` during training (the targets
    may become probabilities: ``F.cross_entropy`` and the accuracy metric accept them);
    ``eval_step`` is the plain supervised one.

    Args: batch_transform (a callable ``(inputs, targets) -> (inputs, targets)``, e.g.
    ``RandomChoice([MixUp(num_classes=10), CutMix(num_classes=10)])``); loss_fn, metrics (names
    or callables, as the Trainer's), clip: as ``Supervised``.

    >>> from mathdl import nn, optim
    >>> from mathdl.data.transforms import MixUp
    >>> from mathdl.train import Trainer
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    >>> step = AugmentedSupervised(MixUp(alpha=0.2, num_classes=10))
    >>> trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), strategy=step)
    """

    def __init__(self, batch_transform, loss_fn=None, metrics=("accuracy",), clip=None):
        if not callable(batch_transform):
            raise TypeError(
                f"AugmentedSupervised: batch_transform must be callable(inputs, targets), "
                f"got {type(batch_transform).__name__}"
            )
        if isinstance(metrics, str):
            metrics = (metrics,)
        super().__init__(loss_fn, [get_metric(metric) for metric in (metrics or ())], clip)
        self.batch_transform = batch_transform

    def train_step(self, batch):
        inputs, targets = _split_pair(batch, "fit")
        return super().train_step(self.batch_transform(inputs, targets))
