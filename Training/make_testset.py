"""Write a fresh ShapesQA test set as real video files (ffmpeg CLI, varied codecs) + manifest.jsonl.

  python3 Training/make_testset.py --out Training/data/testset --clips 110 --seed 777001
  python3 Training/make_testset.py --demo --out Assets/clips      # the bundled demo clips

manifest.jsonl lines: {"video": "clips/0000.mp4", "question": ..., "answer": ..., "family": ...}
(video relative to the manifest), the format `litevl eval` reads. scenes.jsonl keeps each clip's
scene description and codec. Seeds differ from training (training draws scenes from
random.Random(seed * 1000003 + step) with small seeds; validation uses 999).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapesqa.world import FAMILIES, Obj, Scene, questions, sample_color, sample_scene  # noqa: E402
from shapesqa.video import CODECS, write_video  # noqa: E402


def pick(qs, counts: Counter, rng: random.Random, k: int):
    """Up to k questions of distinct families, preferring the families with the fewest so far."""
    by = {}
    for q in qs:
        by.setdefault(q["family"], []).append(q)
    fams = sorted(by, key=lambda f: (counts[f], rng.random()))
    out = []
    for f in fams[:k]:
        q = rng.choice(by[f])
        counts[f] += 1
        out.append(q)
    return out


def make_testset(out: str, clips: int, seed: int, per_clip: int, max_side: int):
    os.makedirs(os.path.join(out, "clips"), exist_ok=True)
    rng = random.Random(seed)
    counts = Counter()
    codec_counts = Counter()
    with open(os.path.join(out, "manifest.jsonl"), "w") as man, open(os.path.join(out, "scenes.jsonl"), "w") as sc:
        for i in range(clips):
            # order and change questions need rare scene configurations: when one of them lags behind
            # the other families, draw a few scenes and keep the first that offers it
            scene = sample_scene(rng)
            need = [f for f in ("order", "change", "shape", "color") if counts[f] < min(counts[g] for g in FAMILIES) + 2]
            for _ in range(8):
                if not need or any(q["family"] in need for q in questions(scene)):
                    break
                scene = sample_scene(rng)
            # keep encoding time bounded on this machine: scale big frames down (aspect kept)
            s = min(1.0, max_side / max(scene.width, scene.height))
            scene.width = max(96, int(round(scene.width * s / 2)) * 2)
            scene.height = max(96, int(round(scene.height * s / 2)) * 2)
            codec = CODECS[i % len(CODECS)]
            name = f"clips/{i:04d}.{codec[1]}"
            n = write_video(scene, os.path.join(out, name), codec, seed=seed + i)
            codec_counts[codec[0]] += 1
            for q in pick(questions(scene), counts, rng, per_clip):
                man.write(json.dumps({"video": name, "question": q["question"], "answer": q["answer"],
                                      "family": q["family"]}) + "\n")
            sc.write(json.dumps({"video": name, "codec": codec[0], "frames": n, "scene": scene.to_dict()}) + "\n")
            if (i + 1) % 10 == 0:
                print(f"{i + 1}/{clips} clips, questions per family: {dict(counts)}", flush=True)
    print("codecs:", dict(codec_counts))
    print("questions:", sum(counts.values()), dict(counts))


def demo_scenes():
    """Four hand-made demo scenes (320x240, 4 s, 25 fps): a colour change, a disappearance, motion,
    and an appearance."""
    r = random.Random(5)

    def sc(objs, bg=("black", (10, 10, 14))):
        return Scene(objs, 320, 240, 4.0, 25.0, bg[0], bg[1], 2.0, (0.0, 0.0, 0.0), True)

    def o(shape, color, x, y, size=0.22, motion="none", speed=0.0, event="none", t=0.0, color2=None, down=False):
        return Obj(shape, color, sample_color(color, r), size, x, y, motion, speed, event, t, color2,
                   sample_color(color2, r) if color2 else None, down)

    return [
        ("demo_color_change", sc([o("circle", "red", 0.3, 0.5, event="change", t=0.5, color2="blue"),
                                  o("square", "yellow", 0.72, 0.3)])),
        ("demo_disappear", sc([o("triangle", "green", 0.25, 0.35, event="disappear", t=0.55),
                               o("circle", "yellow", 0.7, 0.65, size=0.2)], bg=("gray", (120, 120, 125)))),
        ("demo_motion", sc([o("square", "blue", 0.2, 0.25, motion="right", speed=0.6),
                            o("triangle", "red", 0.3, 0.85, size=0.2, motion="up", speed=0.36, down=False)],
                           bg=("white", (240, 240, 240)))),
        ("demo_appear", sc([o("square", "green", 0.3, 0.6), o("circle", "red", 0.72, 0.4, event="appear", t=0.4),
                            o("triangle", "blue", 0.5, 0.2, size=0.18, motion="left", speed=0.4)],
                           bg=("navy", (20, 25, 80)))),
    ]


def make_demo(out: str):
    os.makedirs(out, exist_ok=True)
    codec = CODECS[0]
    lines = []
    for i, (name, scene) in enumerate(demo_scenes()):
        path = os.path.join(out, name + ".mp4")
        write_video(scene, path, codec, seed=4242 + i)
        qs = questions(scene)
        prio = ["change", "vanish", "direction", "order", "count", "shape", "color", "moving"]
        chosen = []
        for fam in prio:
            cand = [q for q in qs if q["family"] == fam]
            if fam == "vanish":
                cand = [q for q in cand if q["answer"] == "yes"] or cand[:1]
            if fam == "direction":
                cand = [q for q in cand if q["answer"] != "none"] or cand[:1]
            chosen += cand[:1]
        for q in chosen[:5]:
            lines.append({"video": name + ".mp4", "question": q["question"], "answer": q["answer"],
                          "family": q["family"]})
        print(path, os.path.getsize(path), "bytes")
    with open(os.path.join(out, "demo.jsonl"), "w") as f:
        for l in lines:
            f.write(json.dumps(l) + "\n")
    print(len(lines), "demo questions")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "testset"))
    ap.add_argument("--clips", type=int, default=110)
    ap.add_argument("--per-clip", type=int, default=4)
    ap.add_argument("--seed", type=int, default=777001)
    ap.add_argument("--max-side", type=int, default=720)
    ap.add_argument("--demo", action="store_true")
    args = ap.parse_args()
    if args.demo:
        make_demo(args.out)
    else:
        make_testset(args.out, args.clips, args.seed, args.per_clip, args.max_side)


if __name__ == "__main__":
    main()
