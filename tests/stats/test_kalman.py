import numpy as np
import pytest

from mathdl import stats


def test_static_state_filter_equals_the_batch_posterior(rng):
    # x constant (F = I, Q = 0), z_t = H_t x + v: the filter must give the Bayesian linear-regression
    # posterior P = (P0⁻¹ + Σ HᵀR⁻¹H)⁻¹, x = P (P0⁻¹ x0 + Σ HᵀR⁻¹ z), exactly.
    truth = np.array([1.0, -2.0])
    prior_cov, noise = 4.0 * np.eye(2), 0.3
    rows = rng.standard_normal((25, 1, 2))
    z = np.array([h @ truth + np.sqrt(noise) * rng.standard_normal(1) for h in rows])
    kf = stats.KalmanFilter(np.eye(2), rows[0], np.zeros((2, 2)), [[noise]], np.zeros(2), prior_cov)
    for h, measurement in zip(rows, z):
        kf.H = h
        kf.predict()
        kf.update(measurement)
    information = np.linalg.inv(prior_cov) + sum(h.T @ h for h in rows) / noise
    posterior_cov = np.linalg.inv(information)
    posterior_mean = posterior_cov @ sum(h.T @ zz for h, zz in zip(rows, z)) / noise
    np.testing.assert_allclose(kf.P, posterior_cov, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(kf.x, posterior_mean, rtol=1e-10)


def _track(rng, steps=200, q=0.05, r=4.0):
    kf = stats.KalmanFilter.constant_velocity(dt=1.0, process_noise=q, measurement_noise=r)
    state = np.array([0.0, 0.0, 1.0, 0.5])
    truth, measurements = [], []
    chol_q = np.linalg.cholesky(kf.Q)
    for _ in range(steps):
        state = kf.F @ state + chol_q @ rng.standard_normal(4)
        truth.append(state)
        measurements.append(kf.H @ state + np.sqrt(r) * rng.standard_normal(2))
    return kf, np.array(truth), np.array(measurements)


def test_tracking_beats_the_raw_measurements(rng):
    kf, truth, z = _track(rng)
    means, covs = kf.filter(z)
    assert means.shape == (200, 4) and covs.shape == (200, 4, 4)
    raw_error = np.sqrt(np.mean((z[50:] - truth[50:, :2]) ** 2))
    filtered_error = np.sqrt(np.mean((means[50:, :2] - truth[50:, :2]) ** 2))
    assert filtered_error < 0.75 * raw_error
    # the reported uncertainty is calibrated: mean squared normalised error ≈ state size
    errors = means[50:] - truth[50:]
    nees = np.einsum("ti,tij,tj->t", errors, np.linalg.inv(covs[50:]), errors).mean()
    assert 2.5 < nees < 6.0
    # covariances stay symmetric positive-definite (Joseph form)
    assert np.allclose(covs, np.swapaxes(covs, 1, 2))
    assert np.all(np.linalg.eigvalsh(covs) > 0)


def test_smoother_is_more_accurate_than_the_filter(rng):
    kf, truth, z = _track(rng)
    fresh = lambda: stats.KalmanFilter.constant_velocity(dt=1.0, process_noise=0.05, measurement_noise=4.0)
    filtered, filtered_covs = fresh().filter(z)
    smoothed, smoothed_covs = fresh().smooth(z)
    error = lambda m: np.sqrt(np.mean((m[20:-20, :2] - truth[20:-20, :2]) ** 2))
    assert error(smoothed) < 0.85 * error(filtered)
    # conditioning on more data never increases the uncertainty; at the last step they agree
    assert np.all(
        np.trace(smoothed_covs, axis1=1, axis2=2) <= np.trace(filtered_covs, axis1=1, axis2=2) + 1e-9
    )
    np.testing.assert_allclose(smoothed[-1], filtered[-1])


def test_missing_measurements_only_predict(rng):
    kf, truth, z = _track(rng, steps=30)
    z[10] = np.nan
    means, covs = kf.filter(z)
    assert np.trace(covs[10]) > np.trace(covs[9])


def test_log_likelihood_prefers_the_true_noise_level(rng):
    _, _, z = _track(rng, r=4.0)
    scores = {}
    for r in (0.5, 4.0, 30.0):
        kf = stats.KalmanFilter.constant_velocity(process_noise=0.05, measurement_noise=r)
        kf.filter(z)
        scores[r] = kf.log_likelihood
    assert max(scores, key=scores.get) == 4.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(F=np.ones((2, 3))), "F must be square"),
        (dict(H=np.ones((1, 3))), "H must have 2 columns"),
        (dict(Q=np.array([[1.0, 2.0], [0.0, 1.0]])), "Q must be symmetric"),
        (dict(R=[[-1.0]]), "R must be positive-semidefinite"),
        (dict(x0=np.zeros(3)), "x0 must have 2 entries"),
    ],
)
def test_bad_models_raise(kwargs, message):
    model = dict(F=np.eye(2), H=np.ones((1, 2)), Q=np.eye(2), R=[[1.0]], x0=np.zeros(2), P0=np.eye(2))
    model.update(kwargs)
    with pytest.raises(ValueError, match=message):
        stats.KalmanFilter(**model)
