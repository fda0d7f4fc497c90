"""The Trainer over the ranks of an MPI job: data parallelism with one model per rank.

A ``Trainer`` built while ``mathdl.distributed.is_initialized()`` trains the same model on every
rank, each rank on its own part of every batch (docs/distributed.md, "The Trainer"):

* **Batches are global**, as in Keras's distribution strategies: a ``DataLoader`` with batch size
  B over a map-style dataset becomes, on rank r of R, a loader of batch B/R over
  ``DistributedSampler(dataset, R, r, shuffle, seed)`` (``set_epoch`` every epoch). Its interleaved
  layout puts exactly samples kB … (k+1)B − 1 of the epoch's order into step k on whatever number
  of ranks, so step k averages the gradient of the same global batch for any R. ``TextStreams``
  with B streams gives rank r the streams rB/R … (r+1)B/R − 1 (the rows of every block), and
  its pass offsets come from a job-wide generator, the same on every rank. A ``DataLoader`` that
  already has a ``DistributedSampler`` is taken as this rank's shard, as in a PyTorch loop.
* **Gradients.** For each optimiser the module holding exactly its parameters (the model; a GAN's
  generator and discriminator) is wrapped in ``nn.parallel.DistributedDataParallel`` (rank 0's
  weights broadcast, ranks checked to have built the same model). ``StepStrategy.update`` averages
  that wrapper's gradients after each backward, before clipping and the step, so optimiser k
  applies ∇ (1/R) Σ_r L_k,r — the gradient of its loss on the global batch (one ``Allreduce`` per
  bucket). A GAN: the discriminator step averages ∇_D of the critic losses, the generator step
  ∇_G of the generator losses; each rank draws its own noise, so R·B fakes meet R·B real images.
* **Numbers.** Each logged name's epoch value is Σ_r Σ_b n_b m_b / Σ_r Σ_b n_b over all ranks
  (``all_reduce_metrics``); validation and ``evaluate`` run on a shard per rank and are reduced
  the same way, so every rank holds the job's numbers and every callback decides the same.
* **Decisions.** A non-finite loss on any rank stops every rank at the same step, before the
  update (a flag carried in the gradient ``Allreduce``: no extra message); ``stop_training`` set on any rank (early stopping, a time limit
  read from a rank's own clock) stops all after that epoch.
* **RNG.** Rank r draws from rank 0's stream jumped r times (``PCG64.jumped``: 2^127-step
  independent streams), so dropout masks and noise differ between ranks; rank 0's stream is the
  one a single process would have.
* **Checkpoints** are written by rank 0 and hold the unwrapped model (world-size independent),
  the optimisers, rank 0's RNG state, the strategy's state merged into what one process would
  hold (``StepStrategy.merge_rank_states``), and under ``extra['distributed']`` the world size,
  every rank's RNG state and the sampler seed. Resuming on the same world size restores each
  rank's RNG stream: bit for bit the uninterrupted run. On another world size (or one process)
  the model, optimisers, epoch, history, callbacks, data position and seed carry over exactly,
  the strategy's state is re-split over the new ranks (``StepStrategy.rank_state``), and the
  rank streams are derived again from rank 0's: the same run continued, not bit for bit the
  run that had kept its world size (its dropout and noise draws differ).
"""

import io
import json

import numpy as np

from mathdl import distributed as dist
from mathdl.data import DataLoader, DistributedSampler
from mathdl.data.dataset import IterableDataset
from mathdl.data.sampler import RandomSampler, SequentialSampler
from mathdl.data.text import TextStreams
from mathdl.nn.parallel import DistributedDataParallel
from mathdl.random import _stringify, generator, get_rng_state, set_rng_state
from mathdl.train.strategies import NonFiniteLoss

#: relative difference of two ranks' parameter checksums above which the replicas have diverged
REPLICA_TOLERANCE = 1e-5


def unwrap(model):
    """The module inside a ``DistributedDataParallel`` (the Trainer trains and saves it)."""
    return model.module if isinstance(model, DistributedDataParallel) else model


def _optimizer_params(optimizer):
    return [p for group in optimizer.param_groups for p in group["params"]]


def module_for_optimizer(model, optimizer, name):
    """The module whose trainable parameters are exactly ``optimizer``'s (the outermost such), else
    the smallest module holding all of them; ValueError if the model does not hold them."""
    wanted = {id(p) for p in _optimizer_params(optimizer)}
    best = None
    for _, module in model.named_modules():
        own = {id(p) for p in module.parameters() if p.requires_grad}
        if own == wanted:
            return module
        if wanted <= own and (best is None or len(own) < best[0]):
            best = (len(own), module)
    if best is None:
        raise ValueError(
            f"Trainer: optimizer {name!r} updates parameters that are not in the model; across ranks "
            f"the Trainer averages each optimiser's gradients through the module holding its parameters"
        )
    return best[1]


def _jump(rank):
    """Move the global generator to its ``rank``-th jumped stream (rank 0 keeps its own)."""
    bits = generator().bit_generator
    if rank:
        bits.state = bits.jumped(rank).state


def _encode(state):
    from mathdl import io as mathdl_io

    buffer = io.BytesIO()
    mathdl_io.save({"state": state}, buffer)
    return buffer.getvalue()


def _decode(payload):
    from mathdl import io as mathdl_io

    return mathdl_io.load(io.BytesIO(payload))["state"]


class _IndexShard:
    """A sampler over fixed indices (a rank's part of an evaluation set, no padding)."""

    def __init__(self, indices):
        self.indices = np.asarray(indices, dtype=np.int64)

    def epoch_indices(self):
        return self.indices

    def __iter__(self):
        return iter(self.indices.tolist())

    def __len__(self):
        return len(self.indices)


class ShardedTextStreams:
    """Rows ``start … stop − 1`` of every block of ``streams`` (a ``TextStreams``), with the pass
    offsets drawn from a generator state every rank shares (``shared_rng``), so all ranks cut
    the text at the same places. ``state_dict`` is the streams' position plus that state: the
    same on every rank, and loadable by a plain ``TextStreams`` (which reads only the position)."""

    def __init__(self, streams, start, stop, shared_rng):
        self.streams, self.rows = streams, slice(int(start), int(stop))
        self.shared_rng = shared_rng

    def __len__(self):
        return len(self.streams)

    def __iter__(self):
        blocks = iter(self.streams)
        while True:
            own = get_rng_state()
            set_rng_state(self.shared_rng)
            try:
                inputs, targets, reset = next(blocks)
            except StopIteration:
                return
            finally:
                self.shared_rng = get_rng_state()
                set_rng_state(own)
            yield inputs[self.rows], targets[self.rows], reset

    def state_dict(self):
        return {**self.streams.state_dict(), "shared_rng": self.shared_rng}

    def load_state_dict(self, state):
        self.streams.load_state_dict(state)
        if state.get("shared_rng") is not None:
            self.shared_rng = state["shared_rng"]


class DataParallel:
    """What a ``Trainer`` does differently across ranks (the module docstring); built by the Trainer
    when the process group is initialised, as ``trainer.distributed``."""

    def __init__(self, trainer):
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.is_main = self.rank == 0
        self.wrappers = {
            name: DistributedDataParallel(module_for_optimizer(trainer.model, optimizer, name))
            for name, optimizer in trainer.optimizers.items()
        }
        # every rank starts from rank 0's stream; the job-wide seed (samplers, text offsets) is
        # drawn from a copy of it, so rank 0's own draws are those of a single process
        set_rng_state(json.loads(dist.broadcast_bytes(json.dumps(get_rng_state()).encode())))
        copy = type(generator().bit_generator)()
        copy.state = generator().bit_generator.state
        self.seed = int(np.random.Generator(copy).integers(2**31 - 1))
        _jump(self.rank)
        self._shards = {}
        self._pending, self._last_loss = None, ("loss", float("nan"))

    # ----- gradients and decisions ----------------------------------------------------------
    def note_loss(self, name, value):
        """Remember a checked loss; a non-finite one is counted in the next gradient average."""
        self._last_loss = (name, value)
        if not np.isfinite(value) and self._pending is None:
            self._pending = (name, value)

    def average_gradients(self, name):
        """Average the gradients of optimiser ``name``'s module over the ranks; the same message
        counts the ranks whose loss was non-finite since the last average, and if any was, every
        rank raises NonFiniteLoss here, before the optimiser's step."""
        flagged = self._pending is not None
        total = self.wrappers[name].average_gradients(extra=1.0 if flagged else 0.0)
        pending, self._pending = self._pending, None
        if total > 0:
            what, value = pending if flagged else (self._last_loss[0], float("nan"))
            raise NonFiniteLoss(what, value)

    def any(self, flag):
        """True on every rank when ``flag`` is true on any rank."""
        votes = np.array([int(bool(flag))], dtype=np.int64)
        dist.all_reduce(votes, dist.ReduceOp.MAX)
        return bool(votes[0])

    def reduce(self, sums):
        """The job's epoch means from each rank's running sums (a ``_Sums``); ``sums.size`` becomes
        the job's sample count. Names absent on a rank, or different per rank, raise ValueError."""
        names = list(sums.sums)
        local = {f"sum/{k}": sums.sums[k] for k in names}
        local.update({f"weight/{k}": sums.weights[k] for k in names})
        local["size"] = sums.size
        # count=1: each entry becomes its mean over the ranks; the ratio of two such means is
        # the pooled Σ_r s_r / Σ_r w_r
        means = dist.all_reduce_metrics(local, count=1)
        sums.size = int(round(means["size"] * self.world_size))
        return {k: means[f"sum/{k}"] / max(means[f"weight/{k}"], 1e-300) for k in names}

    def end_epoch(self, model):
        """Rank 0's buffers to every rank, then the agreed answer to "are the parameters finite?";
        RuntimeError if the replicas' parameters have drifted apart (a strategy that stepped an
        optimiser without ``StepStrategy.update``/``synchronize_gradients``)."""
        for wrapper in self.wrappers.values():
            wrapper.broadcast_buffers_from(0)
        arrays = [p.array for p in model.parameters()]
        finite = self._pending is None and all(np.isfinite(a).all() for a in arrays)
        self._pending = None
        checksum = sum(float(np.abs(a, dtype=np.float64).sum()) for a in arrays) if finite else 0.0
        row = np.array([float(finite), checksum])
        rows = [np.zeros(2) for _ in range(self.world_size)]
        dist.all_gather(rows, row)
        table = np.stack(rows)
        if not table[:, 0].all():
            return False
        spread = table[:, 1].max() - table[:, 1].min()
        if spread > REPLICA_TOLERANCE * max(abs(table[:, 1]).max(), 1e-30):
            raise RuntimeError(
                f"Trainer: the ranks' parameters differ after an epoch (checksums {table[:, 1].tolist()}): "
                f"a step updated parameters without averaging their gradients; a strategy must "
                f"update through StepStrategy.update or call synchronize_gradients before stepping"
            )
        return True

    # ----- data ---------------------------------------------------------------------------------
    def training_data(self, data):
        """This rank's shard of the training source ``data`` (made once per source)."""
        key = id(data)  # one shard per source: a text shard's shared generator lives on
        if key not in self._shards:
            self._shards[key] = (data, self._training_shard(data))
        return self._shards[key][1]

    def _split(self, batch, what):
        if batch % self.world_size:
            raise ValueError(
                f"Trainer: the global batch of {batch} {what} cannot be split evenly over "
                f"{self.world_size} ranks; use a multiple of {self.world_size}"
            )
        return batch // self.world_size

    def _training_shard(self, data):
        if callable(getattr(data, "shard", None)):  # a source that knows how to split itself
            return data.shard(self.rank, self.world_size)
        if isinstance(data, TextStreams):
            rows = self._split(data.batch_size, "text streams")
            shared = _stringify(np.random.default_rng(self.seed).bit_generator.state)
            return ShardedTextStreams(data, self.rank * rows, (self.rank + 1) * rows, shared)
        if (
            not isinstance(data, DataLoader)
            or data.batch_size is None
            or isinstance(data.dataset, IterableDataset)
        ):
            raise TypeError(
                f"Trainer: across ranks the training data must be a DataLoader with a batch size over "
                f"a map-style dataset, TextStreams or a source with shard(rank, world_size), so each rank can take "
                f"its shard; got "
                f"{type(data).__name__}. Or give a DataLoader(dataset, sampler=DistributedSampler(dataset)) "
                f"of this rank's shard"
            )
        if isinstance(data.sampler, DistributedSampler):
            return data
        plain = type(data.sampler) is SequentialSampler or (
            type(data.sampler) is RandomSampler
            and not data.sampler.replacement
            and data.sampler.num_samples == len(data.dataset)
        )
        if not plain:
            raise ValueError(
                f"Trainer: across ranks the Trainer shards DataLoaders with shuffle=True/False; this one "
                f"has a {type(data.sampler).__name__}: give DataLoader(dataset, sampler=DistributedSampler("
                f"dataset, ...)) of this rank's shard instead"
            )
        sampler = DistributedSampler(
            data.dataset,
            self.world_size,
            self.rank,
            shuffle=isinstance(data.sampler, RandomSampler),
            seed=self.seed,
        )
        return DataLoader(
            data.dataset,
            self._split(data.batch_size, "samples"),
            sampler=sampler,
            drop_last=data.drop_last,
            collate_fn=data.collate_fn,
        )

    def evaluation_data(self, data):
        """This rank's part of an evaluation source: every R-th sample of a map-style DataLoader
        (no padding: the reduced means are exactly those over the whole set), a contiguous group
        of a TextStreams' rows; anything else (or a set smaller than the world) whole on every
        rank, the ranks' numbers then averaged."""
        R, r = self.world_size, self.rank
        if isinstance(data, TextStreams) and data.batch_size >= R:
            bounds = np.linspace(0, data.batch_size, R + 1).round().astype(int)
            shared = _stringify(np.random.default_rng(self.seed + 1).bit_generator.state)
            return ShardedTextStreams(data, bounds[r], bounds[r + 1], shared)
        if (
            isinstance(data, DataLoader)
            and data.batch_size is not None
            and type(data.sampler) is SequentialSampler
            and len(data.dataset) >= R
        ):
            indices = np.arange(len(data.dataset))[r::R]
            return DataLoader(
                data.dataset, data.batch_size, sampler=_IndexShard(indices), collate_fn=data.collate_fn
            )
        return data

    # ----- checkpoints --------------------------------------------------------------------------
    def checkpoint_state(self, strategy):
        """(the strategy's merged state, ``extra['distributed']``): collective, on every rank."""
        rngs = [json.loads(b) for b in dist.all_gather_bytes(json.dumps(get_rng_state()).encode())]
        states = [_decode(b) for b in dist.all_gather_bytes(_encode(strategy.state_dict()))]
        extra = {"world_size": self.world_size, "rng": rngs, "seed": self.seed}
        return strategy.merge_rank_states(states), extra

    def restore(self, content, strategy, restore_rng=True):
        """After a checkpoint's single-process restore (which set rank 0's RNG state): this rank's
        stream and part of the strategy's state (see the module docstring)."""
        extra = content.get("extra") or {}
        saved = extra.get("distributed") or {}
        if saved.get("seed") is not None:
            self.seed = int(saved["seed"])
        if restore_rng and saved.get("world_size") == self.world_size:
            set_rng_state(saved["rng"][self.rank])
        elif restore_rng:
            _jump(self.rank)
        if extra.get("strategy"):
            strategy.load_state_dict(strategy.rank_state(extra["strategy"], self.rank, self.world_size))


__all__ = ["DataParallel", "ShardedTextStreams", "module_for_optimizer", "unwrap"]
