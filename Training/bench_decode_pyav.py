#!/usr/bin/env python3
"""PyAV baseline for `scripts/bench-decode.sh`: the same sampling as litevl's FrameSampler.

T targets at the middles of T equal segments of the clip; for each, the frame on screen at that
instant (last frame with pts <= target); converted to SxS RGB (bicubic, aspect not kept),
normalised with BLIP's mean/std into float32 CHW, plus a thumbnail that fits 160x120.

Modes:
  seek     seek (backward, to the keyframe) before every target, then decode forward
  forward  one forward pass from the start, converting only the sampled frames
Prints one JSON line: median/min milliseconds over --runs (open included), peak RSS, timestamps.
"""
import argparse
import json
import resource
import statistics
import time

import av
import numpy as np

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)


def convert(frame, size, thumb_box=(160, 120)):
    rgb = frame.to_ndarray(width=size, height=size, format="rgb24", interpolation="BICUBIC")
    chw = ((rgb.astype(np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1).copy()
    aspect = frame.width / frame.height
    bw, bh = thumb_box
    tw, th = (bw, max(1, round(bw / aspect))) if aspect >= bw / bh else (max(1, round(bh * aspect)), bh)
    thumb = frame.to_ndarray(width=tw, height=th, format="rgb24", interpolation="BICUBIC")
    return chw, thumb


def sample(path, count, size, mode, threads):
    with av.open(path) as container:
        stream = container.streams.video[0]
        if threads == 0:
            stream.thread_type = "AUTO"
        else:
            stream.thread_count = threads
        tb = float(stream.time_base)
        start = (stream.start_time or 0) * tb
        duration = stream.duration * tb if stream.duration else container.duration / 1e6
        targets = [start + (i + 0.5) * duration / count for i in range(count)]
        margin = 3.0 / float(stream.average_rate or 25)
        out = []
        frames = None
        held = None
        pending = None
        for t in targets:
            if mode == "seek" or frames is None:
                if mode == "seek":
                    container.seek(max(0, int((t - margin) / tb)), stream=stream, backward=True, any_frame=False)
                frames = container.decode(stream)
                held, pending = None, None
            chosen = None
            while True:
                f = pending if pending is not None else next(frames, None)
                pending = None
                if f is None:  # end of stream
                    chosen = held
                    break
                if f.time is not None and f.time > t:
                    chosen = held if held is not None else f
                    pending = f  # still needed for the next target
                    break
                held = f
            if chosen is None:
                break
            out.append((chosen.time, convert(chosen, size)))
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--mode", choices=["seek", "forward"], default="seek")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    times = []
    result = None
    for _ in range(a.runs):
        t0 = time.perf_counter()
        result = sample(a.file, a.count, a.size, a.mode, a.threads)
        times.append((time.perf_counter() - t0) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "impl": f"pyav-{a.mode}", "file": a.file, "count": a.count, "size": a.size, "threads": a.threads,
        "runs": a.runs, "median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2),
        "max_rss_mb": round(rss, 1), "timestamps": [round(t, 6) for t, _ in result],
        "pyav": av.__version__, "ffmpeg": ".".join(map(str, av.library_versions["libavcodec"])),
    }))


if __name__ == "__main__":
    main()
