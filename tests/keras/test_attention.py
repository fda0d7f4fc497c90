"""MultiHeadAttention against torch.nn.MultiheadAttention with the Keras weights translated
(values, attention weights and gradients of the inputs and of every weight), masks, and a
transformer block in a functional model (keras-io's text-classification transformer)."""

import numpy as np
import pytest

import mathdl as md
from mathdl import keras
from mathdl.keras import layers, ops


def test_multi_head_attention_equals_torch(torch):
    rng = np.random.default_rng(0)
    md.manual_seed(0)
    batch, t, s, d, heads = 2, 4, 5, 6, 3
    layer = layers.MultiHeadAttention(num_heads=heads, key_dim=d // heads, dtype="float64")
    query, value = rng.standard_normal((batch, t, d)), rng.standard_normal((batch, s, d))
    qt, vt = md.tensor(query, requires_grad=True), md.tensor(value, requires_grad=True)
    out, scores = layer(qt, vt, return_attention_scores=True)
    weights = layer.get_weights()
    assert [w.shape for w in weights] == [(d, heads, 2), (heads, 2)] * 3 + [(heads, 2, d), (d,)]
    g = rng.standard_normal(out.shape)
    grads = md.grad(out, [qt, vt] + layer.trainable_weights, md.tensor(g))
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    module = torch.nn.MultiheadAttention(d, heads, batch_first=True).double()
    with torch.no_grad():
        module.in_proj_weight.copy_(torch.tensor(np.concatenate([w.reshape(d, d).T for w in (wq, wk, wv)])))
        module.in_proj_bias.copy_(torch.tensor(np.concatenate([b.reshape(-1) for b in (bq, bk, bv)])))
        module.out_proj.weight.copy_(torch.tensor(wo.reshape(d, d).T))
        module.out_proj.bias.copy_(torch.tensor(bo))
    tq, tv = torch.tensor(query, requires_grad=True), torch.tensor(value, requires_grad=True)
    tout, tweights = module(tq, tv, tv, average_attn_weights=False)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(out.array, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores.array, tweights.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[0].array, tq.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads[1].array, tv.grad.numpy(), rtol=1e-9, atol=1e-12)
    in_grad = module.in_proj_weight.grad.numpy()
    for index, ours in enumerate((grads[2], grads[4], grads[6])):  # the three input kernels
        np.testing.assert_allclose(
            ours.array.reshape(d, d), in_grad[index * d : (index + 1) * d].T, rtol=1e-9, atol=1e-12
        )
    np.testing.assert_allclose(
        grads[8].array.reshape(d, d), module.out_proj.weight.grad.numpy().T, rtol=1e-9, atol=1e-12
    )


def test_masks_hide_keys():
    rng = np.random.default_rng(1)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64")
    x = rng.standard_normal((2, 4, 5))
    _, causal = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    assert np.allclose(np.triu(causal.array[0, 0], 1), 0) and np.allclose(causal.array.sum(-1), 1)
    mask = np.ones((2, 4, 4), bool)
    mask[:, :, 2:] = False
    _, masked = layer(x, x, attention_mask=mask, return_attention_scores=True)
    assert np.allclose(masked.array[..., 2:], 0) and np.allclose(masked.array.sum(-1), 1)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=None):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def test_keras_io_transformer_text_classifier_learns():
    md.manual_seed(0)
    rng = np.random.default_rng(0)
    vocab_size, maxlen = 40, 12
    x = rng.integers(2, vocab_size, (400, maxlen))
    y = (x[:, :3] < 20).sum(axis=1) >= 2  # the label depends on the first positions only
    inputs = layers.Input(shape=(maxlen,))
    h = TokenAndPositionEmbedding(maxlen, vocab_size, 16)(inputs)
    h = TransformerBlock(16, 2, 16)(h)
    h = layers.GlobalAveragePooling1D()(h)
    h = layers.Dropout(0.1)(h)
    h = layers.Dense(20, activation="relu")(h)
    outputs = layers.Dense(2, activation="softmax")(h)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        x[:300],
        y[:300].astype(int),
        batch_size=32,
        epochs=12,
        validation_data=(x[300:], y[300:].astype(int)),
        verbose=0,
    )
    assert history.history["val_accuracy"][-1] >= 0.75
    assert len(model.layers[2].att.weights) == 8
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
