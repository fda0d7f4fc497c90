"""Information theory in pictures: the binary entropy, the entropy identities on a joint table,
and the Gaussian KL divergence (closed form against a Monte-Carlo estimate).

    python examples/math_information_theory.py [OUTPUT_DIR]      (default examples/output/)

Writes information_binary_entropy.png and information_identities.png.
"""

import os
import sys

import numpy as np

import mathdl as md
from mathdl import stats

f64 = np.float64


def value(t):
    return float(np.asarray(t))


def main(output_dir):
    p = np.linspace(0.0, 1.0, 201)
    binary = np.array([value(stats.entropy([q, 1 - q], base=2)) for q in p])
    p_xy = np.array([[0.10, 0.20, 0.05], [0.30, 0.00, 0.35]])
    h_x, h_y = value(stats.entropy(p_xy.sum(1), base=2)), value(stats.entropy(p_xy.sum(0), base=2))
    h_xy = value(stats.joint_entropy(p_xy, base=2))
    h_y_x, h_x_y = (
        value(stats.conditional_entropy(p_xy, base=2)),
        value(stats.conditional_entropy(p_xy.T, base=2)),
    )
    mi = value(stats.mutual_information(p_xy, base=2))
    print(f"H(X) = {h_x:.4f}, H(Y) = {h_y:.4f}, H(X,Y) = {h_xy:.4f} bits")
    print(f"H(X) + H(Y|X) = {h_x + h_y_x:.4f}   I(X;Y) = {mi:.4f} = H(X) - H(X|Y) = {h_x - h_x_y:.4f}")
    md.manual_seed(0)
    shifts = np.linspace(-3, 3, 13)
    closed, monte_carlo = [], []
    reference = stats.Normal(f64(0.0), f64(1.0))
    for mu in shifts:
        q = stats.Normal(f64(mu), f64(0.7))
        closed.append(value(stats.kl_divergence(q, reference)))
        x = q.sample((20_000,))
        monte_carlo.append(float(np.mean(np.asarray(q.log_prob(x)) - np.asarray(reference.log_prob(x)))))
    print(
        "KL(N(μ, 0.7²) ‖ N(0, 1)) closed form vs Monte Carlo, max gap:",
        f"{np.max(np.abs(np.array(closed) - np.array(monte_carlo))):.3f}",
    )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figures written")
        return
    os.makedirs(output_dir, exist_ok=True)

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    left.plot(p, binary)
    left.set_xlabel("p")
    left.set_ylabel("H(p) in bits")
    left.set_title("Binary entropy: maximal (1 bit) at p = ½")
    right.plot(shifts, closed, label="closed form")
    right.plot(shifts, monte_carlo, "o", markersize=4, label="Monte Carlo, 20 000 draws")
    right.set_xlabel("μ")
    right.set_title("KL(N(μ, 0.7²) ‖ N(0, 1)) in nats")
    right.legend()
    path = os.path.join(output_dir, "information_binary_entropy.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")

    fig, ax = plt.subplots(figsize=(7, 2.6))
    ax.barh(2, h_xy, color="gray", label="H(X,Y)")
    ax.barh(1, h_x, color="C0", label="H(X)")
    ax.barh(1, h_y_x, left=h_x, color="C1", label="H(Y|X)")
    ax.barh(0, h_x - mi, color="C0", alpha=0.5, label="H(X|Y)")
    ax.barh(0, mi, left=h_x - mi, color="C2", label="I(X;Y)")
    ax.barh(0, h_y - mi, left=h_x, color="C1", alpha=0.5, label="H(Y|X)")
    ax.set_yticks([0, 1, 2], ["H(X|Y) + I + H(Y|X)", "H(X) + H(Y|X)", "H(X,Y)"])
    ax.set_xlabel("bits")
    ax.legend(fontsize=7, ncol=3, loc="lower right")
    ax.set_title("The chain rule: every bar has the same length")
    path = os.path.join(output_dir, "information_identities.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("examples", "output"))
