"""Probability and statistics: distributions, moments, Bayes' rule, information theory, the limit
theorems and the Kalman filter.

    from mathdl import stats
    q = stats.Normal(mu, sigma)                 # mu, sigma may be Tensors requiring grad
    z = q.rsample((16,))                        # differentiable draws
    kl = stats.kl_divergence(q, stats.Normal(0.0, 1.0))
"""

from mathdl.stats.bayes import bayes_rule, diagnostic_posterior, evidence, sequential_bayes
from mathdl.stats.calibration import (
    expected_calibration_error,
    maximum_calibration_error,
    reliability_diagram,
)
from mathdl.stats.continuous import Exponential, Laplace, Normal, Pareto, Uniform
from mathdl.stats.discrete import Bernoulli, Binomial, Categorical, Poisson
from mathdl.stats.distribution import Distribution
from mathdl.stats.information import (
    conditional_entropy,
    cross_entropy,
    entropy,
    joint_entropy,
    kl_divergence,
    mutual_information,
    self_information,
)
from mathdl.stats.information_plane import mutual_information_binned, mutual_information_kde
from mathdl.stats.kalman import KalmanFilter
from mathdl.stats.kl import register_kl
from mathdl.stats.limit_theorems import running_mean, sample_means, standardized_means
from mathdl.stats.moments import corrcoef, cov, kurtosis, moment, sample_mean, sample_variance, skewness
from mathdl.stats.multivariate_normal import MultivariateNormal
from mathdl.stats.special import erf, erfc, lgamma, ndtri

__all__ = [
    "Bernoulli",
    "Binomial",
    "Categorical",
    "Distribution",
    "Exponential",
    "KalmanFilter",
    "Laplace",
    "MultivariateNormal",
    "Normal",
    "Pareto",
    "Poisson",
    "Uniform",
    "bayes_rule",
    "conditional_entropy",
    "corrcoef",
    "cov",
    "cross_entropy",
    "diagnostic_posterior",
    "entropy",
    "erf",
    "erfc",
    "evidence",
    "expected_calibration_error",
    "joint_entropy",
    "kl_divergence",
    "kurtosis",
    "lgamma",
    "maximum_calibration_error",
    "moment",
    "mutual_information",
    "mutual_information_binned",
    "mutual_information_kde",
    "ndtri",
    "register_kl",
    "reliability_diagram",
    "running_mean",
    "sample_mean",
    "sample_means",
    "sample_variance",
    "self_information",
    "sequential_bayes",
    "skewness",
    "standardized_means",
]
