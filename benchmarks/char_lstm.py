"""Training step of a 2-layer LSTM character language model, mathdl against PyTorch (CPU).

    embedding 64 → LSTM(64 → 256) → LSTM(256 → 256) → linear 256 → V;  sequences of 64 characters,
    batch 32, softmax cross-entropy over all 2048 positions (integer targets on both sides),
    Adam(lr=2e-3), V = 64 (the shipped corpus)

    python benchmarks/char_lstm.py [--threads 1] [--passes 5] [--quick] [--json out.json]

Both sides start from the same weights and see the same batches; the harness checks their
first-step losses agree, warms up, alternates order and reports medians with spread
(benchmarks/harness.py). Also reported: the step's GEMM flops over the GEMM rate measured in the
same process (the physical limit). Target: mathdl / PyTorch ≤ 1.0 with one thread each.
"""

import harness  # noqa: F401  (first: applies --threads before NumPy loads)
import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl import optim
from mathdl.data.text import CharVocab, load_corpus, random_offset_batches
from mathdl.models.char_lm import CharRNNLM

BENCHMARK = "LSTM LM step"
EMBED, HIDDEN, LAYERS, SEQ, BATCH, LR = 64, 256, 2, 64, 32, 2e-3


def data(count=8):
    text = load_corpus("shakespeare", full=False)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    batches = list(random_offset_batches(ids, BATCH, SEQ, count, np.random.default_rng(0)))
    return len(vocab), [(x.astype(np.int64), y.astype(np.int64)) for x, y in batches]


def mathdl_model(vocab_size):
    md.manual_seed(0)
    return CharRNNLM(vocab_size, embed_dim=EMBED, hidden_size=HIDDEN, num_layers=LAYERS, cell="lstm")


def build_mathdl(vocab_size, batches):
    return mathdl_lm_step(mathdl_model(vocab_size), vocab_size, batches, LR)


def mathdl_lm_step(model, vocab_size, batches, lr):
    """A step function: one Adam step of the language model ``model`` on the next of ``batches``
    (cycling), cross-entropy over every position; returns the loss (also transformer_lm.py's)."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    state = {"k": 0}

    def step():
        x, y = batches[state["k"] % len(batches)]
        state["k"] += 1
        logits = model(x)[0]
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def build_torch(torch, vocab_size, batches):
    class TorchCharLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocab_size, EMBED)
            self.rnn = torch.nn.LSTM(EMBED, HIDDEN, num_layers=LAYERS, batch_first=True)
            self.decoder = torch.nn.Linear(HIDDEN, vocab_size)

        def forward(self, ids):
            return self.decoder(self.rnn(self.embedding(ids))[0])

    model = TorchCharLSTM()
    copy_weights(torch, model, mathdl_model(vocab_size))
    return torch_lm_step(torch, model, vocab_size, batches, LR)


def copy_weights(torch, model, reference):
    """Give the PyTorch ``model`` the weights of the mathdl module ``reference`` (same names)."""
    weights = dict(reference.named_parameters())
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(weights[name].array.copy()))


def torch_lm_step(torch, model, vocab_size, batches, lr):
    """``mathdl_lm_step`` for a PyTorch ``model``: the same batches, loss and Adam step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    torch_batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]
    state = {"k": 0}

    def step():
        x, y = torch_batches[state["k"] % len(torch_batches)]
        state["k"] += 1
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def build(side):
    """One side's step function (also used by benchmarks/memory.py)."""
    vocab_size, batches = data()
    if side == "mathdl":
        return build_mathdl(vocab_size, batches)
    import torch

    return build_torch(torch, vocab_size, batches)


def flops(vocab_size):
    """GEMM flops of one step: forward 2·m·k·n per product, backward twice that (input and weight
    gradients; none for the embedding's output, whose gradient only feeds a gather). These are the
    layer-by-layer products PyTorch runs; mathdl's first LSTM layer reads the embedding's rows
    (``EmbeddingLSTMSequence``), about 0.5 GFLOP fewer, so its share of this limit can pass 100 %."""
    tokens = SEQ * BATCH
    forward = 0
    for layer in range(LAYERS):
        inputs = EMBED if layer == 0 else HIDDEN
        forward += 2 * tokens * (inputs + HIDDEN) * 4 * HIDDEN
    forward += 2 * tokens * HIDDEN * vocab_size
    return 3 * forward


def main(argv=None):
    args = harness.parser(__doc__.splitlines()[0]).parse_args(argv)
    import torch

    harness.apply_threads(torch, args.threads)
    vocab_size, batches = data()
    sides = {"mathdl": build_mathdl(vocab_size, batches), "pytorch": build_torch(torch, vocab_size, batches)}
    check = harness.check_losses({name: step() for name, step in sides.items()})
    steps = 2 if args.quick else 5
    gemm, gemm_flops = harness.gemm_side()
    cpu = {}
    times = harness.measure(dict(sides, GEMM=gemm), steps, harness.passes_of(args), warmup=1, cpu=cpu)
    rate, rate_cpu = harness.split_gemm(times, cpu, gemm_flops)
    result = harness.row(
        BENCHMARK,
        f"2 layers, hidden {HIDDEN}, seq {SEQ}, batch {BATCH}, vocab {vocab_size}, Adam",
        times,
        cpu=cpu if args.threads == 1 else None,
        loss_check=check,
    )
    harness.limits(result, flops(vocab_size) / 1e9, rate, rate_cpu)
    return harness.finish(args, [result])


if __name__ == "__main__":
    main()
