"""A second ShapesQA renderer that training never saw: ffmpeg's own `geq` filter draws every frame.

  python3 Training/render_geq.py --out Training/data/testset_geq --clips 80 --seed 999001

Scenes and questions come from the spec's world model (shapesqa/world.py `sample_scene`, `questions`),
but pixels do not come from shapesqa/render.py: the frames are computed by ffmpeg's `geq` expressions
inside the encoder's filter graph, with their own geometry (circle of diameter = size; square of side
0.88 x size; triangle of base = size and height 0.87 x size), hard edges (no anti-aliasing), a flat
background with no noise or gradient, sizes capped at 256 px on the long side (geq is slow), then libx264 or mpeg4.
Writes manifest.jsonl (the `litevl eval` format, --per-clip questions per clip balanced over families like
make_testset.py), manifest_all.jsonl (every spec question of every clip; docs/results.md scores this one, on
`--clips 31`) and scenes.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_testset import pick  # noqa: E402
from shapesqa.world import questions, sample_scene  # noqa: E402


def _mask(o, W: int, H: int, dur: float) -> str:
    m = min(W, H) * o.size
    f = f"(T/{dur:.6f})"
    dx = {"left": -1, "right": 1}.get(o.motion, 0) * o.speed
    dy = {"up": -1, "down": 1}.get(o.motion, 0) * o.speed
    cx = f"(({o.x0:.6f}+{dx:.6f}*{f})*{W})"
    cy = f"(({o.y0:.6f}+{dy:.6f}*{f})*{H})"
    px, py = f"(X+0.5-{cx})", f"(Y+0.5-{cy})"
    if o.shape == "circle":
        r = m / 2
        shape = f"lte({px}*{px}+{py}*{py},{r * r:.4f})"
    elif o.shape == "square":
        h = 0.44 * m
        shape = f"lte(abs({px}),{h:.4f})*lte(abs({py}),{h:.4f})"
    else:
        hh = 0.87 * m / 2                       # half height
        sgn = -1 if o.tri_down else 1
        t = f"(({sgn}*{py}/{hh:.4f}+1)/2)"        # 0 at the apex, 1 at the base
        shape = f"gte({t},0)*lte({t},1)*lte(abs({px}),{t}*{m / 2:.4f})"
    if o.event == "appear":
        shape += f"*gte({f},{o.t_event:.6f})"
    elif o.event == "disappear":
        shape += f"*lt({f},{o.t_event:.6f})"
    return shape


def _plane(scene, c: int, W: int, H: int, dur: float) -> str:
    expr = str(scene.bg_rgb[c])
    for o in scene.objects:                      # later objects on top
        col = str(o.rgb[c])
        if o.event == "change":
            col = f"if(gte(T/{dur:.6f},{o.t_event:.6f}),{o.rgb2[c]},{o.rgb[c]})"
        expr = f"if({_mask(o, W, H, dur)},{col},{expr})"
    return expr


CODECS = [("h264", "mp4", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]),
          ("mpeg4", "mp4", ["-c:v", "mpeg4", "-q:v", "5", "-pix_fmt", "yuv420p"])]


def write_geq(scene, path: str, codec, args_max_side: int = 256) -> int:
    s = min(1.0, args_max_side / max(scene.width, scene.height))
    W = max(96, int(round(scene.width * s / 2)) * 2)
    H = max(96, int(round(scene.height * s / 2)) * 2)
    scene.width, scene.height = W, H
    n = max(1, int(round(scene.duration * scene.fps)))
    dur = n / scene.fps
    planes = [_plane(scene, c, W, H, dur) for c in range(3)]
    graph = (f"color=c=black:s={W}x{H}:r={scene.fps:g}:d={dur:.6f},format=gbrp,"
             f"geq=r='{planes[0]}':g='{planes[1]}':b='{planes[2]}'")
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", graph, "-frames:v", str(n), *codec[2],
           "-threads", "1", path]
    subprocess.run(cmd, check=True)
    return n


def _line(video: str, q: dict) -> str:
    return json.dumps({"video": video, "question": q["question"], "answer": q["answer"], "family": q["family"]}) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "testset_geq"))
    ap.add_argument("--clips", type=int, default=80)
    ap.add_argument("--per-clip", type=int, default=4)
    ap.add_argument("--seed", type=int, default=999001)
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "clips"), exist_ok=True)
    rng = random.Random(args.seed)
    counts = Counter()
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as man, \
            open(os.path.join(args.out, "manifest_all.jsonl"), "w") as every, \
            open(os.path.join(args.out, "scenes.jsonl"), "w") as sc:
        for i in range(args.clips):
            scene = sample_scene(rng)
            codec = CODECS[i % len(CODECS)]
            name = f"clips/{i:04d}.{codec[1]}"
            n = write_geq(scene, os.path.join(args.out, name), codec)
            asked = questions(scene)
            for q in pick(asked, counts, rng, args.per_clip):
                man.write(_line(name, q))
            for q in asked:
                every.write(_line(name, q))
            sc.write(json.dumps({"video": name, "codec": codec[0], "frames": n, "renderer": "ffmpeg-geq",
                                 "scene": scene.to_dict()}) + "\n")
            man.flush(); every.flush(); sc.flush()   # a stopped run keeps every finished clip
            if (i + 1) % 10 == 0:
                print(f"{i + 1}/{args.clips} clips, questions per family: {dict(counts)}", flush=True)
    print("questions:", sum(counts.values()), dict(counts))


if __name__ == "__main__":
    main()
