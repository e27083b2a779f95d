"""Confusion of the training-only per-token motion head of a stage-2 checkpoint on fresh clips.

    python3 Training/probe_motion.py Training/checkpoints/full3/last.pt [--clips 48] [--seed 11]

Rows: the true motion of the object under each patch token (still/left/right/up/down); columns: the
head's answer. docs/results.md uses it to show that the bundled model tells the axis of motion but
not its sign. For a checkpoint trained with --time-aux it also scores the first/last-frame occupancy
heads on the tokens where the answer differs from what the token itself shows (the patch looks
different in the first or last frame than now): only those need the frame order.
"""
import argparse
import os
import random
import sys
from collections import Counter

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import AuxHeads, TimeAuxHeads, occupancy_targets  # noqa: E402
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
    taux = None
    if "time_aux" in ck.get("extra", {}):
        taux = TimeAuxHeads(cfg.vision.width)
        taux.load_state_dict(ck["extra"]["time_aux"])
        taux.eval()
    occ = Counter()
    grid = cfg.vision.image_size // cfg.vision.patch_size
    rng = random.Random(args.seed)
    conf = Counter()
    with torch.no_grad():
        for start in range(0, args.clips, 8):
            clips = [make_clip(rng, cfg.vision.num_frames, cfg.vision.image_size, grid, train=False)
                     for _ in range(min(8, args.clips - start))]
            v, _ = model.encode_video(torch.stack([c[1] for c in clips]))
            full = torch.stack([c[2] for c in clips])
            lab = full[..., 2]
            if taux is not None:
                for name, y in occupancy_targets(full):
                    ok = getattr(taux, name)(v[:, :, 1:]).argmax(-1) == y
                    changed = y != full[..., 0]
                    occ[(name, "changed", "n")] += int(changed.sum())
                    occ[(name, "changed", "ok")] += int(ok[changed].sum())
                    occ[(name, "same", "n")] += int((~changed).sum())
                    occ[(name, "same", "ok")] += int(ok[~changed].sum())
            pred = aux.motion(v[:, :, 1:]).argmax(-1)
            for y, p in zip(lab[lab > 0].tolist(), pred[lab > 0].tolist()):
                conf[(y, p)] += 1
    print("| true \\ head | " + " | ".join(NAMES) + " |")
    print("|---|" + "---:|" * len(NAMES))
    for t in range(1, len(NAMES)):
        print(f"| {NAMES[t]} | " + " | ".join(str(conf[(t, q)]) for q in range(len(NAMES))) + " |")
    if taux is not None:
        print()
        for name in ("first", "last"):
            c, s_ = (occ[(name, k, "ok")] / max(1, occ[(name, k, "n")]) for k in ("changed", "same"))
            print(f"{name}-frame occupancy head: {c:.3f} on {occ[(name, 'changed', 'n')]} tokens whose patch differs "
                  f"then, {s_:.3f} on {occ[(name, 'same', 'n')]} that look the same")


if __name__ == "__main__":
    main()
