"""RepeatVector, UpSampling, ZeroPadding, Cropping, TimeDistributed, ELU, PReLU, UnitNormalization,
GroupNormalization (against torch's group_norm) and the noise layers, against their formulas."""

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.autograd.gradcheck import gradcheck
from mathdl.keras import layers


@pytest.fixture
def rng():
    return np.random.default_rng(0)


F64 = {"dtype": "float64"}


def test_reshaping_layers_follow_numpy(rng):
    v, s, img = rng.standard_normal((2, 3)), rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4, 5, 3))
    np.testing.assert_array_equal(layers.RepeatVector(4, **F64)(v).array, np.repeat(v[:, None], 4, 1))
    np.testing.assert_array_equal(layers.UpSampling1D(3, **F64)(s).array, np.repeat(s, 3, 1))
    np.testing.assert_array_equal(
        layers.UpSampling2D((2, 3), **F64)(img).array, np.repeat(np.repeat(img, 2, 1), 3, 2)
    )
    np.testing.assert_array_equal(
        layers.ZeroPadding1D((1, 2), **F64)(s).array, np.pad(s, ((0, 0), (1, 2), (0, 0)))
    )
    padded = layers.ZeroPadding2D(((1, 0), (2, 1)), **F64)(img).array
    np.testing.assert_array_equal(padded, np.pad(img, ((0, 0), (1, 0), (2, 1), (0, 0))))
    np.testing.assert_array_equal(layers.Cropping1D((1, 2), **F64)(s).array, s[:, 1:3])
    np.testing.assert_array_equal(layers.Cropping2D(((1, 1), (0, 2)), **F64)(img).array, img[:, 1:3, 0:3])
    assert layers.UpSampling2D()(keras.Input((4, 5, 3))).shape == (None, 8, 10, 3)
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping1D((3, 2))(keras.Input((5, 3)))
    x = md.tensor(img, dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda t: layers.UpSampling2D(**F64)(t), [x])


def test_time_distributed_applies_the_layer_to_every_step(rng):
    md.manual_seed(0)
    x = rng.standard_normal((2, 4, 3))
    wrapped = layers.TimeDistributed(layers.Dense(5, **F64), **F64)
    y = wrapped(x).array
    kernel, bias = wrapped.layer.get_weights()
    np.testing.assert_allclose(y, x @ kernel + bias, rtol=1e-12)
    assert wrapped.count_params() == 3 * 5 + 5
    inputs = keras.Input((None, 8, 8, 1))
    assert layers.TimeDistributed(layers.Conv2D(2, 3))(inputs).shape == (None, None, 6, 6, 2)


def test_elu_prelu_unit_normalization(torch, rng):
    x = rng.standard_normal((3, 4)) * 2
    np.testing.assert_allclose(layers.ELU(0.7, **F64)(x).array, np.where(x > 0, x, 0.7 * np.expm1(x)))
    prelu = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), **F64)
    np.testing.assert_allclose(
        prelu(x).array,
        torch.nn.functional.prelu(torch.tensor(x), torch.tensor([0.25], dtype=torch.float64)).numpy(),
    )
    assert prelu.get_weights()[0].shape == (4,)
    shared = layers.PReLU(shared_axes=[1, 2])
    shared(np.ones((2, 3, 3, 5), np.float32))
    assert shared.get_weights()[0].shape == (1, 1, 5)
    unit = layers.UnitNormalization(**F64)(x).array
    np.testing.assert_allclose(unit, x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-12)


def test_group_normalization_equals_torch_group_norm(torch, rng):
    md.manual_seed(0)
    layer = layers.GroupNormalization(groups=2, **F64)
    x = rng.standard_normal((3, 5, 4, 6))  # channels last, 6 channels in 2 groups
    layer.build((None, 5, 4, 6))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    layer.set_weights([gamma, beta])
    xt = md.tensor(x, dtype=np.float64, requires_grad=True)
    y = layer(xt)
    g = rng.standard_normal(y.shape)
    grads = md.grad(y, [xt, layer.gamma, layer.beta], md.tensor(g))
    tx = torch.tensor(x, requires_grad=True)
    tg, tb = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    ty = torch.nn.functional.group_norm(tx.permute(0, 3, 1, 2), 2, tg, tb, eps=1e-3).permute(0, 2, 3, 1)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(grads, (tx.grad, tg.grad, tb.grad)):
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="multiple of groups"):
        layers.GroupNormalization(groups=4)(keras.Input((5, 6)))


def test_noise_layers_only_act_while_training(rng):
    x = np.ones((200, 10, 8), np.float32)
    for layer in (
        layers.GaussianNoise(0.5, seed=1),
        layers.GaussianDropout(0.3, seed=1),
        layers.SpatialDropout1D(0.5, seed=1),
    ):
        np.testing.assert_array_equal(layer(x).array, x)
    noisy = layers.GaussianNoise(0.5, seed=1)(x, training=True).array - 1
    assert abs(noisy.std() - 0.5) < 0.01 and abs(noisy.mean()) < 0.01
    scaled = layers.GaussianDropout(0.3, seed=1)(x, training=True).array
    assert abs(scaled.mean() - 1) < 0.01 and abs(scaled.std() - np.sqrt(0.3 / 0.7)) < 0.01
    dropped = layers.SpatialDropout1D(0.5, seed=1)(x, training=True).array
    per_channel = dropped[:, 0, :]
    assert np.all(dropped == per_channel[:, None, :])  # one decision per sample and channel
    assert set(np.unique(dropped)) == {0.0, 2.0} and abs((per_channel == 0).mean() - 0.5) < 0.05
    image = np.ones((50, 3, 3, 4), np.float32)
    spatial = layers.SpatialDropout2D(0.25, seed=2)(image, training=True).array
    assert np.all(spatial == spatial[:, :1, :1, :])
