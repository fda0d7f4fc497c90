"""Information-plane estimators on hand-made discrete cases and on Gaussians with known MI."""

import math

import numpy as np
import pytest

from mathdl import stats
from mathdl.stats import mutual_information_binned, mutual_information_kde
from mathdl.stats.information_plane import bin_activations, pairwise_squared_distances, pattern_ids


def test_hand_made_patterns_and_labels():
    # four distinct rows with counts 4, 2, 1, 1: H(T) = 1.75 bits
    activations = np.array([[0, 0]] * 4 + [[0, 1]] * 2 + [[1, 0]] + [[1, 1]], dtype=float)
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    # T ↦ Y is deterministic here (first pattern → 0, the rest → 1): I(T;Y) = H(Y) = 1 bit
    i_xt, i_ty = mutual_information_binned(activations, labels, bins=2, base=2)
    assert i_xt == pytest.approx(1.75) and i_ty == pytest.approx(1.0)
    # labels independent of the pattern: each pattern's rows split evenly … I(T;Y) = 0
    activations = np.array([[0.0], [0.0], [1.0], [1.0]])
    assert mutual_information_binned(activations, [0, 1, 0, 1], bins=2, base=2) == pytest.approx((1.0, 0.0))


def test_binned_information_agrees_with_the_joint_table(rng):
    activations = rng.standard_normal((3000, 3))
    labels = (activations[:, 0] + 0.5 * rng.standard_normal(3000) > 0).astype(int) + (activations[:, 1] > 1)
    i_xt, i_ty = mutual_information_binned(activations, labels, bins=4)
    t = pattern_ids(*bin_activations(activations, 4))
    joint = np.zeros((t.max() + 1, 3))
    np.add.at(joint, (t, labels), 1.0)
    joint /= joint.sum()
    assert i_ty == pytest.approx(float(np.asarray(stats.mutual_information(joint))), rel=1e-10)
    assert i_xt == pytest.approx(float(np.asarray(stats.entropy(joint.sum(axis=1)))), rel=1e-10)
    assert 0 < i_ty <= math.log(3) and i_xt <= math.log(3000)


def test_binned_entropy_of_a_gaussian_unit_is_its_differential_entropy_minus_log_width(rng):
    x = rng.standard_normal((200000, 1)) * 0.7
    bins = 30
    width = (x.max() - x.min()) / bins
    i_xt, _ = mutual_information_binned(x, np.zeros(len(x), dtype=int), bins=bins)
    expected = 0.5 * math.log(2 * math.pi * math.e * 0.49) - math.log(width)
    assert i_xt == pytest.approx(expected, abs=0.01)


def test_saturation_to_the_sample_count_and_a_constant_layer(rng):
    n = 4096
    spread = rng.standard_normal((n, 12))
    i_xt, _ = mutual_information_binned(spread, np.arange(n) % 2, bins=30, base=2)
    assert i_xt == pytest.approx(12.0)  # every sample its own pattern: H(X) = log2 4096
    i_xt, i_ty = mutual_information_binned(np.ones((n, 5)), np.arange(n) % 2, base=2)
    assert i_xt == 0.0 and i_ty == 0.0


def test_fixed_width_bins_count_distinct_cells(rng):
    a = np.array([[0.01], [0.06], [0.08], [0.5], [-0.2]])
    codes, levels = bin_activations(a, bin_width=0.07)  # cells ⌊a/0.07⌋ = 0, 0, 1, 7, −3
    np.testing.assert_array_equal(codes[:, 0], [3, 3, 4, 10, 0])
    assert levels == 11
    i_xt, _ = mutual_information_binned(a, [0, 0, 1, 1, 1], bin_width=0.07, base=2)
    assert i_xt == pytest.approx(-(0.4 * np.log2(0.4) + 3 * 0.2 * np.log2(0.2)))
    # scaling a ReLU-like layer up puts it in more fixed-width cells, never fewer
    relu = np.maximum(rng.standard_normal((2000, 3)), 0)
    small = mutual_information_binned(relu, np.zeros(2000, int), bin_width=0.1)[0]
    assert mutual_information_binned(4 * relu, np.zeros(2000, int), bin_width=0.1)[0] > small
    assert mutual_information_binned(4 * relu, np.zeros(2000, int), bins=30)[0] == pytest.approx(
        mutual_information_binned(relu, np.zeros(2000, int), bins=30)[0]
    )  # per-unit range bins do not see a rescaling


def test_packed_and_byte_string_row_ids_agree(rng):
    codes = rng.integers(0, 3, size=(500, 50))  # 50·log2(3) > 62 bits: the byte-string path
    codes[250:] = codes[:250]
    ids = pattern_ids(codes, 3)
    assert ids.max() + 1 == len(np.unique(codes, axis=0))
    np.testing.assert_array_equal(ids[250:], ids[:250])
    small = codes[:, :20]
    reference = np.unique(small, axis=0, return_inverse=True)[1].reshape(-1)
    ids = pattern_ids(small, 3)  # the packed path (20·log2(3) bits): the same partition of the rows
    assert len(set(zip(ids, reference))) == ids.max() + 1 == reference.max() + 1


def test_kde_bounds_bracket_the_gaussian_channel_information(rng):
    """h ~ N(0, s² I_d), T = h + N(0, σ² I): I(h;T) = (d/2) log(1 + s²/σ²). For many samples the
    pairwise estimators tend to (d/2) log(1 + s²/σ²) + (d/2) s²/(s² + σ²) (upper, KL) and
    (d/2) log(1 + s²/(4σ²)) + (d/2) s²/(s² + 4σ²) (lower, Bhattacharyya): E_j exp(−‖h_i − h_j‖²/c)
    is a Gaussian integral."""
    d, s2, noise = 2, 1.0, 0.5
    h = rng.standard_normal((3000, d)) * math.sqrt(s2)
    labels = np.zeros(3000, dtype=int)
    upper, _ = mutual_information_kde(h, labels, noise_variance=noise)
    lower, _ = mutual_information_kde(h, labels, noise_variance=noise, bound="lower")
    true = d / 2 * math.log(1 + s2 / noise)
    assert lower < true < upper
    assert upper == pytest.approx(true + d / 2 * s2 / (s2 + noise), abs=0.03)
    assert lower == pytest.approx(
        d / 2 * math.log(1 + s2 / (4 * noise)) + d / 2 * s2 / (s2 + 4 * noise), abs=0.03
    )


def test_kde_label_information_between_zero_and_the_label_entropy(rng):
    n = 1200
    labels = np.arange(n) % 3
    centres = np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0]])
    separated = centres[labels] + rng.standard_normal((n, 2))
    _, i_ty = mutual_information_kde(separated, labels, noise_variance=0.1, base=2)
    assert i_ty == pytest.approx(math.log2(3), abs=1e-6)  # classes far apart: I(T;Y) = H(Y)
    _, i_ty = mutual_information_kde(rng.standard_normal((n, 2)), labels, noise_variance=0.1, base=2)
    assert abs(i_ty) < 0.1  # labels independent of T
    # a layer that collapses every sample to one point carries nothing
    assert mutual_information_kde(np.zeros((50, 3)), np.arange(50) % 2) == pytest.approx(
        (0.0, 0.0), abs=1e-12
    )


def test_pairwise_distances_are_one_gemm_of_the_textbook_formula(rng):
    a = rng.standard_normal((40, 5))
    expected = ((a[:, None, :] - a[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(pairwise_squared_distances(a), expected, atol=1e-12)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="labels must have shape"):
        mutual_information_binned(np.zeros((4, 2)), [0, 1])
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        mutual_information_binned(np.zeros((4, 2)), [0, 1, 0, 1], bins=0)
    with pytest.raises(ValueError, match="bin_width must be positive"):
        mutual_information_binned(np.zeros((4, 2)), [0, 1, 0, 1], bin_width=0)
    with pytest.raises(ValueError, match="finite"):
        mutual_information_binned(np.array([[np.nan]]), [0])
    with pytest.raises(ValueError, match="noise_variance must be positive"):
        mutual_information_kde(np.zeros((4, 2)), [0, 1, 0, 1], noise_variance=0)
    with pytest.raises(ValueError, match="bound must be"):
        mutual_information_kde(np.zeros((4, 2)), [0, 1, 0, 1], bound="middle")
