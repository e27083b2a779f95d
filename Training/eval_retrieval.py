"""Text-to-video retrieval on a fresh ShapesQA gallery (issue 11): R@1/5/10 for each model.

  python3 Training/make_testset.py --out Training/data/gallery --clips 100 --seed 888001
  python3 Training/eval_retrieval.py Training/data/gallery --model Assets/models/litevl-tiny \
      --model Assets/models/litevl-tiny-notemp --json Training/runs/retrieval.json

One query per clip: the clip's own caption (Training/shapesqa/world.py `video_caption`: every object
with its colour at the start, shape, motion and event, e.g. "a red circle moving left and a blue
square that disappears"). Frames are read like the Swift engine (evaluate.read_frames); the score is
LiteVL.pooled_similarity (ITC with text-dependent temporal pooling); "+ITM" re-ranks each query's
top 10 by the ITM match probability. Queries are split into those that mention motion or an event
("moving", "appears", "disappears", "turns") and the rest ("standing still" only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Tok, encode_question_fast  # noqa: E402
from evaluate import load_model  # noqa: E402
from shapesqa.render import MEAN, STD  # noqa: E402
from shapesqa.video import read_frames  # noqa: E402
from shapesqa.world import Obj, Scene, video_caption  # noqa: E402


def load_gallery(root: str):
    items = []
    for line in open(os.path.join(root, "scenes.jsonl")):
        if not line.strip():
            continue
        d = json.loads(line)
        sd = dict(d["scene"])
        sd["objects"] = [Obj(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in o.items()}) for o in sd["objects"]]
        for k in ("bg_rgb", "gradient"):
            sd[k] = tuple(sd[k])
        items.append((os.path.join(root, d["video"]), Scene(**sd)))
    return items


def recall(ranks, ks=(1, 5, 10)):
    r = np.array(ranks)
    return {f"R@{k}": float((r < k).mean()) if len(r) else float("nan") for k in ks}


@torch.no_grad()
def run(model, cfg, gallery, rerank: int = 10):
    tok = Tok()
    T, S = cfg.vision.num_frames, cfg.vision.image_size
    feats = []
    for path, _ in gallery:
        fr = read_frames(path, T, S).astype(np.float32) / 255.0
        x = torch.from_numpy((fr - MEAN) / STD).permute(0, 3, 1, 2)[None].float()
        v, _ = model.encode_video(x)
        feats.append(v)
    V = torch.cat(feats)                                             # [G, T, 1+N, D]
    queries = [video_caption(sc) for _, sc in gallery]
    temporal = [any(w in q for w in ("moving", "appears", "disappears", "turns")) for q in queries]
    ids, mask = tok.batch([tok.ids(q, cfg.max_question_tokens) for q in queries])
    q, _, _ = model.encode_text(ids, mask)
    sim = model.pooled_similarity(V, q)                              # [Q, G]
    itc_ranks, itm_ranks = [], []
    for i in range(len(queries)):
        order = sim[i].argsort(descending=True)
        itc_ranks.append(int((order == i).nonzero()[0, 0]))
        top = order[:rerank]
        qi, mi = tok.batch([tok.ids(queries[i], cfg.max_question_tokens)] * len(top))
        states, _ = encode_question_fast(model, V, top, qi, mi)
        p = model.itm_head(states[:, 0]).softmax(-1)[:, 1]
        reranked = torch.cat([top[p.argsort(descending=True)], order[rerank:]])
        itm_ranks.append(int((reranked == i).nonzero()[0, 0]))
    out = {}
    for name, ranks in (("itc", itc_ranks), ("itc+itm", itm_ranks)):
        out[name] = {"all": recall(ranks),
                     "motion_or_event": recall([r for r, t in zip(ranks, temporal) if t]),
                     "static": recall([r for r, t in zip(ranks, temporal) if not t])}
    out["queries"] = {"all": len(queries), "motion_or_event": sum(temporal), "static": len(queries) - sum(temporal)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gallery")
    ap.add_argument("--model", action="append", required=True, help="model dir or checkpoint (repeatable)")
    ap.add_argument("--rerank", type=int, default=10)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    gallery = load_gallery(args.gallery)
    results = {}
    for m in args.model:
        model, cfg, _ = load_model(m)
        r = run(model, cfg, gallery, args.rerank)
        results[m] = r
        for name in ("itc", "itc+itm"):
            for split in ("all", "motion_or_event", "static"):
                rr = r[name][split]
                print(f"{m:40s} {name:8s} {split:16s} n={r['queries'][split]:3d} "
                      + " ".join(f"{k}={v:.2f}" for k, v in rr.items()), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
