#!/usr/bin/env python3
"""Write a full-size, randomly initialised LiteVL model directory (for benchmarks only).

    python3 Training/make_random_model.py --preset blip-base --out /tmp/litevl-base

Writes model.safetensors (init_weights() with a seeded torch generator: BLIP-like trunc-normal
0.02, LayerNorm 1/0, temporal_scaling and temporal_embed zero, temporal_attn copied from attn),
config.json and, when the bert-base-uncased vocabulary is found, vocab.txt. Not committed:
BLIP-base LiteVL is ~413 M parameters, ~1.65 GB in float32 (--dtype float16 halves it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from litevl_ref import LiteVL, blip_base_config  # noqa: E402

DEFAULT_VOCAB = "/work/shared/vocab/bert-base-uncased-vocab.txt"
PRESETS = {
    "blip-base": lambda a: blip_base_config(num_frames=a.num_frames, image_size=a.image_size, temporal=a.temporal),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="blip-base")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-frames", type=int, default=8)
    ap.add_argument("--image-size", type=int, default=224)
    ap.add_argument("--temporal", choices=["dynamic", "fixed", "none"], default="dynamic")
    ap.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], default="float32")
    ap.add_argument("--vocab", default=DEFAULT_VOCAB, help="vocab.txt to copy (skipped if missing)")
    args = ap.parse_args()

    t0 = time.time()
    cfg = PRESETS[args.preset](args)
    cfg.name = f"LiteVL-{args.preset}-random-seed{args.seed}"
    torch.manual_seed(args.seed)
    with torch.no_grad():
        model = LiteVL(cfg)
        model.init_weights(torch.Generator().manual_seed(args.seed))
    dtype = getattr(torch, args.dtype)
    tensors = {k: v.detach().to(dtype).contiguous().clone() for k, v in model.state_dict().items()}
    n_params = sum(v.numel() for v in tensors.values())
    os.makedirs(args.out, exist_ok=True)
    save_file(tensors, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    cfg.to_json(os.path.join(args.out, "config.json"))
    if args.vocab and os.path.exists(args.vocab):
        shutil.copyfile(args.vocab, os.path.join(args.out, "vocab.txt"))
    size = os.path.getsize(os.path.join(args.out, "model.safetensors"))
    print(f"{args.out}: {n_params / 1e6:.1f} M parameters, model.safetensors {size / 1e9:.2f} GB, "
          f"{time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
