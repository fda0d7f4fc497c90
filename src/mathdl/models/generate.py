"""Sampling text from a character language model.

At each step the model gives logits z over the vocabulary for the next character; we draw

    c ~ softmax(z / τ)

with temperature τ: τ → 0 approaches greedy decoding (always the most likely character, which
soon loops), τ = 1 samples the model's own distribution, τ > 1 flattens it towards uniform.
``top_k`` keeps only the k most likely characters before sampling. Recurrent models are fed the
prompt once and then one character per step, carrying their state; transformer models re-read
the last ``max_len`` characters at every step.
"""

import numpy as np

from mathdl.autograd import grad_mode


def sample_from_logits(logits, temperature=1.0, top_k=None, rng=None):
    """One index drawn from softmax(logits / temperature) (1-D logits); argmax when temperature is 0."""
    logits = np.asarray(logits, dtype=np.float64).reshape(-1)
    if temperature < 0:
        raise ValueError(f"sample_from_logits: temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return int(np.argmax(logits))
    if top_k is not None:
        if top_k < 1:
            raise ValueError(f"sample_from_logits: top_k must be a positive integer, got {top_k}")
        if top_k < logits.size:
            threshold = np.partition(logits, -top_k)[-top_k]
            logits = np.where(logits < threshold, -np.inf, logits)
    scaled = logits / temperature
    scaled -= scaled.max()
    probabilities = np.exp(scaled)
    probabilities /= probabilities.sum()
    if rng is None:
        from mathdl.random import generator

        rng = generator()
    return int(rng.choice(probabilities.size, p=probabilities))


def generate(model, vocab, prompt, length=200, temperature=1.0, top_k=None, seed=None, rng=None):
    """``prompt`` followed by ``length`` sampled characters (a string).

    ``model``: a character LM whose forward takes (ids (1, T), state) and returns (logits, state)
    (``CharRNNLM``, ``CharTransformerLM``); ``vocab``: its ``CharVocab``. Characters of the prompt
    missing from the vocabulary raise ValueError. ``seed`` or ``rng`` make the sample reproducible.
    """
    if not prompt:
        raise ValueError("generate: the prompt must contain at least one character")
    if length < 0:
        raise ValueError(f"generate: length must be >= 0, got {length}")
    if rng is None:
        from mathdl.random import generator

        rng = np.random.default_rng(seed) if seed is not None else generator()
    ids = list(vocab.encode(prompt))
    was_training = model.training
    model.eval()
    recurrent = not hasattr(model, "max_len")
    with grad_mode.no_grad():
        if recurrent:
            logits, state = model(np.asarray([ids], dtype=np.int64))
            for _ in range(length):
                nxt = sample_from_logits(logits.array[0, -1], temperature, top_k, rng)
                ids.append(nxt)
                logits, state = model(np.asarray([[nxt]], dtype=np.int64), state)
        else:
            for _ in range(length):
                window = np.asarray([ids[-model.max_len :]], dtype=np.int64)
                logits, _ = model(window)
                ids.append(sample_from_logits(logits.array[0, -1], temperature, top_k, rng))
    model.train(was_training)
    return vocab.decode(np.asarray(ids))
