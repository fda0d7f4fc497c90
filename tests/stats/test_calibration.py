"""Expected calibration error and reliability-diagram data against Guo et al.'s formulas."""

import numpy as np
import pytest

from mathdl.stats import expected_calibration_error, maximum_calibration_error, reliability_diagram


def test_hand_computed_ece_and_diagram():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.65, 0.35], [0.3, 0.7], [0.55, 0.45]])
    labels = np.array([0, 0, 0, 1, 1])
    # confidences 0.9, 0.8, 0.65, 0.7, 0.55; correct 1, 0, 1, 1, 0. Five bins of width 0.2:
    # (0.4, 0.6]: {0.55} acc 0, conf 0.55;  (0.6, 0.8]: {0.8, 0.65, 0.7} acc 2/3, conf 0.7166…;
    # (0.8, 1.0]: {0.9} acc 1, conf 0.9
    diagram = reliability_diagram(probabilities, labels, n_bins=5)
    np.testing.assert_array_equal(diagram["counts"], [0, 0, 1, 3, 1])
    np.testing.assert_allclose(diagram["accuracy"][2:], [0, 2 / 3, 1])
    np.testing.assert_allclose(diagram["confidence"][2:], [0.55, 2.15 / 3, 0.9])
    assert np.isnan(diagram["accuracy"][0])
    expected = (1 * 0.55 + 3 * abs(2 / 3 - 2.15 / 3) + 1 * 0.1) / 5
    assert expected_calibration_error(probabilities, labels, n_bins=5) == pytest.approx(expected)
    assert maximum_calibration_error(probabilities, labels, n_bins=5) == pytest.approx(0.55)


def test_bins_are_closed_on_the_right():
    # a confidence of exactly 0.6 belongs to (0.4, 0.6], as in Guo et al.
    diagram = reliability_diagram(np.array([[0.6, 0.4]]), np.array([0]), n_bins=5)
    np.testing.assert_array_equal(diagram["counts"], [0, 0, 1, 0, 0])


def test_a_calibrated_forecaster_has_small_ece_and_an_overconfident_one_does_not(rng):
    n = 200000
    confidence = rng.uniform(0.5, 1.0, n)
    labels = (rng.random(n) < confidence).astype(int)  # P(label 1) = the stated probability
    assert expected_calibration_error(confidence, labels, n_bins=10) < 0.01
    # overconfident by 0.2, capped at 1: c ∈ (0.5, 0.7] lands in (0.7, 0.9] with gap 0.2 (mass 0.4);
    # the bin (0.9, 1] mixes c ∈ (0.7, 0.8] (mass 0.2, conf 0.95, acc 0.75) and c > 0.8 (mass 0.4,
    # conf 1, acc 0.9): gap 0.98333 − 0.85. ECE = 0.4·0.2 + 0.6·(0.98333 − 0.85) = 0.16
    sharpened = np.minimum(1.0, confidence + 0.2)
    assert expected_calibration_error(sharpened, labels, n_bins=10) == pytest.approx(0.16, abs=0.005)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="labels must be integer classes"):
        expected_calibration_error([[0.5, 0.5]], [0.0])
    with pytest.raises(ValueError, match=r"lie in \[0, 1\]"):
        expected_calibration_error([[1.5, -0.5]], [0])
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([[0.5, 0.5]], [0], n_bins=0)
