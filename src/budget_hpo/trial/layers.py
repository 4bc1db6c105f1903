"""Faster CPU forwards of neuralforecast's transformer encoder layers (same weights, same maths).

Re-classed in place by :func:`budget_hpo.trial.kernels.use_fast_kernels`; the parameters, their
names and the parameter count stay exactly as built.

* :class:`FastFullAttention`: neuralforecast's ``FullAttention`` whose attention dropout in
  training is :func:`budget_hpo.trial.dropout.attend`.
* :class:`PointwiseConv1d`: ``Conv1d`` with ``kernel_size=1`` as a matrix multiply.
* :class:`FastTransEncoderLayer`: the encoder layer's feed-forward network is two pointwise
  ``Conv1d`` over a transposed ``[B, d, N]`` view. Written as two ``linear`` on ``[B, N, d]``,
  every activation, dropout mask and gradient is contiguous: the stock layer's activations are
  transposed views, so its GELU, dropout multiplies and their backward walk memory with a stride
  and the second convolution copies its input. Its convolutions are the re-classed
  :class:`PointwiseConv1d` (left as built, the stock forward runs).
* :class:`FastAttentionLayer`: in self-attention (queries, keys and values the same tensor, as in
  every encoder layer) the three projections are one matrix multiply with the three weights
  stacked, and the heads are split with one copy; the attention itself is
  :func:`budget_hpo.trial.dropout.attend`.

Random draws come in the stock order (attention weights, attention output, the two feed-forward
dropouts), so a layer with given dropout masks computes what the stock layer computes.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from budget_hpo.trial.dropout import attend

__all__ = [
    "FastAttentionLayer", "FastFullAttention", "FastTransEncoderLayer", "PointwiseConv1d",
    "attention_scale", "stock_class",
]


def attention_scale(attention: Any, head_dim: int) -> float:
    """The softmax scale of neuralforecast's ``FullAttention``: its own, else 1/sqrt(E)."""
    return float(attention.scale) if attention.scale else 1.0 / math.sqrt(head_dim)


class FastFullAttention(nn.Module):
    """neuralforecast's ``FullAttention`` whose attention dropout uses
    :func:`~budget_hpo.trial.dropout.keep_mask`.

    Training with dropout: :func:`~budget_hpo.trial.dropout.attend`. Anything else (evaluation,
    no dropout, a causal mask, returned attention weights) runs the original forward.
    """

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                attn_mask: object, tau: object = None, delta: object = None
                ) -> tuple[torch.Tensor, None]:
        dropout: Any = self.dropout
        p = float(dropout.p)
        if not self.training or p == 0.0 or not self.plain(attn_mask):
            return stock_class(self).forward(self, queries, keys, values, attn_mask, tau, delta)
        q, k, v = (t.permute(0, 2, 1, 3) for t in (queries, keys, values))  # [B, H, L, E]
        out = attend(q, k, v, attention_scale(self, q.shape[-1]), p)
        return out.permute(0, 2, 1, 3).contiguous(), None

    def plain(self, attn_mask: object) -> bool:
        """Whether :func:`~budget_hpo.trial.dropout.attend` computes this attention: no weights to
        return, no mask."""
        return not self.output_attention and not (self.mask_flag and attn_mask)


def stock_class(module: nn.Module) -> Any:
    """The neuralforecast class ``module`` was re-classed from (the base after our mixin)."""
    return type(module).__mro__[2]


class PointwiseConv1d(nn.Conv1d):
    """``Conv1d`` with ``kernel_size=1`` computed as a matrix multiply over the channel axis."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [B, C_in, L]
        return self.channels_last(x.transpose(1, 2)).transpose(1, 2)  # [B, C_out, L]

    def channels_last(self, x: torch.Tensor) -> torch.Tensor:
        """The same map on ``[B, L, C_in]`` (no transposes): ``[B, L, C_out]``."""
        return F.linear(x, self.weight.squeeze(-1), self.bias)




class FastTransEncoderLayer(nn.Module):
    """neuralforecast's ``TransEncoderLayer`` with its feed-forward network as two ``linear``."""

    def forward(self, x: torch.Tensor, attn_mask: Any = None) -> tuple[torch.Tensor, Any]:
        layer: Any = self  # the attributes are the stock layer's
        conv1, conv2, dropout = layer.conv1, layer.conv2, layer.dropout
        if not (isinstance(conv1, PointwiseConv1d) and isinstance(conv2, PointwiseConv1d)):
            return stock_class(self).forward(self, x, attn_mask)  # convolutions left as built
        new_x, attn = layer.attention(x, x, x, attn_mask=attn_mask)
        x = layer.norm1(x + dropout(new_x))
        y = dropout(conv2.channels_last(dropout(layer.activation(conv1.channels_last(x)))))
        return layer.norm2(x + y), attn


class FastAttentionLayer(nn.Module):
    """neuralforecast's ``AttentionLayer`` with fused query/key/value projections in training."""

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                attn_mask: Any, tau: Any = None, delta: Any = None) -> tuple[torch.Tensor, Any]:
        layer: Any = self  # the attributes are the stock layer's
        inner = layer.inner_attention
        if not (self.training and queries is keys and keys is values
                and isinstance(inner, FastFullAttention) and inner.plain(attn_mask)):
            return stock_class(self).forward(self, queries, keys, values, attn_mask, tau, delta)
        projections = (layer.query_projection, layer.key_projection, layer.value_projection)
        weight = torch.cat([p.weight for p in projections])
        bias = torch.cat([p.bias for p in projections])
        batch, length, _ = queries.shape
        qkv = F.linear(queries, weight, bias).view(batch, length, 3, layer.n_heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).contiguous().unbind(0)  # each [B, H, L, E]
        dropout: Any = inner.dropout
        out = attend(q, k, v, attention_scale(inner, q.shape[-1]), float(dropout.p))
        return layer.out_projection(out.transpose(1, 2).reshape(batch, length, -1)), None
