"""Confusion of the training-only per-token motion head of a stage-2 checkpoint on fresh clips.

    python3 Training/probe_motion.py Training/checkpoints/full3/last.pt [--clips 48] [--seed 11]

Rows: the true motion of the object under each patch token (still/left/right/up/down); columns: the
head's answer. docs/results.md uses it to show that the bundled model tells the axis of motion but
not its sign.
"""
import argparse
import os
import random
import sys
from collections import Counter

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import AuxHeads  # noqa: E402
from litevl_ref import LiteVL, LiteVLConfig  # noqa: E402
from train import make_clip  # noqa: E402

NAMES = ["bg", "still", "left", "right", "up", "down"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--clips", type=int, default=48)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint, weights_only=False)
    cfg = LiteVLConfig.from_dict(ck["config"])
    model = LiteVL(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    aux = AuxHeads(cfg.vision.width)
    aux.load_state_dict(ck["aux"])
    aux.eval()
    grid = cfg.vision.image_size // cfg.vision.patch_size
    rng = random.Random(args.seed)
    conf = Counter()
    with torch.no_grad():
        for start in range(0, args.clips, 8):
            clips = [make_clip(rng, cfg.vision.num_frames, cfg.vision.image_size, grid, train=False)
                     for _ in range(min(8, args.clips - start))]
            v, _ = model.encode_video(torch.stack([c[1] for c in clips]))
            lab = torch.stack([c[2] for c in clips])[..., 2]
            pred = aux.motion(v[:, :, 1:]).argmax(-1)
            for y, p in zip(lab[lab > 0].tolist(), pred[lab > 0].tolist()):
                conf[(y, p)] += 1
    print("| true \\ head | " + " | ".join(NAMES) + " |")
    print("|---|" + "---:|" * len(NAMES))
    for t in range(1, len(NAMES)):
        print(f"| {NAMES[t]} | " + " | ".join(str(conf[(t, q)]) for q in range(len(NAMES))) + " |")


if __name__ == "__main__":
    main()
