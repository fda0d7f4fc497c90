"""DistributedDataParallel: the same model on every rank, each rank its own shard of the batch,
gradients averaged after ``loss.backward()`` (``torch.nn.parallel.DistributedDataParallel``).

Why averaging is right: with R ranks each holding B samples, the loss of the global batch of RB
samples is the mean of the ranks' losses, and the gradient is linear, so

    ∇θ (1/RB) Σ_{i=1}^{RB} ℓ_i(θ) = (1/R) Σ_r ∇θ (1/B) Σ_{i ∈ r} ℓ_i(θ) = (1/R) Σ_r g_r.

Every rank starts from rank 0's parameters and applies the same averaged gradient with the same
optimizer, so the replicas stay identical without ever sending parameters again.

When the reduction runs: ``forward`` (with gradients enabled and outside ``no_sync``) arms the
wrapper; ``mathdl.autograd.backward_hooks`` calls it back once ``backward`` has accumulated every
``.grad``; it then averages the gradients in flat buckets (one ``Allreduce`` each, 25 MB by
default). Under ``no_sync()`` nothing is sent and gradients accumulate locally; the first
backward after a synchronised forward averages the accumulated sum, as in PyTorch.
"""

import contextlib
import functools
import numbers
import weakref

from mathdl.autograd import backward_hooks, grad_mode
from mathdl.distributed import process_group
from mathdl.nn.module import Module
from mathdl.nn.parallel.gradient_buckets import broadcast_tensors, build_buckets, check_same_model


def _after_backward(reference, leaves):
    wrapper = reference()
    if wrapper is not None:
        wrapper._reduce_after_backward(leaves)


def consume_prefix_in_state_dict_if_present(state_dict, prefix):
    """Strip ``prefix`` (e.g. ``"module."``) from every key of ``state_dict`` that starts with it,
    in place, as ``torch.nn.modules.utils.consume_prefix_in_state_dict_if_present``: loads a
    checkpoint saved from a PyTorch DDP wrapper into a plain model."""
    for key in list(state_dict):
        if key.startswith(prefix):
            state_dict[key[len(prefix) :]] = state_dict.pop(key)


class DistributedDataParallel(Module):
    """Data-parallel training of ``module`` over the ranks of the default process group.

    Args:
        module: the model (built identically on every rank; differing parameter names, shapes
            or dtypes raise ValueError naming the first difference).
        device_ids, output_device: must be None (mathdl runs on the CPU).
        broadcast_buffers: copy rank 0's buffers (BatchNorm running statistics) to every rank at
            each synchronised forward, as PyTorch does. The batch statistics used to normalise
            stay each rank's own unless the model is converted with
            ``nn.SyncBatchNorm.convert_sync_batchnorm``.
        process_group: None (the default group).
        bucket_cap_mb: the largest bucket of gradients sent by one ``Allreduce``.
        find_unused_parameters: accepted for PyTorch compatibility; parameters without a gradient
            are always handled (each bucket carries a has-gradient flag per parameter).

    At wrap time rank 0's parameters and buffers are broadcast to every rank. The wrapped model is
    ``.module``; ``state_dict()`` is the module's own (no ``"module."`` prefix), so a checkpoint
    loads into an unwrapped model, and ``load_state_dict`` accepts keys with or without the prefix.

    >>> model = DistributedDataParallel(nn.Linear(4, 2))   # doctest: +SKIP
    >>> loss = F.mse_loss(model(x), y); loss.backward()     # grads are now averaged over ranks
    """

    def __init__(
        self,
        module,
        device_ids=None,
        output_device=None,
        broadcast_buffers=True,
        process_group=None,
        bucket_cap_mb=25,
        find_unused_parameters=False,
    ):
        super().__init__()
        _check_arguments(module, device_ids, output_device, process_group, bucket_cap_mb)
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.require_backward_grad_sync = True
        self._expect_backward = False
        named = list(module.named_parameters()) + list(module.named_buffers())
        check_same_model(named, "DistributedDataParallel")
        broadcast_tensors([tensor for _, tensor in named], src=0)
        params = [p for p in module.parameters() if p.requires_grad]
        self._param_ids = frozenset(id(p) for p in params)
        self._buckets = build_buckets(params, float(bucket_cap_mb) * 2**20)
        handle = backward_hooks.register_post_backward_hook(
            functools.partial(_after_backward, weakref.ref(self))
        )
        weakref.finalize(self, handle.remove)

    @property
    def bucket_count(self):
        """How many ``Allreduce`` calls one synchronised backward makes."""
        return len(self._buckets)

    def forward(self, *inputs, **kwargs):
        if grad_mode.is_grad_enabled() and self.require_backward_grad_sync:
            if self.broadcast_buffers:
                buffers = list(self.module.buffers())
                if buffers:
                    broadcast_tensors(buffers, src=0)
            self._expect_backward = True
        return self.module(*inputs, **kwargs)

    def _reduce_after_backward(self, leaves):
        if not self._expect_backward or not any(id(leaf) in self._param_ids for leaf in leaves):
            return
        self._expect_backward = False
        for bucket in self._buckets:
            bucket.all_reduce_mean()

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this block forward/backward accumulate gradients locally, with no communication;
        the first synchronised forward/backward afterwards averages the accumulated sum.

        >>> with ddp.no_sync():                    # doctest: +SKIP
        ...     loss_fn(ddp(x1), y1).backward()     # local only
        >>> loss_fn(ddp(x2), y2).backward()         # averages the sum of both micro-batches
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def state_dict(self, prefix="", keep_vars=False):
        """The wrapped module's state dict (keys without a ``"module."`` prefix)."""
        return self.module.state_dict(prefix=prefix, keep_vars=keep_vars)

    def load_state_dict(self, state_dict, strict=True):
        """Load into the wrapped module; keys saved from a PyTorch DDP (``"module.…"``) work too."""
        if not hasattr(state_dict, "items"):
            raise TypeError(
                f"load_state_dict: expected a mapping of names to tensors, got {type(state_dict).__name__}"
            )
        state = dict(state_dict)
        consume_prefix_in_state_dict_if_present(state, "module.")
        return self.module.load_state_dict(state, strict=strict)


def _check_arguments(module, device_ids, output_device, group, bucket_cap_mb):
    if not isinstance(module, Module):
        raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
    if device_ids is not None or output_device is not None:
        raise ValueError(
            "DistributedDataParallel: mathdl runs on the CPU; device_ids and output_device must be None"
        )
    process_group._check_group(group)
    if (
        isinstance(bucket_cap_mb, bool)
        or not isinstance(bucket_cap_mb, numbers.Real)
        or not bucket_cap_mb > 0
    ):
        raise ValueError(
            f"DistributedDataParallel: bucket_cap_mb must be a positive number, got {bucket_cap_mb!r}"
        )
    if not process_group.is_initialized():
        raise process_group.DistributedError(
            "DistributedDataParallel: the default process group has not been initialised: call "
            "mathdl.distributed.init_process_group(backend='mpi') before wrapping the model"
        )
