import numpy as np

import mathdl as md
from mathdl import stats


def test_law_of_large_numbers_error_shrinks_like_one_over_root_n():
    md.manual_seed(0)
    d = stats.Exponential(np.float64(0.5))  # mean 2, sd 2
    path = stats.running_mean(d.sample((200_000,)))
    assert abs(path[-1] - 2.0) < 5 * 2.0 / np.sqrt(200_000)
    # the error over many independent runs at n = 100 and n = 10 000 shrinks by about √100 = 10
    errors = [np.abs(stats.sample_means(d, n, 400) - 2.0).mean() for n in (100, 10_000)]
    assert 6 < errors[0] / errors[1] < 15


def test_running_mean_is_the_cumulative_average():
    np.testing.assert_allclose(stats.running_mean([2.0, 4.0, 9.0]), [2.0, 3.0, 5.0])
    np.testing.assert_allclose(
        stats.running_mean(np.array([[1.0, 3.0], [3.0, 5.0]]), axis=1), [[1.0, 2.0], [3.0, 4.0]]
    )


def test_central_limit_theorem_for_a_skewed_distribution():
    md.manual_seed(1)
    z = stats.standardized_means(stats.Exponential(np.float64(1.0)), n=200, trials=20_000)
    assert abs(z.mean()) < 0.03 and abs(z.var() - 1.0) < 0.04
    # Kolmogorov–Smirnov distance to Φ is small (the raw exponential's would be about 0.5)
    ordered = np.sort(z)
    phi = np.asarray(stats.Normal(np.float64(0.0), np.float64(1.0)).cdf(ordered))
    ranks = np.arange(1, len(z) + 1) / len(z)
    assert np.max(np.abs(phi - ranks)) < 0.03
    # skewness of the mean shrinks like 2/√n (it is 2 for the exponential itself)
    assert abs(float(np.asarray(stats.skewness(z))) - 2 / np.sqrt(200)) < 0.06
