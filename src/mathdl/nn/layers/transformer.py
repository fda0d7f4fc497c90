"""Transformer layers: the encoder layer, the decoder layer, and stacks of them.

An encoder layer is self-attention followed by a position-wise feed-forward network, each wrapped
in a residual connection and layer normalisation (post-norm, the original and PyTorch's default):

    x = LayerNorm₁(x + Dropout(SelfAttention(x)))
    x = LayerNorm₂(x + Dropout(FFN(x))),      FFN(x) = W₂ Dropout(act(W₁ x + b₁)) + b₂

With ``norm_first=True`` (pre-norm, easier to train deep) the norms move inside the branches:
x = x + SA(LN₁(x)); x = x + FFN(LN₂(x)). A decoder layer adds cross-attention to the encoder's
output ``memory`` between the two:  x = LN₂(x + Dropout(Attention(x, memory, memory))).
Shapes follow PyTorch: (T, B, E), or (B, T, E) with ``batch_first``; sub-module names
(``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1``…) match, so state dicts
copy across.
"""

import copy
import numbers
from collections.abc import Callable

from mathdl import ops
from mathdl.autograd.tensor import Tensor
from mathdl.nn import init
from mathdl.nn.containers import ModuleList
from mathdl.nn.functional.activation import gelu
from mathdl.nn.functional.attention import causal_mask
from mathdl.nn.functional.layer_norm_linear import layer_norm_linear
from mathdl.nn.functional.linear import linear_relu, linear_residual
from mathdl.nn.layers.attention import MultiheadAttention
from mathdl.nn.layers.dropout import Dropout
from mathdl.nn.layers.layernorm import LayerNorm
from mathdl.nn.layers.linear import Linear
from mathdl.nn.module import Module
from mathdl.typing import TensorLike


def _activation(activation, where):
    if callable(activation):
        return activation
    if activation == "relu":
        return ops.relu
    if activation == "gelu":
        return gelu
    if activation == "tanh":
        return ops.tanh
    raise ValueError(f"{where}: activation must be 'relu', 'gelu', 'tanh' or a callable, got {activation!r}")


def _linear_activation(linear, activation, x):
    """``activation(linear(x))``. ReLU after a plain ``Linear`` without hooks is one fused Function
    (``F.linear_relu``: the ReLU in place on the product, no second buffer or pass)."""
    if activation is ops.relu and type(linear) is Linear and not linear._has_hooks():
        return linear_relu(x, linear.weight, linear.bias)
    return activation(linear(x))


def _plain(*modules):
    """Whether every module is exactly what its class computes (no hooks), so a fused path may
    stand in for calling it."""
    return not any(module._has_hooks() for module in modules)


def _identity(dropout):
    """Whether a ``Dropout`` module is the identity now (p = 0 or evaluation, no hooks)."""
    return type(dropout) is Dropout and _plain(dropout) and (dropout.p == 0.0 or not dropout.training)


def _affine_norm(norm, x):
    """Whether ``norm`` is a plain LayerNorm over x's last axis with γ and β of x's dtype."""
    return (
        type(norm) is LayerNorm
        and _plain(norm)
        and norm.weight is not None
        and norm.bias is not None
        and norm.normalized_shape == (x.shape[-1],)
        and norm.weight.dtype == x.dtype
    )


def _norm_foldable(norm, linear, x):
    """Whether ``linear(norm(x))`` may run as ``F.layer_norm_linear``: an ``_affine_norm`` and a
    plain biased Linear of x's dtype."""
    return (
        _affine_norm(norm, x)
        and type(linear) is Linear
        and _plain(linear)
        and linear.bias is not None
        and linear.weight.dtype == x.dtype
    )


def norm_then_linear(norm, linear, x):
    """``linear(norm(x))``, as one ``F.layer_norm_linear`` when ``_norm_foldable`` (γ, β folded
    into the weights: no γ ⊙ x̂ + β pass)."""
    if _norm_foldable(norm, linear, x):
        return layer_norm_linear(x, norm.weight, norm.bias, linear.weight, linear.bias, norm.eps)
    return linear(norm(x))


def _check_model_sizes(d_model, nhead, dim_feedforward, where):
    for name, value in (("d_model", d_model), ("nhead", nhead), ("dim_feedforward", dim_feedforward)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")


def _attend(attention, query, memory, mask, padding, is_causal):
    """The output of ``attention(query, memory, memory)`` without its weights; ``is_causal`` is
    passed on only when no explicit ``mask`` is given."""
    return attention(
        query,
        memory,
        memory,
        attn_mask=mask,
        key_padding_mask=padding,
        need_weights=False,
        is_causal=is_causal and mask is None,
    )[0]


class TransformerEncoderLayer(Module):
    """``TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation='relu', layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)``.

    forward(src (T, B, E), src_mask=None (T, T), src_key_padding_mask=None (B, T),
    is_causal=False) → (T, B, E). Formulas in the module docstring.

    >>> import mathdl as md
    >>> md.nn.TransformerEncoderLayer(8, 2, 16)(md.ones(5, 3, 8)).shape
    (5, 3, 8)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        _check_model_sizes(d_model, nhead, dim_feedforward, "TransformerEncoderLayer")
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerEncoderLayer")

    def _self_attention(self, x, attn_mask, key_padding_mask, is_causal):
        return self.dropout1(_attend(self.self_attn, x, x, attn_mask, key_padding_mask, is_causal))

    def _feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(_linear_activation(self.linear1, self.activation, x))))

    def _fusable_residuals(self, x):
        """Whether the pre-norm residual adds can ride in the last GEMM of each branch
        (``F.linear_residual``): batched batch_first input of the weights' dtype, identity
        dropouts, plain modules."""
        attention = self.self_attn
        return (
            x.ndim == 3
            and attention.batch_first
            and x.dtype == attention.out_proj.weight.dtype == self.linear2.weight.dtype
            and type(attention.out_proj) is Linear
            and type(self.linear2) is Linear
            and _plain(attention, attention.out_proj, self.linear2)
            and _identity(self.dropout1)
            and _identity(self.dropout2)
        )

    def _norms_foldable(self, x):
        """Whether both layer norms may fold into the GEMM after them (``F.layer_norm_linear``):
        plain affine LayerNorms, a packed biased in-projection without attention dropout, a plain
        biased ``linear1``, all of x's dtype."""
        attention = self.self_attn
        return (
            _norm_foldable(self.norm2, self.linear1, x)
            and _affine_norm(self.norm1, x)
            and attention._qkv_same_embed_dim
            and attention.in_proj_bias is not None
            and attention.in_proj_weight.dtype == x.dtype
            and (attention.dropout == 0.0 or not attention.training)
        )

    def _pre_norm_fused(self, x, mask, padding, is_causal):
        """x + SA(LN₁(x)), then x + FFN(LN₂(x)), each residual added in place on the product of
        the branch's last linear layer; each layer norm folded into the GEMM after it when
        ``_norms_foldable``."""
        attention, norm1, norm2, causal = self.self_attn, self.norm1, self.norm2, is_causal and mask is None
        if not self._norms_foldable(x):
            x = attention._plus_self_attention(x, norm1(x), mask, padding, causal)
            hidden = _linear_activation(self.linear1, self.activation, norm2(x))
        else:
            qkv = layer_norm_linear(
                x, norm1.weight, norm1.bias, attention.in_proj_weight, attention.in_proj_bias, norm1.eps
            )
            x = attention._plus_self_attention(x, x, mask, padding, causal, qkv=qkv)
            relu = self.activation is ops.relu
            hidden = layer_norm_linear(
                x, norm2.weight, norm2.bias, self.linear1.weight, self.linear1.bias, norm2.eps, relu=relu
            )
            hidden = hidden if relu else self.activation(hidden)
        return linear_residual(self.dropout(hidden), self.linear2.weight, self.linear2.bias, x)

    def forward(
        self,
        src: Tensor,
        src_mask: TensorLike | None = None,
        src_key_padding_mask: TensorLike | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        if self.norm_first:
            if self._fusable_residuals(x):
                return self._pre_norm_fused(x, src_mask, src_key_padding_mask, is_causal)
            x = x + self._self_attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._self_attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))


class TransformerDecoderLayer(Module):
    """``TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation='relu', layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)``.

    Self-attention over the target (usually causal), cross-attention to ``memory``, feed-forward:

        x = LN₁(x + SA(x, tgt_mask)),  x = LN₂(x + Attention(x, memory, memory)),  x = LN₃(x + FFN(x))

    forward(tgt (T, B, E), memory (S, B, E), tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
    memory_is_causal=False) → (T, B, E).

    >>> import mathdl as md
    >>> md.nn.TransformerDecoderLayer(8, 2, 16)(md.ones(4, 3, 8), md.ones(6, 3, 8)).shape
    (4, 3, 8)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        _check_model_sizes(d_model, nhead, dim_feedforward, "TransformerDecoderLayer")
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerDecoderLayer")

    def _self_attention(self, x, mask, padding, is_causal):
        return self.dropout1(_attend(self.self_attn, x, x, mask, padding, is_causal))

    def _cross_attention(self, x, memory, mask, padding, is_causal):
        return self.dropout2(_attend(self.multihead_attn, x, memory, mask, padding, is_causal))

    def _feed_forward(self, x):
        return self.dropout3(self.linear2(self.dropout(_linear_activation(self.linear1, self.activation, x))))

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: TensorLike | None = None,
        memory_mask: TensorLike | None = None,
        tgt_key_padding_mask: TensorLike | None = None,
        memory_key_padding_mask: TensorLike | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._cross_attention(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._feed_forward(self.norm3(x))
        x = self.norm1(x + self._self_attention(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(
            x + self._cross_attention(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
        )
        return self.norm3(x + self._feed_forward(x))


def _clones(layer, num_layers, where):
    if isinstance(num_layers, bool) or not isinstance(num_layers, numbers.Integral) or num_layers < 1:
        raise ValueError(f"{where}: num_layers must be a positive integer, got {num_layers!r}")
    # Independent copies that start from the same weights, as torch.nn.TransformerEncoder does.
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (names ``layers.0.…``), then ``norm``.

    >>> import mathdl as md
    >>> encoder = md.nn.TransformerEncoder(md.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), num_layers=2)
    >>> encoder(md.ones(3, 5, 8)).shape
    (3, 5, 8)
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers, "TransformerEncoder")
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: TensorLike | None = None,
        src_key_padding_mask: TensorLike | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=is_causal)
        return self.norm(x) if self.norm is not None else x


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (names ``layers.0.…``), then ``norm``.

    >>> import mathdl as md
    >>> decoder = md.nn.TransformerDecoder(md.nn.TransformerDecoderLayer(8, 2, 16), num_layers=2)
    >>> decoder(md.ones(4, 3, 8), md.ones(6, 3, 8)).shape   # tgt (T, B, E), memory (S, B, E)
    (4, 3, 8)
    """

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers, "TransformerDecoder")
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: TensorLike | None = None,
        memory_mask: TensorLike | None = None,
        tgt_key_padding_mask: TensorLike | None = None,
        memory_key_padding_mask: TensorLike | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        return self.norm(x) if self.norm is not None else x


class Transformer(Module):
    """The encoder-decoder Transformer (Vaswani et al. 2017) with PyTorch's arguments and defaults:
    ``Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation='relu', custom_encoder=None, custom_decoder=None,
    layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)``.

        memory = Encoder(src),   out = Decoder(tgt, memory)

    each a stack of layers followed by a LayerNorm (``encoder.norm``, ``decoder.norm``), so the
    state dict's names match ``torch.nn.Transformer``'s. Matrices are initialised
    ``xavier_uniform_`` as in PyTorch. forward(src (S, B, E), tgt (T, B, E), src_mask, tgt_mask,
    memory_mask, src_key_padding_mask (B, S), tgt_key_padding_mask (B, T),
    memory_key_padding_mask (B, S), src_is_causal, tgt_is_causal, memory_is_causal) → (T, B, E);
    (B, ·, E) with ``batch_first``.

    >>> import mathdl as md
    >>> model = md.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
    ...                           dim_feedforward=16, dropout=0.0)
    >>> model(md.randn(5, 2, 8), md.randn(3, 2, 8)).shape
    (3, 2, 8)
    """

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
    ):
        super().__init__()
        sizes = (
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(*sizes)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(*sizes)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self.d_model, self.nhead, self.batch_first = int(d_model), int(nhead), bool(batch_first)
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        batch_axis = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[batch_axis] != tgt.shape[batch_axis]:
            raise ValueError(
                f"Transformer: the batch size of src {src.shape} and tgt {tgt.shape} must be equal"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(
                f"Transformer: the feature number of src {src.shape} and tgt {tgt.shape} must be d_model={self.d_model}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(src_is_causal)
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=bool(tgt_is_causal),
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The (sz, sz) float mask with −inf above the diagonal and 0 elsewhere (a causal mask)."""
        if device is not None and str(device).split(":")[0] != "cpu":
            raise ValueError(f"generate_square_subsequent_mask: mathdl runs on the CPU only, got {device!r}")
        return causal_mask(sz, dtype)
