"""SyncBatchNorm: batch norm whose training statistics cover the global batch of all ranks.

With data parallelism each rank normalises with its own mini-batch's mean and variance (plain
BatchNorm under DistributedDataParallel). When the per-rank batch is small those statistics are
noisy; SyncBatchNorm computes them over all R·B samples instead, at the cost of one small
all-reduce (3C numbers) per layer in forward and one (2C) in backward. The formulas are in
``mathdl.nn.functional.sync_batch_norm``. In evaluation, or without a process group of more than
one rank, it is exactly BatchNorm.
"""

from mathdl import distributed as dist
from mathdl.autograd.function import as_tensor
from mathdl.nn.functional.sync_batch_norm import sync_batch_norm
from mathdl.nn.layers.batchnorm import _BatchNorm


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C, …) inputs with statistics synchronised across ranks
    (``torch.nn.SyncBatchNorm``). weight γ, bias β, running_mean, running_var: (C,).

    >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # doctest: +SKIP
    """

    _dims = (2, 3, 4, 5)
    _expected = "an (N, C, ...)"

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        process_group=None,
        dtype=None,
    ):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)
        dist.process_group._check_group(process_group)

    def forward(self, input):
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(input)
        input = as_tensor(input)
        if input.ndim < 2 or input.shape[1] != self.num_features:
            raise ValueError(
                f"SyncBatchNorm: expected an (N, {self.num_features}, ...) input, got shape {input.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.array)
        return sync_batch_norm(
            input, self.running_mean, self.running_var, self.weight, self.bias, factor, self.eps
        )

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm that shares its
        parameters and buffers (and training mode); other modules are kept. Returns the new
        top module (a new object only when ``module`` itself is a BatchNorm)."""
        dist.process_group._check_group(process_group)
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            state = [t for t in (module.weight, module.running_mean) if t is not None]
            converted = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                dtype=state[0].dtype if state else None,
            )
            if module.affine:
                converted.weight, converted.bias = module.weight, module.bias
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                converted.register_buffer(name, getattr(module, name))
            converted.train(module.training)
        for name, child in list(module.named_children()):
            replacement = cls.convert_sync_batchnorm(child, process_group)
            if replacement is not child:
                # in place, so the children keep their order (Sequential runs them in it)
                converted._modules[name] = replacement
                object.__setattr__(converted, name, replacement)
        return converted
