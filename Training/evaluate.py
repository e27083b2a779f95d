"""Evaluate a LiteVL model (training checkpoint or exported model directory) on a manifest of real
video files, the way `litevl eval` does: frames sampled like the Swift decoder (ffmpeg bicubic to
SxS, middles of T equal segments), the reference model in float32, BLIP's rank_answer over the
answer list. Prints accuracy per family; --json writes the `litevl eval --json` schema plus the
per-question predictions.

  python3 Training/evaluate.py Training/data/testset/manifest.jsonl --model Assets/models/litevl-tiny
  python3 Training/evaluate.py Training/data/testset/manifest.jsonl --model Training/checkpoints/full/last.pt --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Tok  # noqa: E402
from litevl_ref import LiteVL, LiteVLConfig  # noqa: E402
from shapesqa.world import ANSWERS, FAMILIES  # noqa: E402
from shapesqa.video import read_frames  # noqa: E402
from shapesqa.render import MEAN, STD  # noqa: E402


def load_model(path: str):
    if os.path.isdir(path):
        from safetensors.torch import load_file
        cfg = LiteVLConfig.from_json(os.path.join(path, "config.json"))
        model = LiteVL(cfg)
        model.load_state_dict(load_file(os.path.join(path, "model.safetensors")), strict=True)
        answers = ANSWERS
        ap = os.path.join(path, "answers.txt")
        if os.path.exists(ap):
            answers = [l.strip() for l in open(ap) if l.strip()]
    else:
        ck = torch.load(path, weights_only=False)
        cfg = LiteVLConfig.from_dict(ck["config"])
        model = LiteVL(cfg)
        model.load_state_dict(ck["model"], strict=True)
        answers = ANSWERS
    return model.eval(), cfg, answers


@torch.no_grad()
def evaluate(model, cfg, answers, manifest: str, limit: int = 0):
    tok = Tok()
    base = os.path.dirname(os.path.abspath(manifest))
    items = [json.loads(l) for l in open(manifest) if l.strip()]
    if limit:
        items = items[:limit]
    by_video = defaultdict(list)
    for it in items:
        by_video[it["video"]].append(it)
    ans_ids = [tok.answer_ids(a) for a in answers]
    T, S = cfg.vision.num_frames, cfg.vision.image_size
    corr, tot = defaultdict(int), defaultdict(int)
    preds = []
    s_sum, n_vid = None, 0
    for vid, qs in by_video.items():
        fr = read_frames(os.path.join(base, vid), T, S).astype(np.float32) / 255.0
        x = torch.from_numpy((fr - MEAN) / STD).permute(0, 3, 1, 2)[None].float()
        v, ex = model.encode_video(x)
        if ex["s"] is not None:
            s_sum = ex["s"][0].clone() if s_sum is None else s_sum + ex["s"][0]
            n_vid += 1
        for it in qs:
            ids, mask = tok.batch([tok.ids(it["question"], cfg.max_question_tokens)])
            enc = model.encode_question(v, ids, mask)
            r = model.rank_answer(enc["question_states"], mask, ans_ids, k=128)
            pred = answers[r["best"]]
            ok = pred == it["answer"]
            fam = it.get("family", "all")
            corr[fam] += ok; tot[fam] += 1
            corr["all"] += ok; tot["all"] += 1
            preds.append({**it, "prediction": pred})
    res = {"accuracy": corr["all"] / max(1, tot["all"]), "count": tot["all"],
           "families": {f: {"accuracy": corr[f] / tot[f], "count": tot[f]} for f in tot if f != "all"},
           "mean_s": (s_sum / n_vid).tolist() if n_vid else None}
    return res, preds


def table(res, name="model"):
    fams = [f for f in FAMILIES if f in res["families"]]
    head = "| model | " + " | ".join(fams) + " | overall |"
    sep = "|---" * (len(fams) + 2) + "|"
    row = f"| {name} | " + " | ".join(f"{res['families'][f]['accuracy']:.3f}" for f in fams) + f" | {res['accuracy']:.3f} |"
    return "\n".join([head, sep, row])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--model", required=True)
    ap.add_argument("--json", default=None)
    ap.add_argument("--name", default=None)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t = time.time()
    model, cfg, answers = load_model(args.model)
    res, preds = evaluate(model, cfg, answers, args.manifest, args.limit)
    res["model"] = args.model
    res["seconds"] = time.time() - t
    print(table(res, args.name or os.path.basename(os.path.dirname(args.model.rstrip("/"))) or args.model))
    print("counts:", {f: v["count"] for f, v in res["families"].items()}, "total", res["count"])
    if res["mean_s"]:
        print("mean s_l per layer:", " ".join(f"{s:+.3f}" for s in res["mean_s"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**res, "predictions": preds}, f, indent=1)


if __name__ == "__main__":
    main()
