"""Training step of a causal transformer-encoder character LM, mathdl against PyTorch (CPU).

    embedding·√d + sinusoidal positions → 2 pre-norm encoder layers (d 128, 4 heads, ff 512, ReLU,
    causal mask) → LayerNorm → linear 128 → V;  seq 64, batch 32, V = 64 (the shipped corpus),
    softmax cross-entropy over all 2048 positions (integer targets on both sides), Adam(lr=1e-3);
    dropout 0 on both sides (so the first-step losses can be compared exactly)

    python benchmarks/transformer_lm.py [--threads 1] [--passes 5] [--quick] [--json out.json]

mathdl runs ``mathdl.models.char_lm.CharTransformerLM``; PyTorch the same architecture from
``torch.nn.TransformerEncoder`` (norm_first=True, batch_first=True), with the causal mask passed
together with ``is_causal=True`` so its attention takes the causal kernel (its best CPU path).
Target: mathdl / PyTorch ≤ 0.9 with one thread each.
"""

import math

import char_lstm  # (imports harness first: --threads before NumPy loads)
import harness

import mathdl as md
from mathdl.models.char_lm import CharTransformerLM

BENCHMARK = "Transformer LM step"
D, HEADS, FF, LAYERS, SEQ, BATCH, LR = 128, 4, 512, 2, 64, 32, 1e-3


def mathdl_model(vocab_size):
    md.manual_seed(0)
    return CharTransformerLM(
        vocab_size, d_model=D, nhead=HEADS, num_layers=LAYERS, dim_feedforward=FF, dropout=0.0
    )


def build_mathdl(vocab_size, batches):
    return char_lstm.mathdl_lm_step(mathdl_model(vocab_size), vocab_size, batches, LR)


def torch_model(torch, vocab_size):
    tnn = torch.nn
    reference = mathdl_model(vocab_size)

    class TorchTransformerLM(tnn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = tnn.Embedding(vocab_size, D)
            layer = tnn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True, norm_first=True)
            self.encoder = tnn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.norm = tnn.LayerNorm(D)
            self.decoder = tnn.Linear(D, vocab_size)
            self.register_buffer("pe", torch.from_numpy(reference.positions.pe.array[:SEQ].copy()))
            self.register_buffer("mask", tnn.Transformer.generate_square_subsequent_mask(SEQ))

        def forward(self, ids):
            x = self.embedding(ids) * math.sqrt(D) + self.pe[: ids.shape[1]]
            return self.decoder(self.norm(self.encoder(x, mask=self.mask, is_causal=True)))

    model = TorchTransformerLM()
    char_lstm.copy_weights(torch, model, reference)
    return model


def build_torch(torch, vocab_size, batches):
    return char_lstm.torch_lm_step(torch, torch_model(torch, vocab_size), vocab_size, batches, LR)


def build(side):
    """One side's step function (also used by benchmarks/memory.py)."""
    vocab_size, batches = char_lstm.data()
    if side == "mathdl":
        return build_mathdl(vocab_size, batches)
    import torch

    return build_torch(torch, vocab_size, batches)


def flops(vocab_size):
    """GEMM flops of one step (forward ×3 for forward + backward): the projections, the two
    attention products (full L×L, as both sides compute them) and the decoder."""
    tokens = SEQ * BATCH
    per_layer = 2 * tokens * D * (3 * D + D + 2 * FF) + 2 * 2 * BATCH * SEQ * SEQ * D
    return 3 * (LAYERS * per_layer + 2 * tokens * D * vocab_size)


def main(argv=None):
    args = harness.parser(__doc__.splitlines()[0]).parse_args(argv)
    import torch

    harness.apply_threads(torch, args.threads)
    vocab_size, batches = char_lstm.data()
    sides = {"mathdl": build_mathdl(vocab_size, batches), "pytorch": build_torch(torch, vocab_size, batches)}
    check = harness.check_losses({name: step() for name, step in sides.items()})
    steps = 3 if args.quick else 10
    gemm, gemm_flops = harness.gemm_side()
    cpu = {}
    times = harness.measure(dict(sides, GEMM=gemm), steps, harness.passes_of(args), warmup=2, cpu=cpu)
    rate, rate_cpu = harness.split_gemm(times, cpu, gemm_flops)
    result = harness.row(
        BENCHMARK,
        f"{LAYERS} pre-norm layers, d {D}, {HEADS} heads, ff {FF}, causal, seq {SEQ}, batch {BATCH}, Adam",
        times,
        cpu=cpu if args.threads == 1 else None,
        loss_check=check,
    )
    harness.limits(result, flops(vocab_size) / 1e9, rate, rate_cpu)
    return harness.finish(args, [result])


if __name__ == "__main__":
    main()
