"""Write ShapesQA scenes as real video files through the ffmpeg CLI, and read frames back the way
the Swift engine samples them (the frame on screen at the middle of each of T equal segments,
scaled to SxS with ffmpeg's bicubic scaler, aspect not kept)."""

from __future__ import annotations

import json
import math
import random
import subprocess
from typing import List, Optional, Tuple

import numpy as np

from .render import render_frame
from .world import Scene

# (name, extension, ffmpeg output args)
CODECS = [
    ("h264", "mp4", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]),
    ("h264-hq", "mp4", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p"]),
    ("h264-lq", "mkv", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p"]),
    ("mpeg4", "mp4", ["-c:v", "mpeg4", "-q:v", "4", "-pix_fmt", "yuv420p"]),
    ("mpeg4-avi", "avi", ["-c:v", "mpeg4", "-q:v", "7", "-pix_fmt", "yuv420p"]),
    ("vp9", "webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "0", "-crf", "35",
                     "-pix_fmt", "yuv420p"]),
    ("hevc", "mp4", ["-c:v", "libx265", "-preset", "ultrafast", "-crf", "26", "-pix_fmt", "yuv420p",
                     "-x265-params", "log-level=error"]),
    ("mjpeg", "avi", ["-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p"]),
]


def write_video(scene: Scene, path: str, codec: Tuple[str, str, list], seed: int = 0,
                size: Optional[Tuple[int, int]] = None) -> int:
    """Render every frame (k / fps) of the scene at its native size and encode it. -> frame count."""
    W, H = size or (scene.width, scene.height)
    n = max(1, int(round(scene.duration * scene.fps)))
    nrng = np.random.default_rng(seed)
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}",
           "-r", f"{scene.fps:g}", "-i", "-", *codec[2], "-threads", "1", path]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    dur = n / scene.fps
    for k in range(n):
        f = (k / scene.fps) / dur
        p.stdin.write(render_frame(scene, f, W, H, noise_rng=nrng).tobytes())
    p.stdin.close()
    if p.wait() != 0:
        raise RuntimeError(f"ffmpeg failed for {path}")
    return n


def probe(path: str) -> Tuple[float, float]:
    """-> (fps, duration in s) from ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=r_frame_rate,avg_frame_rate,duration:format=duration", "-of", "json", path],
                         capture_output=True, text=True, check=True).stdout
    j = json.loads(out)
    st = j["streams"][0]
    num, den = st.get("avg_frame_rate", "0/1").split("/")
    fps = float(num) / float(den) if float(den) else 0.0
    if fps <= 0:
        num, den = st["r_frame_rate"].split("/")
        fps = float(num) / float(den)
    dur = float(st.get("duration") or j.get("format", {}).get("duration") or 0)
    return fps, dur


def read_frames(path: str, T: int, S: int) -> np.ndarray:
    """The T frames the engine samples, as uint8 [T, S, S, 3]: decode every frame scaled to SxS with
    bicubic (ffmpeg's scale filter), take the last frame whose time (k / fps) is <= the middle of
    each of T equal segments of the clip."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", f"scale={S}:{S}:flags=bicubic",
                          "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-threads", "1", "-"],
                         capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, S, S, 3)
    n = frames.shape[0]
    fps, dur = probe(path)
    if dur <= 0 or fps <= 0:
        idx = [min(n - 1, int((i + 0.5) * n / T)) for i in range(T)]
    else:
        idx = [min(n - 1, max(0, int(math.floor(((i + 0.5) * dur / T) * fps + 1e-6)))) for i in range(T)]
    return frames[idx]
