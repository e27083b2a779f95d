"""Train LiteVL-tiny on ShapesQA: stage 1 (image-language pre-training, BLIP-like) and stage 2
(LiteVL video-QA adaptation). Resumable (checkpoints/RUN/last.pt), logs per-family accuracy.

  python3 Training/train.py stage1 --run s1 --steps 1500
  python3 Training/train.py stage2 --run full --init Training/checkpoints/s1/last.pt --temporal dynamic --steps 2000
  python3 Training/train.py stage2 --run notemp --init Training/checkpoints/s1/last.pt --temporal none --steps 2000

Stage 1 (single frames, temporal "none"): ITC (in-batch, learnable temperature), ITM (positives,
attribute-swapped hard negatives and in-batch negatives chosen by ITC similarity), captioning LM
("[DEC] caption [SEP]" decoded from the question states of the fixed prompt "what is in the
picture?"; softmax over the caption vocabulary only, see README), plus dense renderer losses
(colour and shape of the object covering each patch token).
Stage 2 (T frames): LiteVL initialised from stage 1 (temporal_attn/temporal_norm copied from the
spatial ones, temporal_embed and temporal_scaling zero), BLIP-VQA answer loss (label-smoothed LM
loss on "[DEC] answer [SEP]", full vocabulary) plus dense renderer losses (colour, shape, motion,
event, final colour per patch token per frame). Answers at evaluation: argmax of the first-token
logit over the answer list (monitoring) / rank_answer (evaluate.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (ROOT, AuxHeads, TimeAuxHeads, TrackAuxHead, Tok, aux_loss, time_aux_loss, track_aux_loss, obj_shape_loss, encode_question_fast, lr_at, param_groups,  # noqa: E402
                    bert_init_parameters, init_text_from_bert, tiny_config)
from litevl_ref import LiteVL  # noqa: E402
from shapesqa.world import video_query, video_hard_negative  # noqa: E402
from shapesqa.world import (ANSWERS, FAMILIES, caption_parts, caption_text, hard_negative,  # noqa: E402
                            questions, sample_scene)
from shapesqa.render import clip_frames, to_model_input, token_labels  # noqa: E402

CKPT = os.path.join(ROOT, "Training", "checkpoints")
PROMPT = "what is in the picture?"


def log(fh, msg):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    if fh:
        fh.write(line + "\n")
        fh.flush()


# ------------------------------------------------------------------------------ data ---------

def make_clip(rng: random.Random, T: int, S: int, G: int, train: bool = True, p_event: float = 0.6):
    scene = sample_scene(rng, p_event=p_event)
    frames, fr = clip_frames(scene, T, S, rng)
    x = to_model_input(frames, S, rng if train else None)
    lab = torch.from_numpy(token_labels(scene, fr, G))
    return scene, x, lab


def question_key(q) -> str:
    """Balancing key: the family, with vanish split by its answer (yes is the rare one)."""
    return q["family"] + ("_" + q["answer"] if q["family"] == "vanish" else "")


def balance_weights(p_event: float, n: int = 2000, seed: int = 4242):
    """Inverse frequency of each question key over n sampled scenes (no rendering, ~0.3 s), so that
    rare families (change, order, vanish=yes) are picked whenever a clip has them."""
    rng = random.Random(seed)
    cnt = defaultdict(int)
    for _ in range(n):
        for q in questions(sample_scene(rng, p_event=p_event)):
            cnt[question_key(q)] += 1
    mean = sum(cnt.values()) / len(cnt)
    return {k: mean / c for k, c in cnt.items()}


def pick_balanced(scene, rng: random.Random, k: int, weights):
    """k questions of the scene without replacement, each drawn with probability proportional to its
    key's inverse frequency."""
    qs = questions(scene)
    out = []
    while len(out) < k and qs:
        w = [weights.get(question_key(q), 1.0) for q in qs]
        out.append(qs.pop(rng.choices(range(len(qs)), weights=w)[0]))
    return out


def pick_questions(scene, rng: random.Random, k: int):
    qs = questions(scene)
    by = defaultdict(list)
    for q in qs:
        by[q["family"]].append(q)
    out = []
    fams = list(by)
    while len(out) < k and fams:
        f = rng.choice(fams)
        q = by[f].pop(rng.randrange(len(by[f])))
        out.append(q)
        if not by[f]:
            fams.remove(f)
    return out


class ValSet:
    """Fixed validation clips rendered in numpy (seed 999, never used in training)."""

    def __init__(self, n: int, T: int, S: int, G: int, seed: int = 999):
        rng = random.Random(seed)
        self.items = []
        for _ in range(n):
            scene, x, lab = make_clip(rng, T, S, G, train=False)
            self.items.append((scene, x, lab, questions(scene)))


@torch.no_grad()
def evaluate_val(model: LiteVL, tok: Tok, val: ValSet, T: int):
    """Per-family accuracy with the first-token argmax over the answer list (fast monitor)."""
    model.eval()
    ans_first = torch.tensor([tok.answer_ids(a)[1] for a in ANSWERS])
    corr, tot = defaultdict(int), defaultdict(int)
    for i in range(0, len(val.items), 8):
        chunk = val.items[i:i + 8]
        x = torch.stack([c[1][:T] for c in chunk])
        v, _ = model.encode_video(x)
        qids, qa, fam, cidx = [], [], [], []
        for j, c in enumerate(chunk):
            for q in c[3]:
                qids.append(tok.ids(q["question"]))
                qa.append(q["answer"])
                fam.append(q["family"])
                cidx.append(j)
        ids, mask = tok.batch(qids)
        states, _ = encode_question_fast(model, v, torch.tensor(cidx), ids, mask)
        logits = model.first_token_logits(states, mask)[:, ans_first]
        pred = logits.argmax(-1).tolist()
        for p, a, f in zip(pred, qa, fam):
            ok = ANSWERS[p] == a
            corr[f] += ok
            tot[f] += 1
            corr["all"] += ok
            tot["all"] += 1
    model.train()
    return {f: corr[f] / tot[f] for f in tot}, dict(tot)


def log_stats(fh, stage: str, step: int, t0: float, opt, stats, extra: str = ""):
    """Logs the means of the accumulated training stats (stats["n"] = steps summed); -> fresh stats."""
    n = stats.pop("n")
    log(fh, f"{stage} step {step} t={time.time()-t0:.0f}s lr={opt.param_groups[0]['lr']:.2e} {extra}"
        + " ".join(f"{k}={v/n:.3f}" for k, v in sorted(stats.items())))
    return defaultdict(float)


def fmt_acc(acc):
    return " ".join(f"{f}={acc[f]:.2f}" for f in FAMILIES + ["all"] if f in acc)


# ------------------------------------------------------------------------------ checkpoints --

def save_ckpt(path, model, aux, extra_params, opt, step, elapsed, args, cfg):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "aux": aux.state_dict(),
                "extra": {k: (v.state_dict() if isinstance(v, nn.Module) else v.detach().clone())
                          for k, v in extra_params.items()},
                "opt": opt.state_dict(), "step": step, "elapsed": elapsed, "args": vars(args),
                "config": cfg.to_dict()}, tmp)
    os.replace(tmp, path)


def init_stage2_from(model: LiteVL, sd: dict):
    """Load stage-1 weights (temporal "none") into a stage-2 model; LiteVL additions initialised as
    the paper: temporal_attn/temporal_norm copied from the spatial ones, temporal_embed and
    temporal_scaling zero."""
    own = model.state_dict()
    loaded = 0
    for k, v in sd.items():
        if k in own and own[k].shape == v.shape:
            own[k].copy_(v)
            loaded += 1
    model.load_state_dict(own)
    with torch.no_grad():
        ve = model.visual_encoder
        if model.cfg.vision.temporal != "none":
            ve.temporal_embed.zero_()
            for blk in ve.blocks:
                blk.temporal_norm.load_state_dict(blk.norm1.state_dict())
                blk.temporal_attn.load_state_dict(blk.attn.state_dict())
                if model.cfg.vision.temporal == "dynamic":
                    blk.temporal_scaling.weight.zero_()
                    blk.temporal_scaling.bias.zero_()
    return loaded


# ------------------------------------------------------------------------------ stage 0 ------

def run_stage0(args):
    """Vision-only warm-up on single frames: the dense per-token colour/shape losses and the pooled
    per-object shape loss from the renderer's ground truth, nothing else, at a high learning rate.
    Object shape is the one thing the mixed stage-1 objective did not learn in 20 minutes; alone it
    takes off after ~400 steps (Training/PILOTS.md, pilot 3). Saves a full LiteVL checkpoint (text side
    at its initialisation) that stage 1 warm-starts from."""
    cfg = tiny_config(temporal="none", pooling=True, image_size=args.size, patch=args.patch,
                      width=args.width, depth=args.depth, stem=args.stem, stem_strides=args.stem_strides)
    G = cfg.vision.grid
    torch.manual_seed(args.seed)
    model = LiteVL(cfg)
    model.init_weights(torch.Generator().manual_seed(args.seed))
    aux = AuxHeads(cfg.vision.width)
    temp = nn.Parameter(torch.tensor(0.07))
    vit = model.visual_encoder
    opt = torch.optim.AdamW(param_groups(vit, 0.05) + [{"params": list(aux.parameters()), "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98))
    d = os.path.join(CKPT, args.run)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "last.pt")
    step, elapsed = 0, 0.0
    if os.path.exists(path):
        ck = torch.load(path, weights_only=False)
        model.load_state_dict(ck["model"]); aux.load_state_dict(ck["aux"]); opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
    fh = open(os.path.join(ROOT, "Training", "runs", args.run + ".log"), "a")
    log(fh, f"stage0 run={args.run} step={step} cfg={json.dumps(cfg.to_dict()['vision'])}")
    model.train()
    t0 = time.time() - elapsed
    last_save = time.time()
    stats = defaultdict(float)
    while step < args.steps and (time.time() - t0) < args.minutes * 60:
        rng = random.Random(args.seed * 1000003 + 500000 + step)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr, args.warmup, (time.time() - t0) / (args.minutes * 60))
        xs, labs = [], []
        for _ in range(args.batch):
            scene = sample_scene(rng)
            frames, fr = clip_frames(scene, 1, args.size, rng, times=[rng.random()])
            xs.append(to_model_input(frames, args.size, rng))
            labs.append(torch.from_numpy(token_labels(scene, fr, G)))
        x, lab = torch.stack(xs), torch.stack(labs)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(args.bf16)):
            v, _ = vit(x)
        l_aux, ast = aux_loss(aux, v.float(), lab, ("color", "shape"))
        l_os, ast["objshape"] = obj_shape_loss(aux, v.float(), lab)
        loss = l_aux + l_os
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vit.parameters(), 5.0)
        opt.step()
        step += 1
        for k2, (c, n) in ast.items():
            stats["tok_" + k2] += c / max(n, 1)
        stats["loss"] += float(loss)
        stats["n"] += 1
        if step % args.log_every == 0:
            stats = log_stats(fh, "s0", step, t0, opt, stats)
        if time.time() - last_save > args.save_every:
            save_ckpt(path, model, aux, {"temp": temp}, opt, step, time.time() - t0, args, cfg)
            last_save = time.time()
    save_ckpt(path, model, aux, {"temp": temp}, opt, step, time.time() - t0, args, cfg)
    log(fh, f"stage0 done step={step} elapsed={time.time()-t0:.0f}s")


# ------------------------------------------------------------------------------ stage 1 ------

def run_stage1(args):
    cfg = tiny_config(temporal="none", pooling=True, image_size=args.size, patch=args.patch,
                      width=args.width, depth=args.depth, stem=args.stem, stem_strides=args.stem_strides)
    G = cfg.vision.grid
    torch.manual_seed(args.seed)
    model = LiteVL(cfg)
    model.init_weights(torch.Generator().manual_seed(args.seed))
    aux = AuxHeads(cfg.vision.width)
    temp = nn.Parameter(torch.tensor(0.07))
    tok = Tok()
    params = param_groups(model, 0.05) + [{"params": list(aux.parameters()) + [temp], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98))
    d = os.path.join(CKPT, args.run)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "last.pt")
    step, elapsed = 0, 0.0
    if os.path.exists(path):
        ck = torch.load(path, weights_only=False)
        model.load_state_dict(ck["model"]); aux.load_state_dict(ck["aux"], strict=False)
        temp.data.copy_(ck["extra"]["temp"]); opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
    elif args.init:
        # warm start from another stage-1 checkpoint: every tensor whose name and shape match
        ck = torch.load(args.init, weights_only=False)
        own = model.state_dict()
        n = 0
        for k, v in ck["model"].items():
            if k in own and own[k].shape == v.shape:
                own[k].copy_(v); n += 1
        model.load_state_dict(own)
        aux.load_state_dict(ck["aux"], strict=False)
        temp.data.copy_(ck["extra"]["temp"])
        print(f"warm start from {args.init}: {n}/{len(own)} tensors", flush=True)
    fh = open(os.path.join(ROOT, "Training", "runs", args.run + ".log"), "a")
    log(fh, f"stage1 run={args.run} step={step} elapsed={elapsed:.0f}s params={sum(p.numel() for p in model.parameters())/1e6:.2f}M cfg={json.dumps(cfg.to_dict()['vision'])}")
    # caption vocabulary for the restricted captioning softmax
    words = ("a an and on the in at of left right top bottom middle background empty , circle square triangle red green blue yellow "
             "black gray white brown navy purple teal beige pink").split()
    cap_vocab = sorted({i for w in words for i in tok.tk.encode(w, add_special_tokens=False).ids} | {tok.sep})
    cap_map = torch.full((30524,), -100, dtype=torch.long)
    cap_map[torch.tensor(cap_vocab)] = torch.arange(len(cap_vocab))
    cap_vocab_t = torch.tensor(cap_vocab)
    prompt_ids = tok.ids(PROMPT)
    model.train()
    t0 = time.time() - elapsed
    last_save = time.time()
    stats = defaultdict(float)
    B = args.batch
    while step < args.steps and (time.time() - t0) < args.minutes * 60:
        rng = random.Random(args.seed * 1000003 + step)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr, args.warmup, (time.time() - t0) / (args.minutes * 60))
        xs, labs, caps, negs = [], [], [], []
        for _ in range(B):
            scene = sample_scene(rng)
            f = rng.random()
            frames, fr = clip_frames(scene, 1, args.size, rng, times=[f])
            xs.append(to_model_input(frames, args.size, rng))
            labs.append(torch.from_numpy(token_labels(scene, fr, G)))
            parts = caption_parts(scene, f)
            caps.append(caption_text(parts, scene.bg_name))
            neg = None
            for _t in range(5):
                neg = hard_negative(parts, scene.bg_name, rng)
                if neg and neg != caps[-1]:
                    break
            negs.append(neg if neg and neg != caps[-1] else None)
        x = torch.stack(xs)                      # [B, 1, 3, S, S]
        lab = torch.stack(labs)
        ac = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(args.bf16))
        ac.__enter__()
        v, _ = model.encode_video(x)
        # dense
        l_aux, ast = aux_loss(aux, v, lab, ("color", "shape"))
        if args.obj_shape_weight > 0:
            l_os, ast["objshape"] = obj_shape_loss(aux, v, lab)
            l_aux = l_aux + args.obj_shape_weight * l_os
        # ITC
        cids, cmask = tok.batch([tok.ids(c) for c in caps])
        q, _, _ = model.encode_text(cids, cmask)
        img = model.video_feature(v)
        t = temp.clamp(0.001, 0.5)
        sim = img @ q.t() / t
        same = torch.tensor([[caps[i] == caps[j] for j in range(B)] for i in range(B)], dtype=torch.float)
        tgt = same / same.sum(1, keepdim=True)
        l_itc = 0.5 * (-(F.log_softmax(sim, 1) * tgt).sum(1).mean() - (F.log_softmax(sim.t(), 1) * tgt).sum(1).mean())
        # ITM: positives, hard negatives, in-batch negatives by similarity
        with torch.no_grad():
            w = F.softmax(sim.detach(), 1) * (1 - same) + 1e-6 * (1 - same)
        itm_texts, itm_img, itm_y = [], [], []
        for i in range(B):
            itm_texts.append(caps[i]); itm_img.append(i); itm_y.append(1)
            if negs[i]:
                itm_texts.append(negs[i]); itm_img.append(i); itm_y.append(0)
            if (1 - same[i]).sum() > 0:
                j = int(torch.multinomial(w[i], 1))
                itm_texts.append(caps[j]); itm_img.append(i); itm_y.append(0)
        iids, imask = tok.batch([tok.ids(c) for c in itm_texts])
        states, _ = encode_question_fast(model, v, torch.tensor(itm_img), iids, imask)
        itm_logits = model.itm_head(states[:, 0])
        itm_y_t = torch.tensor(itm_y)
        l_itm = F.cross_entropy(itm_logits, itm_y_t)
        # captioning LM through the answer decoder (question = fixed prompt)
        pids, pmask = tok.batch([prompt_ids] * B)
        pstates, _ = encode_question_fast(model, v, torch.arange(B), pids, pmask)
        aids, amask = tok.batch([[tok.dec] + tok.ids(c)[1:] for c in caps])
        h, _ = model.text_decoder.bert(aids, amask, pstates, pmask, causal=True)
        hh = model.text_decoder.cls.predictions.transform(h[:, :-1])
        W = model.text_decoder.cls.predictions.decoder.weight[cap_vocab_t]
        bias = model.text_decoder.cls.predictions.bias[cap_vocab_t]
        lm_logits = hh @ W.t() + bias
        lm_tgt = cap_map[aids[:, 1:]]
        l_lm = F.cross_entropy(lm_logits.reshape(-1, len(cap_vocab)), lm_tgt.reshape(-1), ignore_index=-100,
                               label_smoothing=0.1)
        loss = l_itc + l_itm + l_lm + args.aux_weight * l_aux
        ac.__exit__(None, None, None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        with torch.no_grad():
            stats["itc"] += float(l_itc); stats["itm"] += float(l_itm); stats["lm"] += float(l_lm); stats["aux"] += float(l_aux)
            stats["itm_acc"] += float((itm_logits.argmax(-1) == itm_y_t).float().mean())
            stats["itc_acc"] += float((sim.argmax(1) == torch.arange(B)).float().mean())
            lm_pred = lm_logits.argmax(-1)
            ok = lm_tgt != -100
            stats["lm_acc"] += float((lm_pred[ok] == lm_tgt[ok]).float().mean())
            for k2, (c, n) in ast.items():
                stats["tok_" + k2] += c / max(n, 1)
            stats["n"] += 1
        if step % args.log_every == 0 or step == args.steps:
            stats = log_stats(fh, "s1", step, t0, opt, stats, f"temp={float(temp.detach()):.3f} ")
        if time.time() - last_save > args.save_every:
            save_ckpt(path, model, aux, {"temp": temp}, opt, step, time.time() - t0, args, cfg)
            last_save = time.time()
    save_ckpt(path, model, aux, {"temp": temp}, opt, step, time.time() - t0, args, cfg)
    log(fh, f"stage1 done step={step} elapsed={time.time()-t0:.0f}s")


# ------------------------------------------------------------------------------ stage 2 ------

def retrieval_loss(model: LiteVL, tok: Tok, v: torch.Tensor, scenes, rng: random.Random, temp: torch.Tensor):
    """Text-video retrieval on the batch's clips (issue 11): ITC with text-dependent temporal pooling
    (LiteVL.pooled_similarity) against in-batch clips, and ITM on the true query, a temporal hard
    negative (direction / appear vs disappear / the colour it turns) and an in-batch negative."""
    B = len(scenes)
    caps, negs = [], []
    for sc in scenes:
        q, idx = video_query(sc, rng)
        caps.append(q)
        n = video_hard_negative(sc, idx, rng)
        negs.append(n if n and n != q else None)
    cids, cmask = tok.batch([tok.ids(c) for c in caps])
    q, _, _ = model.encode_text(cids, cmask)
    t = temp.clamp(0.001, 0.5)
    sim = model.pooled_similarity(v, q) / t                                # [B text, B clips]
    same = torch.tensor([[caps[i] == caps[j] for j in range(B)] for i in range(B)], dtype=torch.float)
    tgt = same / same.sum(1, keepdim=True)
    l_itc = 0.5 * (-(F.log_softmax(sim, 1) * tgt).sum(1).mean() - (F.log_softmax(sim.t(), 1) * tgt).sum(1).mean())
    with torch.no_grad():
        w = F.softmax(sim.detach().t(), 1) * (1 - same.t()) + 1e-6 * (1 - same.t())   # clip i -> texts
    texts, clip, y = [], [], []
    for i in range(B):
        texts.append(caps[i]); clip.append(i); y.append(1)
        if negs[i]:
            texts.append(negs[i]); clip.append(i); y.append(0)
        if (1 - same[:, i]).sum() > 0:
            j = int(torch.multinomial(w[i], 1))
            texts.append(caps[j]); clip.append(i); y.append(0)
    ids, mask = tok.batch([tok.ids(c) for c in texts])
    states, _ = encode_question_fast(model, v, torch.tensor(clip), ids, mask)
    logits = model.itm_head(states[:, 0])
    y_t = torch.tensor(y)
    l_itm = F.cross_entropy(logits, y_t)
    with torch.no_grad():
        st = {"ret_itc": float(l_itc), "ret_itm": float(l_itm),
              "ret_itc_acc": float((sim.argmax(1) == torch.arange(B)).float().mean()),
              "ret_itm_acc": float((logits.argmax(-1) == y_t).float().mean())}
    return l_itc + l_itm, st


def run_stage2(args):
    cfg = tiny_config(temporal=args.temporal, pooling=not args.no_pool, image_size=args.size, patch=args.patch,
                      width=args.width, depth=args.depth, num_frames=args.frames, stem=args.stem,
                      stem_strides=args.stem_strides, text_hidden=args.text_hidden, text_heads=args.text_heads)
    G = cfg.vision.grid
    torch.manual_seed(args.seed)
    model = LiteVL(cfg)
    model.init_weights(torch.Generator().manual_seed(args.seed))
    aux = AuxHeads(cfg.vision.width)
    temp = nn.Parameter(torch.tensor(0.07))     # ITC temperature of the retrieval loss
    tok = Tok()
    d = os.path.join(CKPT, args.run)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "last.pt")
    step, elapsed = 0, 0.0
    fh = open(os.path.join(ROOT, "Training", "runs", args.run + ".log"), "a")
    taux = TimeAuxHeads(cfg.vision.width) if args.time_aux > 0 else None
    track = TrackAuxHead(cfg.vision.width) if args.track_aux > 0 else None
    optional = {k: m for k, m in (("time_aux", taux), ("track_aux", track)) if m is not None}   # saved under "extra"
    resume = os.path.exists(path)
    if not resume and args.init_stage2:
        # continue a finished stage-2 run under a new recipe: weights and heads, fresh optimizer and schedule
        ck = torch.load(args.init_stage2, weights_only=False)
        if args.text_init or args.text_hidden != ck["config"]["text"]["hidden"]:   # a new text side: keep what fits
            own = model.state_dict()
            text = ("text_encoder.", "text_decoder.", "text_proj.", "itm_head.")
            kept = {k: v for k, v in ck["model"].items()
                    if not k.startswith(text) and k in own and own[k].shape == v.shape}
            model.load_state_dict(kept, strict=False)
            log(fh, f"kept {len(kept)} of {len(ck['model'])} tensors; the text side is replaced")
        else:
            model.load_state_dict(ck["model"])
        aux.load_state_dict(ck["aux"], strict=False)
        for k, m in optional.items():                      # optional heads the checkpoint has
            if k in ck.get("extra", {}):
                m.load_state_dict(ck["extra"][k])
        if "temp" in ck.get("extra", {}):
            temp.data.copy_(ck["extra"]["temp"])
        log(fh, f"continue from stage-2 checkpoint {args.init_stage2} (step {ck['step']})")
    elif not resume and args.init:
        ck = torch.load(args.init, weights_only=False)
        n = init_stage2_from(model, ck["model"])
        aux.load_state_dict(ck["aux"], strict=False)
        if "temp" in ck.get("extra", {}):
            temp.data.copy_(ck["extra"]["temp"])
        log(fh, f"init from {args.init}: {n} tensors (stage-1 step {ck['step']})")
    if not resume and args.text_init:
        n = init_text_from_bert(model, args.text_init,
                                [int(i) for i in args.text_init_layers.split(",")] if args.text_init_layers else None)
        log(fh, f"text encoder and decoder from {args.text_init}: {n} tensors")
    heads = list(aux.parameters()) + [p for m in optional.values() for p in m.parameters()]
    if args.text_init and args.text_init_freeze_words:
        # the question's word table stays pre-trained: training would move only the rows of template words
        # and leave their synonyms (the words of paraphrases) behind
        model.text_encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    params = param_groups(model, 0.05) + [{"params": heads + [temp], "weight_decay": 0.0}]
    if args.text_init and args.text_init_lr_scale != 1.0:
        pre = {id(p) for p in bert_init_parameters(model).values()}
        split = []
        for g in params:                                   # each group in two: new weights, pre-trained ones
            rest = [p for p in g["params"] if id(p) not in pre]
            mine = [p for p in g["params"] if id(p) in pre]
            split += [dict(g, params=rest)] + ([dict(g, params=mine, lr_scale=args.text_init_lr_scale)] if mine else [])
        params = split
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98))
    if args.text_init:
        log(fh, f"text side: word table {'frozen' if args.text_init_freeze_words else 'trained'}, pre-trained "
                f"tensors at {args.text_init_lr_scale:g} x lr")
    if resume:
        ck = torch.load(path, weights_only=False)
        model.load_state_dict(ck["model"]); aux.load_state_dict(ck["aux"]); opt.load_state_dict(ck["opt"])
        for k, m in optional.items():
            m.load_state_dict(ck["extra"][k])
        if "temp" in ck.get("extra", {}):
            temp.data.copy_(ck["extra"]["temp"])
        step, elapsed = ck["step"], ck["elapsed"]
    extra = {"temp": temp, **optional}
    log(fh, f"stage2 run={args.run} temporal={args.temporal} pooling={not args.no_pool} step={step} elapsed={elapsed:.0f}s "
            f"params={sum(p.numel() for p in model.parameters())/1e6:.2f}M")
    val = ValSet(args.val_clips, args.frames, args.size, G)
    log(fh, f"val set: {len(val.items)} clips, {sum(len(i[3]) for i in val.items)} questions")
    model.train()
    t0 = time.time() - elapsed
    last_save = last_eval = time.time()
    stats = defaultdict(float)
    B, K = args.batch, args.questions
    which = ("color", "shape", "motion", "event", "final")
    weights = balance_weights(args.p_event) if args.balance else None
    if weights:
        for kv in args.boost:
            k2, f = kv.split("=")
            weights[k2] *= float(f)
        log(fh, "balanced questions: " + " ".join(f"{k}={v:.2f}" for k, v in sorted(weights.items())))
    stop = min(args.steps, args.stop_step or args.steps)
    while step < stop and (time.time() - t0) < args.minutes * 60:
        rng = random.Random(args.seed * 1000003 + step)
        for g in opt.param_groups:
            g["lr"] = g.get("lr_scale", 1.0) * lr_at(step, args.steps, args.lr, args.warmup,
                                                     (time.time() - t0) / (args.minutes * 60))
        xs, labs, qids, aids, cidx, scenes = [], [], [], [], [], []
        for b in range(B):
            scene, x, lab = make_clip(rng, args.frames, args.size, G, p_event=args.p_event)
            xs.append(x); labs.append(lab); scenes.append(scene)
            picked = pick_balanced(scene, rng, K, weights) if weights else pick_questions(scene, rng, K)
            for q in picked:
                qids.append(tok.ids(q["question"])); aids.append(tok.answer_ids(q["answer"])); cidx.append(b)
        x = torch.stack(xs)
        lab = torch.stack(labs)
        ac = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(args.bf16))
        ac.__enter__()
        v, ex = model.encode_video(x)
        l_aux, ast = aux_loss(aux, v, lab, which)
        if args.obj_shape_weight > 0:
            l_os, ast["objshape"] = obj_shape_loss(aux, v, lab)
            l_aux = l_aux + args.obj_shape_weight * l_os
        if taux is not None:
            l_t, tst = time_aux_loss(taux, v, lab)
            ast.update(tst)
            l_aux = l_aux + args.time_aux * l_t
        if track is not None:
            l_tr, ast["track"] = track_aux_loss(track, v, lab, G)
            l_aux = l_aux + args.track_aux * l_tr
        ids, mask = tok.batch(qids)
        a_ids, a_mask = tok.batch(aids)
        states, _ = encode_question_fast(model, v, torch.tensor(cidx), ids, mask)
        logits = model.decoder_logits(a_ids, a_mask, states, mask)[:, :-1]
        tgt = a_ids[:, 1:].masked_fill(a_ids[:, 1:] == 0, -100)
        l_vqa = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none",
                                label_smoothing=cfg.label_smoothing).view(tgt.shape).sum(1).mean()
        loss = l_vqa + args.aux_weight * l_aux
        if args.ret_weight > 0:
            l_ret, rst = retrieval_loss(model, tok, v, scenes, rng, temp)
            loss = loss + args.ret_weight * l_ret
        ac.__exit__(None, None, None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        with torch.no_grad():
            stats["vqa"] += float(l_vqa); stats["aux"] += float(l_aux)
            if args.ret_weight > 0:
                for k2, val2 in rst.items():
                    stats[k2] += val2
            stats["qa_acc"] += float((logits[:, 0].argmax(-1) == a_ids[:, 1]).float().mean())
            for k2, (c, n) in ast.items():
                stats["tok_" + k2] += c / max(n, 1)
            if ex["s"] is not None:
                for l in range(ex["s"].shape[1]):
                    stats[f"s{l}"] += float(ex["s"][:, l].mean())
            stats["n"] += 1
        if step % args.log_every == 0:
            stats = log_stats(fh, "s2", step, t0, opt, stats)
        if args.snapshot_every and step % args.snapshot_every == 0:
            torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "step": step,
                        "elapsed": time.time() - t0}, os.path.join(d, f"step{step}.pt"))
        if time.time() - last_eval > args.eval_every:
            acc, _ = evaluate_val(model, tok, val, args.frames)
            log(fh, f"VAL step {step} t={time.time()-t0:.0f}s {fmt_acc(acc)}")
            last_eval = time.time()
        if time.time() - last_save > args.save_every:
            save_ckpt(path, model, aux, extra, opt, step, time.time() - t0, args, cfg)
            last_save = time.time()
    save_ckpt(path, model, aux, extra, opt, step, time.time() - t0, args, cfg)
    acc, tot = evaluate_val(model, tok, val, args.frames)
    log(fh, f"VAL final step {step} t={time.time()-t0:.0f}s {fmt_acc(acc)} n={tot}")
    log(fh, f"stage2 done step={step} elapsed={time.time()-t0:.0f}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stage", choices=["stage0", "stage1", "stage2"])
    ap.add_argument("--run", required=True)
    ap.add_argument("--init", default=None, help="stage-1 checkpoint for stage 2 (omit: from scratch)")
    ap.add_argument("--init-stage2", default=None,
                    help="stage 2: continue a stage-2 checkpoint's weights with a fresh optimizer and schedule")
    ap.add_argument("--time-aux", type=float, default=0.0,
                    help="stage 2: weight (x aux-weight) of the per-token first/last-frame occupancy loss")
    ap.add_argument("--track-aux", type=float, default=0.0,
                    help="stage 2: weight (x aux-weight) of the per-object clip displacement loss (bundled recipe: 8, stage 2d)")
    ap.add_argument("--boost", action="append", default=[],
                    help="stage 2 with --balance: multiply a question key's weight, e.g. direction=2")
    ap.add_argument("--text-hidden", type=int, default=96, help="stage 2: width of the text encoder and decoder")
    ap.add_argument("--text-heads", type=int, default=4, help="stage 2: attention heads of the text encoder and decoder")
    ap.add_argument("--text-init", default=None,
                    help="stage 2: pre-trained BERT safetensors (e.g. all-MiniLM-L6-v2's model.safetensors) for the text "
                         "side's embeddings, self-attention and feed-forward (with --text-hidden/--text-heads to match)")
    ap.add_argument("--text-init-layers", default="", help="which of its layers, e.g. 0,2,4 (default: the first ones)")
    ap.add_argument("--text-init-freeze-words", action="store_true",
                    help="stage 2 with --text-init: keep the text encoder's word table as pre-trained (paraphrase words "
                         "the templates never use stay beside their synonyms)")
    ap.add_argument("--text-init-lr-scale", type=float, default=1.0,
                    help="stage 2 with --text-init: learning-rate factor for the pre-trained tensors (e.g. 0.25)")
    ap.add_argument("--temporal", default="dynamic", choices=["dynamic", "fixed", "none"])
    ap.add_argument("--no-pool", action="store_true")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--stop-step", type=int, default=0,
                    help="stage 2: stop at this step with the schedule of --steps/--minutes (ablations at a fixed step budget)")
    ap.add_argument("--minutes", type=float, default=1e9, help="wall-clock cap (counted across resumes)")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--questions", type=int, default=5, help="questions per clip (stage 2)")
    ap.add_argument("--balance", action="store_true",
                    help="stage 2: pick questions by inverse family frequency (vanish split by answer)")
    ap.add_argument("--p-event", type=float, default=0.6, help="stage 2: chance that an object has an event")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--patch", type=int, default=8)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--stem", default="", help="conv stem channels, e.g. 16,16 (default: none, BLIP's patch conv)")
    ap.add_argument("--stem-strides", default="", help="stride (1 or 2) of each stem layer, e.g. 1,2,1,2 (default: all 1)")
    ap.add_argument("--ret-weight", type=float, default=0.0, help="stage 2: weight of the text-video retrieval loss (ITC + ITM)")
    ap.add_argument("--aux-weight", type=float, default=0.5)
    ap.add_argument("--obj-shape-weight", type=float, default=0.0, help="pooled per-object shape loss (x aux-weight)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bf16", type=int, default=1, help="bfloat16 autocast for the forward pass (CPU)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--eval-every", type=float, default=300, help="seconds")
    ap.add_argument("--save-every", type=float, default=180, help="seconds")
    ap.add_argument("--val-clips", type=int, default=120)
    ap.add_argument("--snapshot-every", type=int, default=0, help="stage 2: keep model weights every N steps")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(os.path.join(ROOT, "Training", "runs"), exist_ok=True)
    args.stem = [int(c) for c in args.stem.split(",") if c]
    args.stem_strides = [int(c) for c in args.stem_strides.split(",") if c]
    if args.batch is None:
        args.batch = {"stage0": 32, "stage1": 48}.get(args.stage, 8)
    if args.stage == "stage0":
        run_stage0(args)
    elif args.stage == "stage1":
        run_stage1(args)
    else:
        run_stage2(args)


if __name__ == "__main__":
    main()
