"""Training steps per second of a 2-layer LSTM character language model, mathdl against PyTorch (CPU).

    embedding 64 → LSTM(64 → 256) → LSTM(256 → 256) → linear 256 → V;  sequences of 64 characters,
    batch 32, softmax cross-entropy over all 2048 positions, Adam(lr=2e-3), V = 64 (the shipped corpus)

    python benchmarks/char_lstm.py [--steps 20] [--passes 3] [--threads 1]

Both frameworks start from the same weights and see the same batches. Each pass times ``steps``
optimiser steps in each framework, alternating which goes first; prints the per-pass times, the
median steps per second, the ratio (mathdl time / PyTorch time, target ≤ 2) and the losses of
the first step (they must agree, or the comparison would be meaningless).
``--threads`` sets the BLAS threads of NumPy (OPENBLAS_NUM_THREADS, fixed before NumPy loads) and
PyTorch's intra-op threads alike.
"""

import argparse
import os
import statistics
import sys
import time


def parse(argv=None):
    parser = argparse.ArgumentParser(description="2-layer LSTM LM training speed, mathdl vs PyTorch")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    return parser.parse_args(argv)


ARGS = parse()
os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import numpy as np  # noqa: E402

import mathdl as md  # noqa: E402
from mathdl import optim  # noqa: E402
from mathdl.data.text import CharVocab, load_corpus, random_offset_batches  # noqa: E402
from mathdl.models.char_lm import CharRNNLM  # noqa: E402
from mathdl.nn.sequence import sequence_cross_entropy  # noqa: E402


def build_torch(torch, vocab_size, hidden):
    class TorchCharLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocab_size, 64)
            self.rnn = torch.nn.LSTM(64, hidden, num_layers=2, batch_first=True)
            self.decoder = torch.nn.Linear(hidden, vocab_size)

        def forward(self, ids):
            out, _ = self.rnn(self.embedding(ids))
            return self.decoder(out)

    return TorchCharLSTM()


def main():
    try:
        import torch
    except ImportError:
        sys.exit("PyTorch is not installed; this benchmark compares against it (pip install torch)")
    torch.set_num_threads(ARGS.threads)
    md.manual_seed(0)
    text = load_corpus("shakespeare", full=False)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    total_steps = ARGS.steps * ARGS.passes + 1
    batches = list(
        random_offset_batches(ids, ARGS.batch_size, ARGS.seq_len, total_steps, np.random.default_rng(0))
    )
    ours = CharRNNLM(len(vocab), embed_dim=64, hidden_size=ARGS.hidden, num_layers=2, cell="lstm")
    theirs = build_torch(torch, len(vocab), ARGS.hidden)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(dict(ours.named_parameters())[name].array.copy()))
    our_optimizer = optim.Adam(ours.parameters(), lr=2e-3)
    their_optimizer = torch.optim.Adam(theirs.parameters(), lr=2e-3)
    torch_batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

    def our_step(k):
        x, y = batches[k]
        loss = sequence_cross_entropy(ours(x)[0], y)
        our_optimizer.zero_grad()
        loss.backward()
        our_optimizer.step()
        return loss.item()

    def their_step(k):
        x, y = torch_batches[k]
        logits = theirs(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        their_optimizer.zero_grad()
        loss.backward()
        their_optimizer.step()
        return loss.item()

    first_ours, first_theirs = our_step(0), their_step(0)
    print(f"first-step loss: mathdl {first_ours:.6f}, PyTorch {first_theirs:.6f} (same weights, same batch)")
    if abs(first_ours - first_theirs) > 1e-4:
        sys.exit("the two models disagree on the first loss; the timing would compare different computations")
    print(
        f"2-layer LSTM LM: hidden {ARGS.hidden}, seq {ARGS.seq_len}, batch {ARGS.batch_size}, vocab {len(vocab)}; "
        f"{ARGS.steps} steps per pass, threads {ARGS.threads} (NumPy BLAS and torch), {os.cpu_count()} CPUs"
    )
    ours_times, theirs_times, k = [], [], 1
    for pass_index in range(ARGS.passes):
        order = [("mathdl", our_step, ours_times), ("pytorch", their_step, theirs_times)]
        if pass_index % 2:
            order.reverse()
        for _, step, times in order:
            start = time.perf_counter()
            for j in range(ARGS.steps):
                step(k + j)
            times.append(time.perf_counter() - start)
        k += ARGS.steps
        print(f"pass {pass_index + 1}: mathdl {ours_times[-1]:.2f} s, PyTorch {theirs_times[-1]:.2f} s")
    ours_median, theirs_median = statistics.median(ours_times), statistics.median(theirs_times)
    print(
        f"steps/s: mathdl {ARGS.steps / ours_median:.2f}, PyTorch {ARGS.steps / theirs_median:.2f}; "
        f"ratio mathdl/PyTorch time = {ours_median / theirs_median:.2f} (target <= 2)"
    )
    return ours_median / theirs_median


if __name__ == "__main__":
    main()
