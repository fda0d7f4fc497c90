"""Recurrent networks as dynamical systems: vanishing and exploding gradients, fixed points, stability.

A recurrent layer iterates a map h_t = F(h_{t−1}, x_t). Back-propagation through time multiplies
the gradient by one Jacobian per step,

    ∂L/∂h_t = (∂h_{t+1}/∂h_t)ᵀ ∂L/∂h_{t+1} = J_{t+1}ᵀ ⋯ J_Tᵀ ∂L/∂h_T,

so near a fixed point h* = F(h*, x) (where every J_t ≈ J = ∂F/∂h at h*) the gradient norm behaves
like ρ(J)^{T−t}, ρ the spectral radius: it vanishes geometrically when ρ < 1 and explodes when
ρ > 1 (Bengio et al. 1994; Pascanu et al. 2013). For the tanh RNN h' = tanh(W h + U x + b) with
x = 0, b = 0 the origin is a fixed point and J = diag(1 − h*²) W = W; with W = g·N(0, 1/H) the
eigenvalues fill a disc of radius ≈ g (the circular law), so g = 1 is the edge of stability.
The LSTM's cell path c_t = f ⊙ c_{t−1} + … has Jacobian ≈ diag(f) on c, which keeps gradients
alive as long as the forget gate is open; the GRU's h_t = z ⊙ h_{t−1} + … does the same with z.

    python examples/rnn_dynamics.py [OUTPUT_DIR]

Writes gradient_norms.png (‖∂L/∂h_t‖ against t), jacobian_spectra.png (eigenvalues of J at a
fixed point, with the unit circle) and radius_vs_decay.png (ρ(J) against the measured per-step
gradient factor), and prints the numbers.
"""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import mathdl as md  # noqa: E402
from mathdl.nn.layers.recurrent import GRUCell, LSTMCell, RNNCell  # noqa: E402

HIDDEN, INPUTS, STEPS = 64, 8, 120


def make_cell(kind, gain=None, seed=0, gate_bias=0.0):
    """A float64 cell; for the RNN, W_hh = gain · N(0, 1/H) and zero biases when ``gain`` is given.
    ``gate_bias`` is added to the LSTM forget gate's or the GRU update gate's bias (gates open)."""
    md.manual_seed(seed)
    previous = md.get_default_dtype()
    md.set_default_dtype(np.float64)
    cell = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}[kind](INPUTS, HIDDEN)
    md.set_default_dtype(previous)
    if gain is not None:
        rng = np.random.default_rng(seed)
        cell.weight_hh.array[...] = gain * rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)
        cell.bias_ih.array[...] = 0.0
        cell.bias_hh.array[...] = 0.0
    if gate_bias:
        # LSTM gates are stacked (i, f, g, o), GRU gates (r, z, n): the second block in both.
        cell.bias_ih.array[HIDDEN : 2 * HIDDEN] += gate_bias
    return cell


def step(cell, x, state):
    return cell(x, state)


def hidden_of(state):
    return state[0] if isinstance(state, tuple) else state


def gradient_norms(cell, inputs, input_scale=0.1):
    """‖∂L/∂h_t‖ for t = 1 … T, with L = ⟨v, h_T⟩ for a fixed random v."""
    rng = np.random.default_rng(1)
    state, hiddens = None, []
    for t in range(inputs.shape[0]):
        state = step(cell, md.tensor(input_scale * inputs[t]), state)
        if isinstance(state, tuple):
            state[0].retain_grad()
        else:
            state.retain_grad()
        hiddens.append(hidden_of(state))
    direction = md.tensor(rng.standard_normal((1, HIDDEN)))
    (hiddens[-1] * direction).sum().backward()
    return np.array([np.linalg.norm(h.grad.array) if h.grad is not None else 0.0 for h in hiddens])


def fixed_point(cell, iterations=2000):
    """Iterate the map with zero input until it settles; returns the state and the residual."""
    x = md.zeros(1, INPUTS, dtype=np.float64)
    state = None
    with md.no_grad():
        for _ in range(iterations):
            new = step(cell, x, state)
            if state is not None:
                residual = max(
                    np.abs(a.array - b.array).max()
                    for a, b in zip(
                        new if isinstance(new, tuple) else (new,),
                        state if isinstance(state, tuple) else (state,),
                    )
                )
            state = new
    return state, residual


def state_jacobian(cell, state):
    """The Jacobian ∂F/∂s of the one-step map at ``state`` (s = h, or [h; c] for the LSTM), by autograd."""
    x = md.zeros(1, INPUTS, dtype=np.float64)
    if isinstance(state, tuple):
        flat = np.concatenate([state[0].array, state[1].array], axis=1)
    else:
        flat = state.array
    size = flat.shape[1]
    jacobian = np.zeros((size, size))
    s = md.tensor(flat, requires_grad=True)

    def mapped(s):
        if isinstance(state, tuple):
            h, c = step(cell, x, (s[:, :HIDDEN], s[:, HIDDEN:]))
            return md.concatenate([h, c], axis=1)
        return step(cell, x, s)

    out = mapped(s)
    for row in range(size):
        seed = np.zeros((1, size))
        seed[0, row] = 1.0
        jacobian[row] = md.grad(out, s, grad_outputs=md.tensor(seed))[0].array[0]
    return jacobian


def decay_factor(norms, first=20, last=80):
    """exp of the least-squares slope of log‖∂L/∂h_t‖ over t ∈ [first, last): the per-step factor."""
    t = np.arange(first, last)
    slope = np.polyfit(t, np.log(norms[first:last] + 1e-300), 1)[0]
    return float(np.exp(-slope))


def main(output_dir):
    os.makedirs(output_dir, exist_ok=True)
    inputs = np.random.default_rng(0).standard_normal((STEPS, 1, INPUTS))
    curves = {}
    for kind in ("rnn", "lstm", "gru"):
        curves[f"{kind.upper()} (PyTorch init)"] = gradient_norms(make_cell(kind), inputs, input_scale=1.0)
    for kind, gate in (("lstm", "forget"), ("gru", "update")):
        norms = gradient_norms(make_cell(kind, gate_bias=4.0), inputs, input_scale=1.0)
        curves[f"{kind.upper()}, {gate} gate bias +4"] = norms
        print(
            f"{kind.upper()} with the {gate} gate held open (bias +4, σ(4) ≈ 0.98): gradient norm ratio "
            f"‖∂L/∂h_1‖/‖∂L/∂h_T‖ = {norms[0] / norms[-1]:.2e}"
        )
    gains = (0.6, 0.9, 1.0, 1.1, 1.5)
    radii, factors = [], []
    for gain in gains:
        cell = make_cell("rnn", gain=gain)
        radius = float(np.abs(np.linalg.eigvals(cell.weight_hh.array)).max())
        norms = gradient_norms(cell, inputs, input_scale=0.0)
        curves[f"RNN, W = {gain}·N(0, 1/H)"] = norms
        radii.append(radius)
        factors.append(decay_factor(norms))
        print(
            f"tanh RNN gain {gain:.1f}: spectral radius of J at h* = 0 is {radius:.3f}; "
            f"measured gradient factor per step (t = 20..80, zero input) {factors[-1]:.3f}"
        )
    spectra = {}
    for kind in ("rnn", "lstm", "gru"):
        cell = make_cell(kind)
        state, residual = fixed_point(cell)
        jacobian = state_jacobian(cell, state)
        eigenvalues = np.linalg.eigvals(jacobian)
        spectra[kind.upper()] = eigenvalues
        print(
            f"{kind.upper():4s} (PyTorch init): fixed point with residual {residual:.1e}; spectral radius of "
            f"the state Jacobian {np.abs(eigenvalues).max():.4f}; "
            f"gradient norm ratio ‖∂L/∂h_1‖/‖∂L/∂h_T‖ = "
            f"{curves[f'{kind.upper()} (PyTorch init)'][0] / curves[f'{kind.upper()} (PyTorch init)'][-1]:.2e}"
        )
    for gain in (0.8, 1.3):
        spectra[f"RNN gain {gain}"] = np.linalg.eigvals(make_cell("rnn", gain=gain).weight_hh.array)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: numbers only")
        return radii, factors
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for label, norms in curves.items():
        axis.semilogy(np.arange(1, STEPS + 1), np.maximum(norms, 1e-30), label=label)
    axis.set_xlabel(f"time step t (the loss reads h_T at T = {STEPS})")
    axis.set_ylabel("‖∂L/∂h_t‖")
    axis.set_title("Gradients through time: vanishing for ρ < 1, exploding for ρ > 1")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(os.path.join(output_dir, "gradient_norms.png"), dpi=120)
    plt.close(figure)
    figure, axes = plt.subplots(1, len(spectra), figsize=(3 * len(spectra), 3.2))
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    for axis, (label, eigenvalues) in zip(axes, spectra.items()):
        axis.plot(circle.real, circle.imag, "k--", linewidth=0.8)
        axis.scatter(eigenvalues.real, eigenvalues.imag, s=6)
        axis.set_title(f"{label}\nρ = {np.abs(eigenvalues).max():.2f}", fontsize=9)
        axis.set_aspect("equal")
    figure.suptitle("Eigenvalues of the recurrent Jacobian at a fixed point (unit circle dashed)")
    figure.tight_layout()
    figure.savefig(os.path.join(output_dir, "jacobian_spectra.png"), dpi=120)
    plt.close(figure)
    figure, axis = plt.subplots(figsize=(4.5, 4))
    axis.plot(radii, factors, "o-", label="measured")
    axis.plot([0.5, 1.6], [0.5, 1.6], "k--", label="ρ (linearisation)")
    axis.set_xlabel("spectral radius ρ(J) at the fixed point")
    axis.set_ylabel("gradient factor per step")
    axis.legend()
    figure.tight_layout()
    figure.savefig(os.path.join(output_dir, "radius_vs_decay.png"), dpi=120)
    plt.close(figure)
    for name in ("gradient_norms.png", "jacobian_spectra.png", "radius_vs_decay.png"):
        print(f"wrote {os.path.join(output_dir, name)}")
    return radii, factors


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("examples", "output", "rnn_dynamics"))
