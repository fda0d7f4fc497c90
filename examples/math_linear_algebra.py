"""Linear algebra from its formulas: why the AᵀA route to the SVD fails for small singular values,
PCA of correlated data, and dictionary learning (K-SVD vs MOD).

    python examples/math_linear_algebra.py [OUTPUT_DIR]      (default examples/output/)

Writes linalg_svd_conditioning.png, linalg_pca.png and linalg_dictionary.png.
"""

import os
import sys

import numpy as np

from mathdl import linalg


def svd_conditioning(rng):
    """Relative error of each singular value σᵢ ∈ [1e-14, 1] by both routes."""
    n = 15
    q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    sigma = np.logspace(0, -14, n)
    a = (q1 * sigma) @ q2.T
    textbook = np.asarray(linalg.svd_via_eigh(a)[1])
    stable = np.asarray(linalg.svd(a, compute_uv=False))
    return sigma, np.abs(textbook - sigma) / sigma, np.abs(stable - sigma) / sigma


def pca_demo(rng):
    x = rng.multivariate_normal([2.0, 1.0], [[3.0, 1.6], [1.6, 1.2]], size=400)
    pca = linalg.PCA(2).fit(x)
    return x, pca


def dictionary_demo():
    rng = np.random.default_rng(0)
    k, d, n = 10, 20, 300
    atoms = rng.standard_normal((k, d))
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    codes = np.zeros((n, k))
    for i in range(n):
        codes[i, rng.choice(k, 2, replace=False)] = rng.choice([-1, 1], 2) * rng.uniform(1, 3, 2)
    x = codes @ atoms
    curves = {}
    for algorithm in ("ksvd", "mod"):
        model = linalg.DictionaryLearning(
            k, fit_algorithm=algorithm, n_nonzero_coefs=2, max_iter=100, random_state=3
        ).fit(x)
        curves[algorithm] = np.array(model.error_) / np.linalg.norm(x)
        match = np.max(np.abs(model.components_ @ atoms.T), axis=0)
        print(
            f"{algorithm}: {model.n_iter_} iterations, relative error {curves[algorithm][-1]:.2e}, "
            f"planted atoms recovered (|cos| > 0.99): {np.sum(match > 0.99)}/{k}"
        )
    return curves


def main(output_dir):
    rng = np.random.default_rng(0)
    sigma, textbook_error, stable_error = svd_conditioning(rng)
    for s, t, j in zip(sigma, textbook_error, stable_error):
        print(f"σ = {s:8.1e}: relative error via eigh(AᵀA) {t:8.1e}, via QR + Jacobi {j:8.1e}")
    x, pca = pca_demo(rng)
    print("PCA explained variance ratio:", np.round(pca.explained_variance_ratio_, 4))
    curves = dictionary_demo()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figures written")
        return
    os.makedirs(output_dir, exist_ok=True)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(sigma, np.maximum(textbook_error, 1e-17), "o-", label="eigh(AᵀA): σ = √λ")
    ax.loglog(sigma, np.maximum(stable_error, 1e-17), "s-", label="QR + one-sided Jacobi")
    ax.axvline(np.sqrt(np.finfo(float).eps), color="gray", linestyle="--", label="√eps ≈ 1.5e-8")
    ax.set_xlabel("singular value σ (σ₁ = 1)")
    ax.set_ylabel("relative error")
    ax.set_title("Forming AᵀA squares the condition number")
    ax.legend()
    path = os.path.join(output_dir, "linalg_svd_conditioning.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(x[:, 0], x[:, 1], s=6, alpha=0.4)
    for axis, variance in zip(pca.components_, pca.explained_variance_):
        end = pca.mean_ + 2 * np.sqrt(variance) * axis
        ax.annotate("", xy=end, xytext=pca.mean_, arrowprops=dict(arrowstyle="->", linewidth=2, color="C3"))
    ax.set_aspect("equal")
    ax.set_title("PCA: axes scaled by 2√(explained variance)")
    path = os.path.join(output_dir, "linalg_pca.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")

    fig, ax = plt.subplots(figsize=(6, 4))
    for algorithm, curve in curves.items():
        ax.semilogy(np.arange(1, len(curve) + 1), np.maximum(curve, 1e-16), label=algorithm.upper())
    ax.set_xlabel("iteration")
    ax.set_ylabel("‖X − C D‖_F / ‖X‖_F")
    ax.set_title("Dictionary learning on data made from 10 planted atoms")
    ax.legend()
    path = os.path.join(output_dir, "linalg_dictionary.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("examples", "output"))
