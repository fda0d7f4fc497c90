"""The Keras 3 layers added for the guides, each against its formula and, where PyTorch has the
op, against torch (values and gradients, float64): Conv1D (valid/same/causal), Conv2D on
float64 input, pooling, global pooling, LayerNormalization, merging layers, Reshape, Permute,
Activation, Rescaling, RandomFlip, RandomRotation, Embedding."""

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.autograd.gradcheck import gradcheck
from mathdl.keras import layers


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def grads(layer, x, seed=0):
    xt = md.tensor(x, dtype=np.float64, requires_grad=True)
    y = layer(xt)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    out = md.grad(y, [xt] + layer.trainable_weights, md.tensor(g))
    return y.array, g, [o.array for o in out]


@pytest.mark.parametrize("padding, strides, dilation", [("valid", 1, 1), ("same", 2, 1), ("causal", 1, 2)])
def test_conv1d_equals_torch_conv1d_with_keras_padding(torch, rng, padding, strides, dilation):
    md.manual_seed(0)
    layer = layers.Conv1D(4, 3, strides=strides, padding=padding, dilation_rate=dilation, dtype="float64")
    x = rng.standard_normal((2, 9, 3))
    y, g, (gx, gk, gb) = grads(layer, x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 4)  # Keras layout (k, in, out)
    span = dilation * 2 + 1
    if padding == "same":
        out = -(-9 // strides)
        total = max((out - 1) * strides + span - 9, 0)
        pads = (total // 2, total - total // 2)
    else:
        pads = (span - 1, 0) if padding == "causal" else (0, 0)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(kernel.transpose(2, 1, 0), requires_grad=True)
    bt = torch.tensor(bias, requires_grad=True)
    padded = torch.nn.functional.pad(xt.permute(0, 2, 1), pads)
    ty = torch.nn.functional.conv1d(padded, wt, bt, stride=strides, dilation=dilation).permute(0, 2, 1)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gk, wt.grad.numpy().transpose(2, 1, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, bt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_casts_float64_input_to_its_float32_policy(rng):
    layer = layers.Conv2D(2, 3, padding="same")
    y = layer(rng.standard_normal((1, 5, 5, 3)))  # float64 data, as Keras accepts
    assert y.dtype == np.float32 and y.shape == (1, 5, 5, 2)
    model = keras.Sequential([keras.Input((5, 5, 3)), layers.Conv2D(2, 3), layers.GlobalMaxPooling2D()])
    assert model.predict(rng.standard_normal((4, 5, 5, 3))).dtype == np.float32
    assert layers.Dense(2, dtype="float64")(np.ones((1, 3), np.float32)).dtype == np.float64
    assert layers.Embedding(5, 2)(np.array([[1, 4]])).shape == (1, 2, 2)  # integer ids kept


def test_global_pooling_and_1d_pooling_formulas(torch, rng):
    x = rng.standard_normal((2, 4, 5, 3))
    np.testing.assert_allclose(layers.GlobalAveragePooling2D(dtype="float64")(x).array, x.mean(axis=(1, 2)))
    np.testing.assert_allclose(layers.GlobalMaxPooling2D(dtype="float64")(x).array, x.max(axis=(1, 2)))
    kept = layers.GlobalAveragePooling2D(keepdims=True, dtype="float64")(x)
    assert kept.shape == (2, 1, 1, 3)
    s = rng.standard_normal((2, 7, 3))
    np.testing.assert_allclose(layers.GlobalAveragePooling1D(dtype="float64")(s).array, s.mean(axis=1))
    np.testing.assert_allclose(layers.GlobalMaxPooling1D(dtype="float64")(s).array, s.max(axis=1))
    pooled = layers.MaxPooling1D(2, dtype="float64")(s).array
    expected = torch.nn.functional.max_pool1d(torch.tensor(s).permute(0, 2, 1), 2).permute(0, 2, 1).numpy()
    np.testing.assert_allclose(pooled, expected)
    averaged = layers.AveragePooling1D(3, strides=2, dtype="float64")(s).array
    np.testing.assert_allclose(averaged[:, 0], s[:, :3].mean(axis=1))
    xt = md.tensor(x, dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda a: layers.GlobalAveragePooling2D(dtype="float64")(a), [xt])


def test_layer_normalization_equals_torch_layer_norm_with_keras_epsilon(torch, rng):
    md.manual_seed(0)
    layer = layers.LayerNormalization(dtype="float64")
    x = rng.standard_normal((3, 4, 6))
    layer.build((None, 4, 6))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    layer.set_weights([gamma, beta])
    y, g, (gx, gg, gb) = grads(layer, x)
    xt = torch.tensor(x, requires_grad=True)
    wt, bt = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    ty = torch.nn.functional.layer_norm(xt, (6,), wt, bt, eps=1e-3)  # Keras's default epsilon
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in ((gx, xt.grad), (gg, wt.grad), (gb, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-12)
    over_two = layers.LayerNormalization(axis=[1, 2], dtype="float64")(x).array
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(
        over_two, (x - mean) / np.sqrt(x.var(axis=(1, 2), keepdims=True) + 1e-3), atol=1e-12
    )


def test_merging_layers_follow_their_formulas(rng):
    a, b, c = (rng.standard_normal((2, 3)) for _ in range(3))
    cast = dict(dtype="float64")
    np.testing.assert_allclose(layers.Add(**cast)([a, b, c]).array, a + b + c)
    np.testing.assert_allclose(layers.Multiply(**cast)([a, b]).array, a * b)
    np.testing.assert_allclose(layers.Subtract(**cast)([a, b]).array, a - b)
    np.testing.assert_allclose(layers.Average(**cast)([a, b]).array, (a + b) / 2)
    np.testing.assert_allclose(layers.Maximum(**cast)([a, b]).array, np.maximum(a, b))
    np.testing.assert_allclose(layers.Concatenate(**cast)([a, b]).array, np.concatenate([a, b], -1))
    np.testing.assert_allclose(layers.Concatenate(axis=0, **cast)([a, b]).array, np.concatenate([a, b], 0))
    np.testing.assert_allclose(layers.Dot(axes=1, **cast)([a, b]).array, (a * b).sum(-1, keepdims=True))
    with pytest.raises(ValueError, match="list of at least 2 inputs"):
        layers.Add()(a)
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate()([keras.Input((3, 2)), keras.Input((4, 2))])


def test_reshape_permute_activation_rescaling(rng):
    x = rng.standard_normal((2, 3, 4))
    f64 = dict(dtype="float64")
    np.testing.assert_array_equal(layers.Reshape((4, 3), **f64)(x).array, x.reshape(2, 4, 3))
    np.testing.assert_array_equal(layers.Reshape((-1,), **f64)(x).array, x.reshape(2, 12))
    np.testing.assert_array_equal(layers.Permute((2, 1), **f64)(x).array, x.transpose(0, 2, 1))
    np.testing.assert_allclose(layers.Activation("tanh", **f64)(x).array, np.tanh(x))
    np.testing.assert_allclose(layers.Rescaling(1 / 255, offset=-1.0, **f64)(x).array, x / 255 - 1)
    np.testing.assert_allclose(layers.LeakyReLU(**f64)(x).array, np.where(x > 0, x, 0.3 * x))  # Keras: 0.3
    np.testing.assert_allclose(layers.ReLU(max_value=0.5, **f64)(x).array, np.clip(x, 0, 0.5))
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(layers.Softmax(axis=1, **f64)(x).array, e / e.sum(1, keepdims=True))
    np.testing.assert_array_equal(layers.Identity(**f64)(x).array, x)
    np.testing.assert_allclose(layers.Lambda(lambda t: t * 2.0, **f64)(x).array, 2 * x)
    assert keras.Input((3, 4)).shape == (None, 3, 4)
    assert layers.Reshape((2, 6))(keras.Input((3, 4))).shape == (None, 2, 6)
    with pytest.raises(ValueError, match="does not fit target_shape"):
        layers.Reshape((5,))(keras.Input((3, 4)))
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        layers.Permute((0, 1))


def test_random_flip_flips_whole_images_only_while_training(rng):
    x = rng.standard_normal((64, 3, 4, 2)).astype(np.float32)
    flip = layers.RandomFlip("horizontal", seed=1)
    assert np.array_equal(flip(x).array, x)  # inference: identity
    y = flip(x, training=True).array
    flipped = np.array([np.array_equal(y[i], x[i, :, ::-1]) for i in range(64)])
    kept = np.array([np.array_equal(y[i], x[i]) for i in range(64)])
    assert np.all(flipped | kept) and 15 < flipped.sum() < 49  # each image flipped with p = 1/2
    both = layers.RandomFlip(seed=2)(x, training=True).array
    options = [x, x[:, :, ::-1], x[:, ::-1], x[:, ::-1, ::-1]]
    assert all(any(np.array_equal(both[i], o[i]) for o in options) for i in range(64))


def test_random_rotation_is_keras_transform_and_quarter_turn_is_rot90(torch, rng):
    from mathdl.keras.augmentation import rotate

    image = rng.standard_normal((1, 5, 5, 2))
    quarter = rotate(md.tensor(image), np.array([np.pi / 2]), interpolation="nearest").array
    np.testing.assert_allclose(quarter[0], np.rot90(image[0]), atol=1e-12)  # counter-clockwise
    # a general angle on a non-square image against torch's affine_grid/grid_sample with Keras's map
    wide = rng.standard_normal((2, 4, 6, 3))
    angles = np.array([0.3, -1.1])
    ours = rotate(md.tensor(wide), angles).array
    h, w = 4, 6
    theta = np.zeros((2, 2, 3))
    theta[:, 0, 0], theta[:, 0, 1] = np.cos(angles), -np.sin(angles) * h / w
    theta[:, 1, 0], theta[:, 1, 1] = np.sin(angles) * w / h, np.cos(angles)
    grid = torch.nn.functional.affine_grid(torch.tensor(theta), (2, 3, h, w), align_corners=False)
    theirs = torch.nn.functional.grid_sample(
        torch.tensor(wide).permute(0, 3, 1, 2), grid, padding_mode="reflection", align_corners=False
    ).permute(0, 2, 3, 1)
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
    # Keras's pixel map at one interior pixel: output (x, y) reads input at the rotated point
    layer = layers.RandomRotation(0.2, seed=3)
    x = rng.standard_normal((3, 8, 8, 1)).astype(np.float32)
    assert np.array_equal(layer(x).array, x)  # inference: identity
    assert layer(x, training=True).shape == x.shape
    with pytest.raises(ValueError, match="fill_mode"):
        layers.RandomRotation(0.1, fill_mode="wrap")


def test_embedding_text_path_and_errors(rng):
    md.manual_seed(0)
    embedding = layers.Embedding(10, 3)
    ids = np.array([[1, 2, 9], [0, 0, 4]])
    embedding(ids)
    table = embedding.get_weights()[0]
    assert table.shape == (10, 3) and np.abs(table).max() <= 0.05  # U(−0.05, 0.05)
    np.testing.assert_array_equal(embedding(ids).array, table[ids])
    with pytest.raises(ValueError, match="out of range"):
        embedding(np.array([[10]]))
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(10, 4)(inputs)
    assert x.shape == (None, None, 4)
    assert layers.GlobalAveragePooling1D()(x).shape == (None, 4)
