"""PyTorch reference implementation of LiteVL exactly as docs/model.md specifies it.

Module tree == state-dict names of docs/model.md ("Weight names"). Config-driven
(LiteVLConfig), batch-first everywhere; the single-question helpers (rank_answer, generate)
take one question's states.

Numerics (mirrored by the Swift engine):
  LayerNorm  (x - mean) / sqrt(var_biased + eps) * w + b
  GELU       0.5 x (1 + erf(x / sqrt 2))                  (exact, not tanh)
  softmax    exp(x - max) / sum exp(x - max)
  masks      additive -10000 on masked keys (BLIP/HF extended attention mask)
  normalize  x / max(||x||_2, 1e-12)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import LiteVLConfig, TextConfig, VisionConfig

MASK_VALUE = -10000.0


def l2norm(x: torch.Tensor) -> torch.Tensor:
    return F.normalize(x, dim=-1, eps=1e-12)


def additive_key_mask(mask: Optional[torch.Tensor], dtype) -> Optional[torch.Tensor]:
    """[B, Lk] of 1/0 -> [B, 1, 1, Lk] additive (0 / -10000)."""
    if mask is None:
        return None
    return (1.0 - mask[:, None, None, :].to(dtype)) * MASK_VALUE


# ============================================================================================
# Vision
# ============================================================================================

class Attention(nn.Module):
    """ViT attention: one qkv Linear D -> 3D laid out [q | k | v], heads contiguous."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x [B', L, D]
        b, n, d = x.shape
        h = self.heads
        qkv = self.qkv(x).reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                     # [B', H, L, d]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // h)
        att = att.softmax(dim=-1)
        out = (att @ v).transpose(1, 2).reshape(b, n, d)
        return self.proj(out)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class PatchEmbed(nn.Module):
    def __init__(self, patch: int, dim: int, in_ch: int = 3):
        super().__init__()
        self.proj = nn.Conv2d(in_ch, dim, kernel_size=patch, stride=patch)

    def forward(self, x):  # [B', C, S, S] -> [B', N, D], patches row-major
        return self.proj(x).flatten(2).transpose(1, 2)


class Block(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        d, eps = cfg.width, cfg.eps
        self.temporal = cfg.temporal
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.attn = Attention(d, cfg.heads)
        if cfg.temporal != "none":
            self.temporal_norm = nn.LayerNorm(d, eps=eps)
            self.temporal_attn = Attention(d, cfg.heads)
        if cfg.temporal == "dynamic":
            self.temporal_scaling = nn.Linear(d, 1)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.mlp = Mlp(d, cfg.mlp_dim)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """x [B, T, 1+N, D] -> (x, s [B] or None)."""
        b, t, n1, d = x.shape
        s = None
        if self.temporal != "none":
            if self.temporal == "dynamic":
                c = x[:, :, 0, :].mean(dim=1)                         # [B, D]
                s = torch.tanh(self.temporal_scaling(c)).squeeze(-1)  # [B]
            else:
                s = torch.ones(b, dtype=x.dtype, device=x.device)
            xt = x.permute(0, 2, 1, 3).reshape(b * n1, t, d)          # T tokens per position
            yt = self.temporal_attn(self.temporal_norm(xt))
            yt = yt.reshape(b, n1, t, d).permute(0, 2, 1, 3)
            x = x + s[:, None, None, None] * yt
        xs = x.reshape(b * t, n1, d)
        xs = xs + self.attn(self.norm1(xs))
        xs = xs + self.mlp(self.norm2(xs))
        return xs.reshape(b, t, n1, d), s


def resample_temporal_embed(te: torch.Tensor, t: int) -> torch.Tensor:
    """[1, F, D] -> [1, T, D], linear interpolation along time, align_corners=False."""
    if te.shape[1] == t:
        return te
    return F.interpolate(te.transpose(1, 2), size=t, mode="linear", align_corners=False).transpose(1, 2)


class VisionTransformer(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.width
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + cfg.num_patches, d))
        # optional convolutional stem (vision.stem_channels, default none): per layer a 3x3 conv,
        # stride 1 or 2 (vision.stem_strides), zero padding 1, with bias, then exact GELU; the patch conv
        # then reads its channels with kernel = stride = patch_size / (product of the stem strides)
        chans = [3] + list(cfg.stem_channels)
        if cfg.stem_channels:
            self.stem = nn.ModuleList([nn.Conv2d(chans[i], chans[i + 1], kernel_size=3, stride=cfg.strides[i], padding=1)
                                       for i in range(len(cfg.stem_channels))])
        self.patch_embed = PatchEmbed(cfg.patch_kernel, d, chans[-1])
        if cfg.temporal != "none":
            self.temporal_embed = nn.Parameter(torch.zeros(1, cfg.num_frames, d))
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(d, eps=cfg.eps)

    def embed(self, video: torch.Tensor) -> torch.Tensor:
        """video [B, T, 3, S, S] (already normalised) -> x0 [B, T, 1+N, D]."""
        b, t = video.shape[:2]
        x = video.flatten(0, 1)
        if self.cfg.stem_channels:
            for conv in self.stem:
                x = F.gelu(conv(x))
        x = self.patch_embed(x)                                        # [B*T, N, D]
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos_embed
        x = x.reshape(b, t, x.shape[1], x.shape[2])
        if self.cfg.temporal != "none":
            x = x + resample_temporal_embed(self.temporal_embed, t)[:, :, None, :]
        return x

    def forward(self, video: torch.Tensor, return_all: bool = False):
        """-> V [B, T, 1+N, D], extras {"x0", "blocks": [x after block l], "s": [B, depth]}."""
        x = self.embed(video)
        extras: Dict = {"x0": x, "blocks": [], "s": []}
        for blk in self.blocks:
            x, s = blk(x)
            if return_all:
                extras["blocks"].append(x)
            if s is not None:
                extras["s"].append(s)
        v = self.norm(x)
        extras["s"] = torch.stack(extras["s"], dim=1) if extras["s"] else None
        return v, extras


# ============================================================================================
# Text (BLIP's MED BERT)
# ============================================================================================

class BertEmbeddings(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden)
        self.position_embeddings = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)

    def forward(self, ids):
        pos = torch.arange(ids.shape[1], device=ids.device)
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos)[None])


class BertSelfAttention(nn.Module):
    def __init__(self, hidden: int, heads: int, kv_width: int):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(kv_width, hidden)
        self.value = nn.Linear(kv_width, hidden)

    def forward(self, x, kv, mask):
        b, lq, hdim = x.shape
        lk = kv.shape[1]
        h, dh = self.heads, hdim // self.heads
        q = self.query(x).reshape(b, lq, h, dh).transpose(1, 2)
        k = self.key(kv).reshape(b, lk, h, dh).transpose(1, 2)
        v = self.value(kv).reshape(b, lk, h, dh).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
        if mask is not None:
            scores = scores + mask
        probs = scores.softmax(dim=-1)                               # [B, H, Lq, Lk]
        ctx = (probs @ v).transpose(1, 2).reshape(b, lq, hdim)
        return ctx, probs


class BertSelfOutput(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden, cfg.hidden)
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)

    def forward(self, h, x):
        return self.LayerNorm(self.dense(h) + x)


class BertAttention(nn.Module):
    def __init__(self, cfg: TextConfig, kv_width: int):
        super().__init__()
        self.self = BertSelfAttention(cfg.hidden, cfg.heads, kv_width)
        self.output = BertSelfOutput(cfg)

    def forward(self, x, kv, mask):
        ctx, probs = self.self(x, kv, mask)
        return self.output(ctx, x), probs


class BertIntermediate(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden, cfg.intermediate)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.dense = nn.Linear(cfg.intermediate, cfg.hidden)
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)

    def forward(self, h, x):
        return self.LayerNorm(self.dense(h) + x)


class BertLayer(nn.Module):
    def __init__(self, cfg: TextConfig, encoder_width: int):
        super().__init__()
        self.attention = BertAttention(cfg, cfg.hidden)
        self.crossattention = BertAttention(cfg, encoder_width)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, x, self_mask, enc=None, enc_mask=None):
        x, _ = self.attention(x, x, self_mask)
        cross_probs = None
        if enc is not None:
            x, cross_probs = self.crossattention(x, enc, enc_mask)
        x = self.output(self.intermediate(x), x)
        return x, cross_probs


class BertEncoder(nn.Module):
    def __init__(self, cfg: TextConfig, encoder_width: int):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg, encoder_width) for _ in range(cfg.layers)])


class BertModel(nn.Module):
    """BLIP's BertModel without pooler. Text mode when encoder_states is None."""

    def __init__(self, cfg: TextConfig, encoder_width: int):
        super().__init__()
        self.cfg = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg, encoder_width)

    def forward(self, ids, mask=None, encoder_states=None, encoder_mask=None, causal=False):
        """ids [B, L]; mask [B, L] 1/0; encoder_states [B, M, W]; encoder_mask [B, M] or None.

        -> (hidden [B, L, H], {"embeddings": [B, L, H], "cross_probs": [per layer [B, h, L, M]]})
        """
        b, l = ids.shape
        x = self.embeddings(ids)
        dtype = x.dtype
        if mask is None:
            mask = torch.ones(b, l, dtype=dtype, device=ids.device)
        m = mask.to(dtype)
        if causal:
            tri = torch.tril(torch.ones(l, l, dtype=dtype, device=ids.device))
            keep = tri[None, None, :, :] * m[:, None, None, :]           # [B, 1, L, L]
        else:
            keep = m[:, None, None, :]                                   # [B, 1, 1, L]
        self_mask = (1.0 - keep) * MASK_VALUE
        enc_mask = additive_key_mask(encoder_mask, dtype) if encoder_states is not None else None
        extras = {"embeddings": x, "cross_probs": []}
        for layer in self.encoder.layer:
            x, cp = layer(x, self_mask, encoder_states, enc_mask)
            if cp is not None:
                extras["cross_probs"].append(cp)
        return x, extras


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden, cfg.hidden)
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)

    def forward(self, x):
        return self.LayerNorm(F.gelu(self.dense(x)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.transform = BertPredictionHeadTransform(cfg)
        self.decoder = nn.Linear(cfg.hidden, cfg.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(cfg.vocab_size))

    def forward(self, x):
        return self.decoder(self.transform(x)) + self.bias


class BertOnlyMLMHead(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(cfg)


class BertLMHeadModel(nn.Module):
    def __init__(self, cfg: TextConfig, encoder_width: int):
        super().__init__()
        self.bert = BertModel(cfg, encoder_width)
        self.cls = BertOnlyMLMHead(cfg)

    def forward(self, ids, mask, question_states, question_mask):
        """-> logits [B, L, vocab] (causal self-attention, cross-attention to the question)."""
        h, _ = self.bert(ids, mask, question_states, question_mask, causal=True)
        return self.cls.predictions(h)


# ============================================================================================
# LiteVL
# ============================================================================================

@dataclass
class Hypothesis:
    tokens: List[int]          # new tokens after [DEC] ([SEP] included when finished)
    score: float               # summed log-probabilities (float64)
    finished: bool = False


class LiteVL(nn.Module):
    def __init__(self, cfg: LiteVLConfig):
        super().__init__()
        self.cfg = cfg
        self.visual_encoder = VisionTransformer(cfg.vision)
        self.text_encoder = BertModel(cfg.text, encoder_width=cfg.vision.width)
        self.text_decoder = BertLMHeadModel(cfg.decoder, encoder_width=cfg.text.hidden)
        self.vision_proj = nn.Linear(cfg.vision.width, cfg.embed_dim)
        self.text_proj = nn.Linear(cfg.text.hidden, cfg.embed_dim)
        self.itm_head = nn.Linear(cfg.text.hidden, 2)

    # ---------------------------------------------------------------- init (training) -----
    @torch.no_grad()
    def init_weights(self, generator: Optional[torch.Generator] = None) -> None:
        """BLIP-like init: trunc-normal(0.02) for Linear weights, embeddings, cls_token and
        pos_embed; zero biases; LayerNorm 1/0; patch conv keeps PyTorch's default (as BLIP's ViT);
        temporal_scaling and temporal_embed zero; temporal_attn / temporal_norm copied from the
        block's spatial attn / norm1."""
        def tn(t):
            # trunc_normal_(std=0.02, a=-2, b=2) as timm; with a generator for reproducibility
            t.copy_(torch.fmod(torch.randn(t.shape, generator=generator, dtype=t.dtype), 2.0) * 0.02)

        for name, mod in self.named_modules():
            if isinstance(mod, nn.Linear):
                tn(mod.weight)
                if mod.bias is not None:
                    mod.bias.zero_()
            elif isinstance(mod, nn.Embedding):
                tn(mod.weight)
            elif isinstance(mod, nn.LayerNorm):
                mod.weight.fill_(1.0)
                mod.bias.zero_()
            elif isinstance(mod, nn.Conv2d):
                bound = 1.0 / math.sqrt(mod.weight[0].numel())
                mod.weight.copy_((torch.rand(mod.weight.shape, generator=generator) * 2 - 1) * bound)
                mod.bias.copy_((torch.rand(mod.bias.shape, generator=generator) * 2 - 1) * bound)
        ve = self.visual_encoder
        tn(ve.cls_token)
        tn(ve.pos_embed)
        self.text_decoder.cls.predictions.bias.zero_()
        if self.cfg.vision.temporal != "none":
            ve.temporal_embed.zero_()
        for blk in ve.blocks:
            if self.cfg.vision.temporal != "none":
                blk.temporal_norm.load_state_dict(blk.norm1.state_dict())
                blk.temporal_attn.load_state_dict(blk.attn.state_dict())
            if self.cfg.vision.temporal == "dynamic":
                blk.temporal_scaling.weight.zero_()
                blk.temporal_scaling.bias.zero_()

    # ---------------------------------------------------------------- vision ---------------
    def encode_video(self, video: torch.Tensor, return_all: bool = False):
        """video [B, T, 3, S, S] normalised -> V [B, T, 1+N, D], extras (x0, blocks, s)."""
        return self.visual_encoder(video, return_all=return_all)

    # ---------------------------------------------------------------- text mode ------------
    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor):
        """ids start with [CLS]. -> (q [B, E] normalised, hidden [B, L, H], extras)."""
        h, extras = self.text_encoder(ids, mask)
        q = l2norm(self.text_proj(h[:, 0]))
        return q, h, extras

    # ---------------------------------------------------------------- pooling/memory -------
    def pool(self, v: torch.Tensor, q: torch.Tensor):
        """Text-dependent pooling. v [B, T, 1+N, D], q [B, E] ->
        (a [B, T], b [B, N], P_time [B, 1+N, D], P_space [B, T, D])."""
        tau = self.cfg.pooling.tau
        u = l2norm(self.vision_proj(v))                                   # [B, T, 1+N, E]
        a = (torch.einsum("bte,be->bt", u[:, :, 0], q) / tau).softmax(dim=-1)
        p_time = torch.einsum("bt,btjd->bjd", a, v)
        ubar = u[:, :, 1:].mean(dim=1)                                    # [B, N, E]
        bw = (torch.einsum("bje,be->bj", ubar, q) / tau).softmax(dim=-1)
        p_space = torch.einsum("bj,btjd->btd", bw, v[:, :, 1:])
        return a, bw, p_time, p_space

    def memory(self, v: torch.Tensor, q: Optional[torch.Tensor]):
        """-> (M [B, Mlen, D], pooling extras or None)."""
        b, t, n1, d = v.shape
        flat = v.reshape(b, t * n1, d)
        if not self.cfg.pooling.enabled:
            return flat, None
        a, bw, p_time, p_space = self.pool(v, q)
        m = torch.cat([flat, p_time, p_space], dim=1)
        return m, {"temporal_weights": a, "spatial_weights": bw, "p_time": p_time, "p_space": p_space}

    # ---------------------------------------------------------------- multimodal -----------
    def with_enc(self, ids: torch.Tensor) -> torch.Tensor:
        ids = ids.clone()
        ids[:, 0] = self.cfg.special_tokens.enc
        return ids

    def encode_question(self, v: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor):
        """ids start with [CLS] ([CLS] is replaced by [ENC] for the multimodal pass).
        v [B, T, 1+N, D] (one per question). -> dict with q, memory, question_states, cross_probs,..."""
        q, h_text, text_extras = self.encode_text(ids, mask)
        m, pool = self.memory(v, q)
        states, extras = self.text_encoder(self.with_enc(ids), mask, encoder_states=m, encoder_mask=None)
        out = {"q": q, "text_hidden": h_text, "text_embeddings": text_extras["embeddings"],
               "memory": m, "question_states": states, "question_mask": mask,
               "cross_probs": extras["cross_probs"]}
        if pool is not None:
            out.update(pool)
        return out

    # ---------------------------------------------------------------- heads ----------------
    def itm_logits(self, v: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """itm_head on the [ENC] state of the text encoder cross-attending the memory. -> [B, 2]."""
        return self.itm_head(self.encode_question(v, ids, mask)["question_states"][:, 0])

    def video_feature(self, v: torch.Tensor) -> torch.Tensor:
        """normalize(mean_t vision_proj(V[t, 0])) -> [B, E] (BLIP's zero-shot video ITC)."""
        return l2norm(self.vision_proj(v[:, :, 0]).mean(dim=1))

    def pooled_similarity(self, v: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        """Text-to-video ITC with text-dependent temporal pooling (LiteVL's retrieval score).
        v [Bv, T, 1+N, D], q [Bq, E] (normalised) -> [Bq, Bv]: for text i and clip j,
        a = softmax_t(u_jt . q_i / tau), f = normalize(sum_t a_t u_jt), s_ij = f . q_i, with
        u_jt = normalize(vision_proj(V_j[t, 0])) the frame [CLS] features."""
        tau = self.cfg.pooling.tau
        u = l2norm(self.vision_proj(v[:, :, 0]))                          # [Bv, T, E]
        a = (torch.einsum("vte,qe->qvt", u, q) / tau).softmax(dim=-1)    # [Bq, Bv, T]
        f = l2norm(torch.einsum("qvt,vte->qve", a, u))
        return torch.einsum("qve,qe->qv", f, q)

    def itc_similarity(self, v, ids, mask) -> torch.Tensor:
        q, _, _ = self.encode_text(ids, mask)
        return (self.video_feature(v) * q).sum(-1)

    # ---------------------------------------------------------------- decoder --------------
    def decoder_logits(self, ids, mask, question_states, question_mask):
        return self.text_decoder(ids, mask, question_states, question_mask)

    def first_token_logits(self, question_states, question_mask) -> torch.Tensor:
        """Logits [B, vocab] for the token after [DEC]."""
        b = question_states.shape[0]
        ids = torch.full((b, 1), self.cfg.special_tokens.dec, dtype=torch.long, device=question_states.device)
        return self.decoder_logits(ids, None, question_states, question_mask)[:, 0]

    def answer_scores(self, question_states, question_mask, answers: Sequence[Sequence[int]]) -> torch.Tensor:
        """Score of each answer (ids "[DEC] ... [SEP]") for one question ([1, L, H]):
        -sum over target tokens (after [DEC], pads excluded) of the label-smoothed CE. -> float64 [C]."""
        st = self.cfg.special_tokens
        eps = self.cfg.label_smoothing
        c = len(answers)
        la = max(len(a) for a in answers)
        ids = torch.full((c, la), st.pad, dtype=torch.long)
        for i, a in enumerate(answers):
            assert a[0] == st.dec
            ids[i, : len(a)] = torch.tensor(a)
        mask = (ids != st.pad).long()
        qs = question_states.expand(c, -1, -1)
        qm = question_mask.expand(c, -1)
        logits = self.decoder_logits(ids, mask, qs, qm)[:, :-1].double()
        logp = logits.log_softmax(dim=-1)
        tgt = ids[:, 1:]
        nll = -logp.gather(-1, tgt[..., None]).squeeze(-1)
        smooth = -logp.mean(dim=-1)
        loss = (1.0 - eps) * nll + eps * smooth
        loss = loss * (tgt != st.pad).double()
        return -loss.sum(dim=1)

    def rank_answer(self, question_states, question_mask, answers: Sequence[Sequence[int]], k: int = 128):
        """BLIP's rank_answer for one question. Top-k by first-token probability (stable: ties ->
        lower candidate index first), then argmax of the full score (ties -> earlier in top-k
        order). -> dict(best, topk, scores (of the top-k, in top-k order), first_probs)."""
        k = min(k, len(answers))
        probs = self.first_token_logits(question_states, question_mask)[0].double().softmax(-1)
        first = torch.tensor([a[1] for a in answers])
        p_first = probs[first]
        order = torch.sort(p_first, descending=True, stable=True).indices[:k].tolist()
        scores = self.answer_scores(question_states, question_mask, [answers[i] for i in order])
        best_pos = int(torch.argmax(scores))   # torch.argmax returns the first maximal index
        return {"best": order[best_pos], "topk": order, "scores": scores, "first_probs": p_first}

    @torch.no_grad()
    def generate(self, question_states, question_mask, num_beams: int = 3, max_new_tokens: int = 10,
                 min_new_tokens: int = 1, stats: Optional[Dict] = None) -> Hypothesis:
        """Plain beam search for one question (docs/model.md, "Beam search"). num_beams=1 is greedy.
        stats (optional dict) receives "min_margin": the smallest score gap, over all steps, between
        the last candidate kept and the first one dropped (how close the search came to a tie)."""
        margin = math.inf
        st = self.cfg.special_tokens
        alive = [Hypothesis([], 0.0)]
        finished: List[Hypothesis] = []
        for step in range(max_new_tokens):
            nb = len(alive)
            ids = torch.tensor([[st.dec] + h.tokens for h in alive], dtype=torch.long)
            qs = question_states.expand(nb, -1, -1)
            qm = question_mask.expand(nb, -1)
            logits = self.decoder_logits(ids, None, qs, qm)[:, -1].double()
            logp = logits.log_softmax(dim=-1)                                  # [nb, V] float64
            if step < min_new_tokens:
                logp[:, st.sep] = -math.inf
            base = torch.tensor([h.score for h in alive], dtype=torch.float64)
            cand = (base[:, None] + logp).reshape(-1)                          # flat index b*V + v
            vocab = logp.shape[1]
            # descending by score; ties -> lower flat index (beam order, then token id)
            order = torch.sort(cand, descending=True, stable=True).indices
            new_alive: List[Hypothesis] = []
            order = order.tolist()
            for pos, flat in enumerate(order):
                b, tok = divmod(flat, vocab)
                score = float(cand[flat])
                if tok == st.sep:
                    finished.append(Hypothesis(alive[b].tokens + [tok], score, True))
                else:
                    new_alive.append(Hypothesis(alive[b].tokens + [tok], score))
                    if len(new_alive) == num_beams:
                        if pos + 1 < len(order):
                            margin = min(margin, score - float(cand[order[pos + 1]]))
                        break
            alive = new_alive
            if stats is not None:
                stats["min_margin"] = margin
            best_fin = max(finished, key=lambda h: h.score) if finished else None  # first max kept
            if best_fin is not None and best_fin.score >= alive[0].score:
                return best_fin
        best_fin = max(finished, key=lambda h: h.score) if finished else None
        if best_fin is not None and best_fin.score >= alive[0].score:
            return best_fin
        return alive[0]

    # ---------------------------------------------------------------- training loss --------
    def vqa_loss(self, video, q_ids, q_mask, a_ids, a_mask, weights=None):
        """Batched training loss: answers "[DEC] ... [SEP]" [B, La]; label-smoothed CE summed
        over answer tokens (BLIP's reduction='none' per answer), weighted mean over the batch."""
        v, _ = self.encode_video(video)
        enc = self.encode_question(v, q_ids, q_mask)
        logits = self.decoder_logits(a_ids, a_mask, enc["question_states"], q_mask)[:, :-1]
        tgt = a_ids[:, 1:].masked_fill(a_ids[:, 1:] == self.cfg.special_tokens.pad, -100)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1),
                               reduction="none", label_smoothing=self.cfg.label_smoothing)
        loss = loss.view(tgt.shape).sum(1)
        if weights is not None:
            loss = loss * weights
        return loss.mean()
