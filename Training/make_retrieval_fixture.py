#!/usr/bin/env python3
"""Write the text-to-video retrieval parity fixture: Tests/LiteVLTests/Fixtures/retrieval/.

    python3 Training/make_retrieval_fixture.py       # a few seconds on CPU, no network

Uses the tiny_dynamic fixture model (its config.json and recipe.json, written by make_fixtures.py)
on three random clips and three token-id queries, and stores, computed in float64 with the
reference:
  videos            [C, T, 3, S, S] normalised clips (clip 0 is tiny_dynamic's own video)
  query_ids         [Q, L] int64, [CLS] first, no padding (all queries have length L)
  q                 [Q, E] text features
  frame_embeddings  [C, T, E] normalize(vision_proj(V[t, 0]))
  pooled_similarity [Q, C] LiteVL.pooled_similarity (docs/retrieval.md)
  frame_weights     [Q, C, T] its softmax_t(u_t . q / tau)
  itm_logits        [Q, C, 2] itm_head on the [ENC] state with the memory built for the query
  itm_probability   [Q, C] softmax(itm_logits)[..., 1]
The Swift test (Tests/LiteVLTests/RetrievalParityTests.swift) compares with atol 1e-4.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from litevl_ref import LiteVL, LiteVLConfig  # noqa: E402
from litevl_ref import recipe as R  # noqa: E402

ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "Tests", "LiteVLTests", "Fixtures")
SOURCE = os.path.join(FIXTURES, "tiny_dynamic")
OUT = os.path.join(FIXTURES, "retrieval")
CLIPS, QUERIES, LENGTH = 3, 3, 7


def main():
    torch.set_num_threads(1)
    cfg = LiteVLConfig.from_json(os.path.join(SOURCE, "config.json"))
    recipe = R.load_recipe(os.path.join(SOURCE, "recipe.json"))
    model = LiteVL(cfg).eval()
    R.load_into(model, recipe)
    model = model.double()

    from safetensors.torch import load_file
    base = load_file(os.path.join(SOURCE, "inputs_outputs.safetensors"))["video"].double()
    T, S = base.shape[0], cfg.vision.image_size
    g = torch.Generator().manual_seed(4242)
    videos = [base] + [torch.randn(T, 3, S, S, generator=g, dtype=torch.float64) for _ in range(CLIPS - 1)]
    videos = torch.stack(videos)                                          # [C, T, 3, S, S]

    st = cfg.special_tokens
    rng = np.random.default_rng(4243)
    ids = torch.tensor([[st.cls, *rng.integers(200, 990, size=LENGTH - 2).tolist(), st.sep] for _ in range(QUERIES)])
    mask = torch.ones_like(ids)

    with torch.no_grad():
        v, _ = model.encode_video(videos)                                 # [C, T, 1+N, D]
        q, _, _ = model.encode_text(ids, mask)                            # [Q, E]
        sim = model.pooled_similarity(v, q)                               # [Q, C]
        u = torch.nn.functional.normalize(model.vision_proj(v[:, :, 0]), dim=-1, eps=1e-12)
        weights = (torch.einsum("vte,qe->qvt", u, q) / cfg.pooling.tau).softmax(-1)
        logits = torch.zeros(QUERIES, CLIPS, 2, dtype=torch.float64)
        for i in range(QUERIES):
            logits[i] = model.itm_logits(v, ids[i:i + 1].expand(CLIPS, -1), mask[i:i + 1].expand(CLIPS, -1))
        prob = logits.softmax(-1)[..., 1]

    os.makedirs(OUT, exist_ok=True)
    tensors = {"videos": videos.float().contiguous(), "query_ids": ids, "q": q.float(),
               "frame_embeddings": u.float().contiguous(), "pooled_similarity": sim.float(),
               "frame_weights": weights.float().contiguous(), "itm_logits": logits.float(), "itm_probability": prob.float()}
    save_file(tensors, os.path.join(OUT, "retrieval.safetensors"))
    meta = {"source_case": "tiny_dynamic", "clips": CLIPS, "queries": QUERIES, "frames": T, "tau": cfg.pooling.tau,
            "note": "weights = tiny_dynamic's recipe; reference in float64, stored as float32",
            "best_clip_per_query": sim.argmax(-1).tolist()}
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"pooled_similarity:\n{sim.numpy()}\nitm_probability:\n{prob.numpy()}")


if __name__ == "__main__":
    main()
