"""Higher-order derivatives by differentiating the backward pass itself.

Plots tanh(x) and its first four derivatives, each obtained by calling ``md.grad(..., create_graph=True)``
on the previous one, and checks them against the closed forms
    tanh' = 1 − t²,  tanh'' = −2t(1 − t²),  tanh''' = −2(1 − t²)(1 − 3t²),
    tanh'''' = 8t(1 − t²)(2 − 3t²)          (t = tanh x).

    python examples/autograd_higher_order.py [OUTPUT_DIR]
"""

import os
import sys

import numpy as np

import mathdl as md


def derivatives(x_values, order=4):
    """[f, f', f'', …] of tanh at ``x_values``, each a NumPy array, by repeated reverse mode."""
    x = md.tensor(x_values, dtype=np.float64, requires_grad=True)
    current = md.tanh(x)
    results = [current.array.copy()]
    for _ in range(order):
        # Each element of x affects only its own output, so the gradient of the sum is the
        # elementwise derivative.
        (current,) = md.grad(current.sum(), x, create_graph=True)
        results.append(current.array.copy())
    return results


def closed_forms(x_values):
    t = np.tanh(x_values)
    return [
        t,
        1 - t**2,
        -2 * t * (1 - t**2),
        -2 * (1 - t**2) * (1 - 3 * t**2),
        8 * t * (1 - t**2) * (2 - 3 * t**2),
    ]


def main(output_dir):
    x_values = np.linspace(-3, 3, 301)
    ours = derivatives(x_values)
    exact = closed_forms(x_values)
    for k, (a, b) in enumerate(zip(ours, exact)):
        print(f"d^{k}/dx^{k} tanh: max |autograd - closed form| = {np.max(np.abs(a - b)):.2e}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figure written")
        return
    os.makedirs(output_dir, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, values in enumerate(ours):
        ax.plot(x_values, values, label=["tanh x", "1st", "2nd", "3rd", "4th"][k])
    ax.set_title("tanh and its derivatives by repeated md.grad(create_graph=True)")
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.legend()
    path = os.path.join(output_dir, "tanh_derivatives.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("examples", "output"))
