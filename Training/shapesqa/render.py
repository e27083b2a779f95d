"""Numpy renderer for ShapesQA scenes, plus the model-input path used in training.

render_frame(scene, f, W, H, ...) draws the scene at clip fraction f as an HxWx3 uint8 image
(supersampled anti-aliasing or hard edges, background with optional gradient and noise).
clip_tensor(scene, T, S, ...) renders the T frames the Swift decoder would pick (the frame on screen
at the middle of each of T equal segments), at a reduced native resolution, then resizes them to
SxS with bicubic (aspect not kept, like the engine) and normalises with CLIP mean/std.
"""

from __future__ import annotations

import math
import random
from typing import List, Optional, Tuple

import numpy as np

from .world import COLORS, SHAPES, DIRECTIONS, Scene, Obj

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def _inside(o: Obj, scene: Scene, X: np.ndarray, Y: np.ndarray, f: float, grow: float = 1.0) -> np.ndarray:
    """Boolean mask: which normalised points (X, Y) lie inside object o at clip fraction f."""
    cx, cy = o.pos(f)
    hx, hy = scene.half_extent(o)
    dx = (X - cx) / (hx * grow)
    dy = (Y - cy) / (hy * grow)
    if o.shape == "circle":
        return dx * dx + dy * dy <= 1.0
    if o.shape == "square":
        return (np.abs(dx) <= 0.9) & (np.abs(dy) <= 0.9)     # side 0.9*size: similar area to the circle
    # triangle: apex at top (or bottom), base at the other end, bbox 2 x 1.8 half-sizes
    if o.tri_down:
        dy = -dy
    t = (dy + 0.9) / 1.8                                      # 0 at apex, 1 at base
    return (t >= 0) & (t <= 1) & (np.abs(dx) <= t)


def render_frame(scene: Scene, f: float, W: int, H: int, antialias: Optional[bool] = None,
                 noise_rng: Optional[np.random.Generator] = None) -> np.ndarray:
    aa = scene.antialias if antialias is None else antialias
    img = np.empty((H, W, 3), dtype=np.float32)
    img[:] = np.array(scene.bg_rgb, dtype=np.float32)
    amp, ang, _ = scene.gradient
    if amp > 0:
        ys = (np.arange(H, dtype=np.float32) + 0.5) / H - 0.5
        xs = (np.arange(W, dtype=np.float32) + 0.5) / W - 0.5
        g = math.cos(ang) * xs[None, :] + math.sin(ang) * ys[:, None]
        img += (amp * g)[:, :, None]
    ss = 3 if aa else 1
    for o in scene.objects:
        if not o.visible(f):
            continue
        cx, cy = o.pos(f)
        hx, hy = scene.half_extent(o)
        x0 = max(0, int(math.floor((cx - hx) * W)) - 1)
        x1 = min(W, int(math.ceil((cx + hx) * W)) + 1)
        y0 = max(0, int(math.floor((cy - hy) * H)) - 1)
        y1 = min(H, int(math.ceil((cy + hy) * H)) + 1)
        if x1 <= x0 or y1 <= y0:
            continue
        sub = (np.arange(ss, dtype=np.float32) + 0.5) / ss
        px = ((np.arange(x0, x1, dtype=np.float32)[:, None] + sub[None, :]) / W).reshape(-1)
        py = ((np.arange(y0, y1, dtype=np.float32)[:, None] + sub[None, :]) / H).reshape(-1)
        m = _inside(o, scene, px[None, :], py[:, None], f).astype(np.float32)
        cov = m.reshape(y1 - y0, ss, x1 - x0, ss).mean(axis=(1, 3))
        col = np.array(o.rgb_at(f), dtype=np.float32)
        reg = img[y0:y1, x0:x1]
        reg += cov[:, :, None] * (col - reg)
    if scene.noise > 0:
        rng = noise_rng or np.random.default_rng()
        img += rng.normal(0, scene.noise, size=img.shape).astype(np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def sample_times(scene: Scene, T: int) -> List[float]:
    """Clip fractions of the frames the decoder returns: the last frame (at k / fps) whose time is
    <= the middle of each of T equal segments."""
    n = max(1, int(round(scene.duration * scene.fps)))
    dur = n / scene.fps
    out = []
    for i in range(T):
        t = (i + 0.5) * dur / T
        k = min(n - 1, int(math.floor(t * scene.fps + 1e-9)))
        out.append(k / scene.fps / dur)
    return out


def token_labels(scene: Scene, fr: List[float], G: int) -> np.ndarray:
    """Dense ground truth per frame and token (G x G grid): [T, G*G, 6] int64 with
    colour (0 bg, 1..4), shape (0 bg, 1..3), motion (0 bg, 1 still, 2..5 left/right/up/down),
    object index (0 bg, 1..3), event (0 bg, 1 none, 2 appear, 3 disappear, 4 change), colour at the
    end of the clip (0 bg, 1..4). The token's centre decides; objects slightly dilated."""
    c = (np.arange(G, dtype=np.float32) + 0.5) / G
    X, Y = c[None, :], c[:, None]
    out = np.zeros((len(fr), G * G, 6), dtype=np.int64)
    for t, f in enumerate(fr):
        for i, o in enumerate(scene.objects):
            if not o.visible(f):
                continue
            m = _inside(o, scene, X, Y, f, grow=1.15).reshape(-1)
            if not m.any():     # tiny object: label its nearest token
                cx, cy = o.pos(f)
                gx = min(G - 1, max(0, int(cx * G)))
                gy = min(G - 1, max(0, int(cy * G)))
                m = np.zeros(G * G, bool)
                m[gy * G + gx] = True
            out[t, m, 0] = 1 + COLORS.index(o.color_at(f))
            out[t, m, 1] = 1 + SHAPES.index(o.shape)
            out[t, m, 2] = 1 if o.motion == "none" else 2 + DIRECTIONS.index(o.motion)
            out[t, m, 3] = 1 + i
            out[t, m, 4] = 1 + ["none", "appear", "disappear", "change"].index(o.event)
            out[t, m, 5] = 1 + COLORS.index(o.color_at(1.0))
    return out


def _native_size(scene: Scene, S: int, rng: random.Random) -> Tuple[int, int]:
    """A reduced native resolution: keeps the aspect, between ~S and ~2.5 S on the longer side."""
    W, H = scene.width, scene.height
    target = rng.uniform(1.0, 2.5) * S
    scale = min(1.0, target / max(W, H))
    return max(16, int(round(W * scale))), max(16, int(round(H * scale)))


def clip_frames(scene: Scene, T: int, S: int, rng: random.Random, times: Optional[List[float]] = None):
    """-> (uint8 frames [T, h, w, 3] at a reduced native size, clip fractions)."""
    fr = times if times is not None else sample_times(scene, T)
    w, h = _native_size(scene, S, rng)
    nrng = np.random.default_rng(rng.getrandbits(32))
    frames = np.stack([render_frame(scene, f, w, h, noise_rng=nrng) for f in fr])
    return frames, fr


def to_model_input(frames_u8, S: int, rng: Optional[random.Random] = None):
    """uint8 [T, h, w, 3] -> float32 torch [T, 3, S, S]: bicubic resize (aspect not kept), clamp to
    0..255 and round like an 8-bit scaler, normalise. With rng, mild codec-like degradation
    (chroma blur, blockiness noise) on some clips."""
    import torch
    import torch.nn.functional as F
    x = torch.from_numpy(np.ascontiguousarray(frames_u8)).permute(0, 3, 1, 2).float()
    if x.shape[-2:] != (S, S):
        x = F.interpolate(x, size=(S, S), mode="bicubic", align_corners=False,
                          antialias=x.shape[-1] > S or x.shape[-2] > S)
    if rng is not None and rng.random() < 0.35:
        # chroma subsampling-like blur: blur colour differences, keep luma
        luma = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])[:, None]
        chroma = x - luma
        chroma = F.avg_pool2d(F.pad(chroma, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
        x = luma + chroma
    if rng is not None and rng.random() < 0.3:
        x = x + torch.randn_like(x) * rng.uniform(1, 5)
    x = x.clamp(0, 255).round() / 255.0
    mean = torch.from_numpy(MEAN)[None, :, None, None]
    std = torch.from_numpy(STD)[None, :, None, None]
    return (x - mean) / std
