"""Export a trained checkpoint to an engine model directory (docs/model.md "Files of a model directory").

  python3 Training/export.py Training/checkpoints/full/last.pt --out Assets/models/litevl-tiny \
      --card Training/model_card.md

Writes model.safetensors (float32, or float16 with --dtype f16 — the bundled models use f16 so that
both fit the 50 MB asset budget; the engine widens F16 to float32 at load; exactly the tensors LiteVL(config) has: training-only heads,
the ITC temperature and optimizer state are dropped), config.json, vocab.txt (Assets/vocab.txt,
30,522 lines; [DEC]=30522 and [ENC]=30523 are the config's special ids), answers.txt (the ShapesQA
answer list, one a line) and MODEL_CARD.md (copied from --card when given). Checks that the
directory reloads strictly and stays under 50 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT  # noqa: E402
from litevl_ref import LiteVL, LiteVLConfig  # noqa: E402
from shapesqa.world import ANSWERS  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--out", default=os.path.join(ROOT, "Assets", "models", "litevl-tiny"))
    ap.add_argument("--card", default=None)
    ap.add_argument("--name", default="LiteVL-tiny (ShapesQA v1)")
    ap.add_argument("--dtype", choices=["f32", "f16"], default="f32", help="storage type of the weights")
    args = ap.parse_args()
    from safetensors.torch import save_file, load_file
    ck = torch.load(args.checkpoint, weights_only=False)
    cfg = LiteVLConfig.from_dict(ck["config"])
    cfg.name = args.name
    model = LiteVL(cfg)
    model.load_state_dict(ck["model"], strict=True)
    dt = torch.float16 if args.dtype == "f16" else torch.float32
    sd = {k: v.detach().to(dt).contiguous().clone() for k, v in model.state_dict().items()}
    os.makedirs(args.out, exist_ok=True)
    save_file(sd, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    cfg.to_json(os.path.join(args.out, "config.json"))
    shutil.copyfile(os.path.join(ROOT, "Assets", "vocab.txt"), os.path.join(args.out, "vocab.txt"))
    with open(os.path.join(args.out, "answers.txt"), "w") as f:
        f.write("\n".join(ANSWERS) + "\n")
    os.chmod(os.path.join(args.out, "model.safetensors"), 0o644)
    if args.card:
        shutil.copyfile(args.card, os.path.join(args.out, "MODEL_CARD.md"))
    # reload check
    m2 = LiteVL(LiteVLConfig.from_json(os.path.join(args.out, "config.json")))
    m2.load_state_dict(load_file(os.path.join(args.out, "model.safetensors")), strict=True)
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"exported {len(sd)} tensors, {sum(v.numel() for v in sd.values())/1e6:.2f} M parameters "
          f"(step {ck['step']}) to {args.out}; directory {total/1e6:.1f} MB")
    assets = os.path.join(ROOT, "Assets")
    everything = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(assets) for f in fs)
    print(f"Assets/ now {everything/1e6:.1f} MB in all")
    assert total < 50e6, "model directory must stay under 50 MB"


if __name__ == "__main__":
    main()
