"""Linear algebra, each algorithm written from its formula (NumPy is only the test reference).

Decompositions: ``qr`` (Householder), ``eigh`` (Jacobi), ``eig`` (Hessenberg + shifted QR),
``svd`` (QR + one-sided Jacobi) and the textbook ``svd_via_eigh``, ``cholesky``, ``lu_factor``.
Solvers and functions: ``solve``, ``solve_triangular``, ``lstsq``, ``inv``, ``det``, ``slogdet``, ``pinv``,
``norm``, ``trace``, ``matrix_rank``, ``cond``, ``power_iteration``, ``is_positive_definite``.
Learning: ``PCA``, ``whiten``, ``DictionaryLearning``, ``sparse_encode`` (OMP, ISTA).
``solve``, ``inv``, ``det``, ``slogdet``, ``cholesky``, ``eigh``, ``svd``, ``pinv``, ``norm`` and
``trace`` are differentiable. Inputs are arrays or Tensors; results are Tensors (PCA and
dictionary learning, like scikit-learn, return NumPy arrays).
"""

from mathdl.linalg.cholesky import cholesky, is_positive_definite
from mathdl.linalg.dictionary import DictionaryLearning, ista, omp, sparse_encode
from mathdl.linalg.eig import eig, eigvals
from mathdl.linalg.eigh import eigh, eigvalsh, power_iteration
from mathdl.linalg.least_squares import lstsq
from mathdl.linalg.lu import det, inv, lu_factor, slogdet, solve, solve_triangular
from mathdl.linalg.norms import cond, matrix_rank, norm, pinv, trace
from mathdl.linalg.pca import PCA, whiten
from mathdl.linalg.qr import qr
from mathdl.linalg.randomized_svd import randomized_svd
from mathdl.linalg.svd import svd, svd_via_eigh
from mathdl.linalg.validation import LinAlgError

__all__ = [
    "DictionaryLearning",
    "LinAlgError",
    "PCA",
    "cholesky",
    "cond",
    "det",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "is_positive_definite",
    "ista",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "omp",
    "pinv",
    "power_iteration",
    "qr",
    "randomized_svd",
    "slogdet",
    "solve",
    "solve_triangular",
    "sparse_encode",
    "svd",
    "svd_via_eigh",
    "trace",
    "whiten",
]
