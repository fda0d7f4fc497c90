"""Step strategies: what one training step of a model is, so that every model trains through the
same ``Trainer`` (progress line, History, callbacks, NaN stop, checkpoints, exact resume).

The Trainer owns the epochs, the bookkeeping and the checkpoints; a strategy owns the step:

    logs, size = strategy.train_step(batch)     # forward, loss(es), backward, optimiser step(s)
    logs, size = strategy.eval_step(batch)      # the same numbers without updates (validation)

``logs`` maps names to Python floats (batch means) and ``size`` is the batch's weight in the
epoch means (samples, or tokens for a language model): the epoch's value of each name is
Σ_b size_b · value_b / Σ_b size_b over the steps that reported it.

Strategies here:

* ``Supervised(loss_fn, metrics)``: ŷ = f(x), L = ℓ(ŷ, y), one optimiser (the classic step).
* ``ModelLoss()``: L = model.loss(x) for models that define their own loss (autoencoders, VAE).
* ``ConditionalModelLoss()``: L = model.loss(x, c), the same for a conditional model (the speech CVAE).
* ``TeacherForcing()``: seq2seq; the decoder reads the true previous target token.
* ``TruncatedBPTT(clip)``: language models; the recurrent state is carried from one block of
  characters to the next (values, not gradients) and saved in checkpoints.
* ``Adversarial(n_critic)``: GANs; a discriminator/critic step on every batch and a generator
  step every ``n_critic`` batches, each with its own optimiser.
* ``ContrastiveDivergence()``: the RBM; its update is the CD-k estimate of the log-likelihood
  gradient, which is not the gradient of any loss. It is written into ``.grad`` (negated, as a
  descent direction) and applied by an ordinary optimiser (SGD with momentum).

A loss is turned into a float by ``self.finite(name, loss)``, which raises ``NonFiniteLoss``
before any update uses it; the Trainer then stops, naming the epoch, the step and the loss.
"""

import math

import numpy as np

from mathdl.autograd.tensor import Tensor


class NonFiniteLoss(ArithmeticError):
    """A loss became NaN or ±Inf (raised by ``StepStrategy.finite`` before the update)."""

    def __init__(self, name, value):
        super().__init__(f"{name} = {value}")
        self.name, self.value = name, value


def as_tensor(value):
    """``value`` as a Tensor (arrays are wrapped without a copy)."""
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value))


class StepStrategy:
    """Base class. Subclasses implement ``train_step`` (and ``eval_step`` when the model can be
    validated); ``state_dict``/``load_state_dict`` hold what must survive a resume besides the
    model and optimisers (a carried recurrent state, a persistent Gibbs chain)."""

    #: what ``size`` counts, shown in the progress line's rate ('samples/s', 'tokens/s')
    size_name = "samples"
    #: the optimiser names this strategy uses ('main' for a single optimiser)
    optimizer_names = ("main",)
    trainer = None

    def bind(self, trainer):
        """Called by the Trainer: gives the strategy its model and optimisers."""
        self.trainer = trainer
        self.model = trainer.model

    def optimizer(self, name="main"):
        """The optimiser called ``name`` (the Trainer's single optimiser is 'main')."""
        return self.trainer.optimizers[name]

    def finite(self, name, loss):
        """``loss`` (a scalar Tensor or number) as a float; raises NonFiniteLoss if NaN/Inf.
        Across ranks the check is agreed: the next ``synchronize_gradients`` (in ``update``)
        raises it on every rank, before the step, as soon as one rank's loss was non-finite."""
        value = float(loss.array) if isinstance(loss, Tensor) else float(loss)
        distributed = getattr(self.trainer, "distributed", None)
        if distributed is not None:
            distributed.note_loss(name, value)
        elif not math.isfinite(value):
            raise NonFiniteLoss(name, value)
        return value

    def synchronize_gradients(self, name="main"):
        """Across ranks: average the gradients of optimiser ``name``'s module over the ranks,
        raising NonFiniteLoss on every rank if any rank's checked loss was non-finite (nothing in
        one process). ``update`` calls it after backward; a strategy that sets ``.grad`` itself
        calls it before its optimiser's step."""
        distributed = getattr(self.trainer, "distributed", None)
        if distributed is not None:
            distributed.average_gradients(name)

    def update(self, loss, name="main", clip=None):
        """zero_grad, backward, (across ranks: gradients averaged), optional gradient-norm
        clipping, step of optimiser ``name``."""
        optimizer = self.optimizer(name)
        optimizer.zero_grad()
        loss.backward()
        self.synchronize_gradients(name)
        if clip:
            from mathdl.nn.utils.clip_grad import clip_grad_norm_

            clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]], clip)
        optimizer.step()

    def train_step(self, batch):
        """One training step on ``batch``; returns ``(logs, size)``."""
        raise NotImplementedError

    def eval_step(self, batch):
        """Validation numbers of ``batch`` (called in eval mode under no_grad); ``(logs, size)``."""
        raise NotImplementedError(f"{type(self).__name__} has no validation step")

    def begin_evaluation(self):
        """Called before a pass of ``eval_step`` (e.g. to start a fresh recurrent state)."""

    def state_dict(self):
        """What must survive a resume besides model, optimisers and RNG (JSON/arrays); {} here."""
        return {}

    def load_state_dict(self, state):
        """Restore ``state_dict``."""

    def merge_rank_states(self, states):
        """The state one process would hold, from the ``state_dict()`` of every rank (rank order);
        checkpoints store it. Here: rank 0's (a state every rank holds alike)."""
        return states[0]

    def rank_state(self, state, rank, world_size):
        """Rank ``rank``'s part of a merged state (``merge_rank_states``) for ``world_size`` ranks
        (``rank_state(merge_rank_states(states), r, R) == states[r]``). Here: the state itself."""
        return state


def _is_structured(targets):
    """Targets that are not one array: a list of per-sample dicts (detection boxes and labels, whose
    counts differ per image). They reach ``loss_fn`` as they are."""
    return isinstance(targets, (list, tuple)) and bool(targets) and all(isinstance(t, dict) for t in targets)


def _split_pair(batch, where):
    if isinstance(batch, (tuple, list)):
        if len(batch) != 2:
            raise ValueError(f"{where}: each batch must be (inputs, targets), got {len(batch)} items")
        targets = batch[1] if _is_structured(batch[1]) else as_tensor(batch[1])
        return as_tensor(batch[0]), targets
    raise TypeError(f"{where}: each batch must be an (inputs, targets) pair, got {type(batch).__name__}")


def _default_loss(output, target):
    from mathdl.nn import functional as F

    return F.cross_entropy(output, target)


class Supervised(StepStrategy):
    """ŷ = model(x), L = loss_fn(ŷ, y) (default cross-entropy), one optimiser; ``metrics`` are
    ``(name, f(output_array, target_array))`` pairs reported as batch means; ``clip`` bounds
    the gradient norm."""

    def __init__(self, loss_fn=None, metrics=(), clip=None):
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(
                f"Supervised: loss_fn must be callable(output, target), got {type(loss_fn).__name__}"
            )
        self.loss_fn = loss_fn if loss_fn is not None else _default_loss
        self.metrics = list(metrics)
        self.clip = clip

    def _logs(self, loss_value, output, targets):
        logs = {"loss": loss_value}
        if self.metrics:
            output_array, target_array = output.array, getattr(targets, "array", targets)
            for name, function in self.metrics:
                logs[name] = float(function(output_array, target_array))
        return logs

    def train_step(self, batch):
        inputs, targets = _split_pair(batch, "fit")
        output = self.model(inputs)
        loss = self.loss_fn(output, targets)
        value = self.finite("loss", loss)
        self.update(loss, clip=self.clip)
        return self._logs(value, output, targets), inputs.shape[0]

    def eval_step(self, batch):
        inputs, targets = _split_pair(batch, "evaluate")
        output = self.model(inputs)
        return self._logs(float(self.loss_fn(output, targets).array), output, targets), inputs.shape[0]


class ModelLoss(StepStrategy):
    """L = model.loss(x) for a model that defines its own loss of a batch of inputs (an
    autoencoder's reconstruction cross-entropy, a VAE's −ELBO); batches are inputs or
    (inputs, anything) pairs."""

    def __init__(self, clip=None):
        self.clip = clip

    @staticmethod
    def _inputs(batch):
        return as_tensor(batch[0] if isinstance(batch, (tuple, list)) else batch)

    def train_step(self, batch):
        inputs = self._inputs(batch)
        loss = self.model.loss(inputs)
        value = self.finite("loss", loss)
        self.update(loss, clip=self.clip)
        return {"loss": value}, inputs.shape[0]

    def eval_step(self, batch):
        inputs = self._inputs(batch)
        return {"loss": float(self.model.loss(inputs).array)}, inputs.shape[0]


class ConditionalModelLoss(StepStrategy):
    """L = model.loss(x, c) for a model whose own loss needs a condition besides the input (a
    conditional VAE's −ELBO of a spectrogram x given c = [digit, voice]); batches are (x, c) pairs."""

    def __init__(self, clip=None):
        self.clip = clip

    def train_step(self, batch):
        inputs, condition = _split_pair(batch, "fit")
        loss = self.model.loss(inputs, condition)
        value = self.finite("loss", loss)
        self.update(loss, clip=self.clip)
        return {"loss": value}, inputs.shape[0]

    def eval_step(self, batch):
        inputs, condition = _split_pair(batch, "evaluate")
        return {"loss": float(self.model.loss(inputs, condition).array)}, inputs.shape[0]


class TeacherForcing(StepStrategy):
    """Sequence to sequence with teacher forcing: batches ``(source ids (B, S) with 0 as padding,
    decoder inputs (B, T), targets (B, T))``; L = mean token cross-entropy of
    model(source, source ≠ 0, decoder inputs) against the targets. Validation adds
    ``exact_match``: the share of sequences whose greedy decoding (``model.greedy_decode``, which
    feeds back its own predictions) equals the target entirely."""

    size_name = "sequences"

    def __init__(self, clip=1.0):
        self.clip = clip

    def _loss(self, batch):
        from mathdl.nn.sequence import sequence_cross_entropy

        source, decoder_inputs, targets = (np.asarray(getattr(b, "array", b)) for b in batch)
        logits = self.model(source, source != 0, decoder_inputs)
        return sequence_cross_entropy(logits, targets), source, targets

    def train_step(self, batch):
        loss, source, _ = self._loss(batch)
        value = self.finite("loss", loss)
        self.update(loss, clip=self.clip)
        return {"loss": value}, len(source)

    def eval_step(self, batch):
        loss, source, targets = self._loss(batch)
        predicted, _ = self.model.greedy_decode(source, source != 0, length=targets.shape[1])
        exact = float(np.mean(np.all(predicted == targets, axis=1)))
        return {"loss": float(loss.array), "exact_match": exact}, len(source)


class TruncatedBPTT(StepStrategy):
    """Language models trained on consecutive blocks of B parallel text streams: the state the
    model returns for one block is the initial state of the next, detached from the graph
    (gradients flow back ``seq_len`` characters only), and reset where the batch says a new
    pass over the text starts. Batches: ``(inputs (B, T), targets (B, T), reset)``. The carried
    state is part of ``state_dict`` (so a resumed run continues mid-stream exactly)."""

    size_name = "tokens"

    def __init__(self, clip=1.0):
        self.clip = clip
        self.state = None
        self._eval_state = None

    def _detach(self, state):
        if state is None:
            return None
        if isinstance(state, (tuple, list)):
            return tuple(s.detach() for s in state)
        return state.detach()

    def train_step(self, batch):
        from mathdl.nn.sequence import sequence_cross_entropy

        inputs, targets, reset = batch
        if reset:
            self.state = None
        logits, state = self.model(inputs, self.state)
        loss = sequence_cross_entropy(logits, targets)
        value = self.finite("loss", loss)
        self.update(loss, clip=self.clip)
        self.state = self._detach(state)
        return {"loss": value}, int(np.size(targets))

    def begin_evaluation(self):
        self._eval_state = None

    def eval_step(self, batch):
        from mathdl.nn.sequence import sequence_cross_entropy

        inputs, targets, reset = batch
        if reset:
            self._eval_state = None
        logits, self._eval_state = self.model(inputs, self._eval_state)
        return {"loss": float(sequence_cross_entropy(logits, targets).array)}, int(np.size(targets))

    def state_dict(self):
        if self.state is None:
            return {"state": None}
        parts = self.state if isinstance(self.state, tuple) else (self.state,)
        return {
            "state": [np.array(p.array, copy=True) for p in parts],
            "tuple": isinstance(self.state, tuple),
        }

    def load_state_dict(self, state):
        parts = state.get("state")
        if parts is None:
            self.state = None
            return
        tensors = tuple(Tensor(np.asarray(getattr(p, "array", p))) for p in parts)
        self.state = tensors if state.get("tuple") else tensors[0]

    # the carried state's tensors are (num_layers, B, H), PyTorch's layout: the streams on axis 1
    def merge_rank_states(self, states):
        if any(s.get("state") is None for s in states):
            return {"state": None}
        parts = zip(*(s["state"] for s in states))
        merged = [
            np.concatenate([np.asarray(getattr(p, "array", p)) for p in group], axis=1) for group in parts
        ]
        return {"state": merged, "tuple": states[0].get("tuple")}

    def rank_state(self, state, rank, world_size):
        if state.get("state") is None:
            return {"state": None}
        parts = [
            np.array_split(np.asarray(getattr(p, "array", p)), world_size, axis=1)[rank]
            for p in state["state"]
        ]
        return {"state": parts, "tuple": state.get("tuple")}


class Adversarial(StepStrategy):
    """GAN training with two optimisers, 'discriminator' and 'generator'.

    Per batch of real samples x: one discriminator (critic) update on
    ``model.discriminator_loss(x)``; after every ``n_critic`` batches one generator update on
    ``model.generator_loss(B)``. Both methods return ``(loss, extra logs)``, so the model
    decides the losses (non-saturating GAN, WGAN-GP with its gradient penalty) and the
    strategy only the schedule. Logged: ``d_loss``, ``g_loss`` and the model's extras."""

    optimizer_names = ("generator", "discriminator")

    def __init__(self, n_critic=1):
        if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"Adversarial: n_critic must be a positive integer, got {n_critic!r}")
        self.n_critic = n_critic
        self.batches = 0

    def train_step(self, batch):
        real = as_tensor(batch[0] if isinstance(batch, (tuple, list)) else batch)
        d_loss, extra = self.model.discriminator_loss(real)
        logs = {"d_loss": self.finite("d_loss", d_loss)}
        logs.update((k, float(getattr(v, "array", v))) for k, v in extra.items())
        self.update(d_loss, "discriminator")
        self.batches += 1
        if self.batches % self.n_critic == 0:
            g_loss, extra = self.model.generator_loss(real.shape[0])
            logs["g_loss"] = self.finite("g_loss", g_loss)
            logs.update((k, float(getattr(v, "array", v))) for k, v in extra.items())
            self.update(g_loss, "generator")
        return logs, real.shape[0]

    def state_dict(self):
        return {"batches": self.batches}

    def load_state_dict(self, state):
        self.batches = int(state.get("batches", 0))


class ContrastiveDivergence(StepStrategy):
    """The RBM's update: Δθ = the CD-k (PCD-k with ``persistent``) estimate of ∂ log p(v)/∂θ
    (``model.contrastive_divergence(v, chain)``), applied as ``θ.grad = −Δθ`` by the 'main'
    optimiser (SGD with momentum μ and learning rate η gives u ← μu + ηΔθ, θ ← θ + u). The
    persistent chain is carried between steps and saved in checkpoints. Logged: the
    one-step mean-field reconstruction error of the batch (validation: the same number)."""

    def __init__(self, persistent=True):
        self.persistent = bool(persistent)
        self.chain = None

    def train_step(self, batch):
        v = np.asarray(getattr(batch[0] if isinstance(batch, (tuple, list)) else batch, "array", batch))
        v = v.reshape(len(v), -1)
        if np.any((v != 0) & (v != 1)):
            raise ValueError(
                "ContrastiveDivergence: the data must be binary (0/1) for a Bernoulli RBM; binarise it "
                "first, e.g. scale_images(x, 'binary') or (x > 0.5)"
            )
        error = self.finite("reconstruction_error", self.model.reconstruction_error(v))
        grads, chain = self.model.contrastive_divergence(v, self.chain if self.persistent else None)
        if self.persistent:
            self.chain = chain
        optimizer = self.optimizer()
        for parameter, gradient in zip(self.model.update_parameters(), grads):
            parameter.grad = Tensor(-gradient)
        self.synchronize_gradients()
        optimizer.step()
        return {"reconstruction_error": error}, len(v)

    def eval_step(self, batch):
        v = np.asarray(getattr(batch[0] if isinstance(batch, (tuple, list)) else batch, "array", batch))
        v = v.reshape(len(v), -1)
        return {"reconstruction_error": self.model.reconstruction_error(v)}, len(v)

    def state_dict(self):
        return {"chain": None if self.chain is None else np.array(self.chain, copy=True)}

    def load_state_dict(self, state):
        chain = state.get("chain")
        self.chain = None if chain is None else np.asarray(getattr(chain, "array", chain))

    # across ranks each rank runs its own particles; the job's chain is all of them (rows)
    def merge_rank_states(self, states):
        if any(s.get("chain") is None for s in states):
            return {"chain": None}
        return {
            "chain": np.concatenate([np.asarray(getattr(s["chain"], "array", s["chain"])) for s in states])
        }

    def rank_state(self, state, rank, world_size):
        chain = state.get("chain")
        if chain is None:
            return {"chain": None}
        return {"chain": np.array_split(np.asarray(getattr(chain, "array", chain)), world_size)[rank]}
