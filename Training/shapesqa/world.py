"""ShapesQA v1 world: scene sampling, spec-exact questions and answers, captions.

Follows /work/shared/spec/shapes-qa.md. A scene is renderer-independent: objects in normalised
frame coordinates (x right, y down, both 0..1 across the frame), sizes as a fraction of the shorter
frame side, events in fractions of the clip. The rendering knobs (colours within the spec's ranges,
background, noise, anti-aliasing, triangle orientation, aspect, fps, duration) are sampled here too
so a scene is fully reproducible from its seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, asdict
from typing import Dict, List, Optional, Tuple

SHAPES = ["circle", "square", "triangle"]
COLORS = ["red", "green", "blue", "yellow"]
DIRECTIONS = ["left", "right", "up", "down"]
FAMILIES = ["shape", "color", "count", "direction", "moving", "order", "change", "vanish"]
# The ShapesQA answer list: the union of the spec's answers (17 distinct words), spec order.
ANSWERS = ["circle", "square", "triangle", "red", "green", "blue", "yellow", "one", "two", "three",
           "left", "right", "up", "down", "none", "yes", "no"]
FAMILY_ANSWERS = {
    "shape": ["circle", "square", "triangle"], "color": ["red", "green", "blue", "yellow"],
    "count": ["one", "two", "three"], "direction": ["left", "right", "up", "down", "none"],
    "moving": ["yes", "no"], "order": ["circle", "square", "triangle"],
    "change": ["red", "green", "blue", "yellow"], "vanish": ["yes", "no"],
}
NUMBER = {1: "one", 2: "two", 3: "three"}

# Named backgrounds (none is an object colour), jittered at sampling time.
BACKGROUNDS = [
    ("black", (0, 0, 0)), ("black", (12, 12, 16)), ("gray", (128, 128, 128)), ("gray", (90, 90, 95)),
    ("gray", (170, 170, 170)), ("white", (245, 245, 245)), ("white", (225, 225, 230)),
    ("brown", (70, 45, 25)), ("brown", (100, 70, 45)), ("navy", (20, 25, 80)), ("navy", (15, 30, 60)),
    ("purple", (80, 40, 95)), ("teal", (20, 80, 85)), ("beige", (215, 200, 170)),
    ("gray", (60, 60, 60)), ("pink", (230, 170, 190)),
]


def sample_color(name: str, rng: random.Random) -> Tuple[int, int, int]:
    """An sRGB colour inside the spec's range for `name` (kept a little inside the bounds)."""
    r = rng.randint
    if name == "red":
        return (r(190, 255), r(0, 70), r(0, 70))
    if name == "green":
        return (r(0, 90), r(160, 255), r(0, 100))
    if name == "blue":
        return (r(0, 90), r(0, 120), r(190, 255))
    if name == "yellow":
        return (r(210, 255), r(190, 255), r(0, 80))
    raise ValueError(name)


@dataclass
class Obj:
    shape: str
    color: str                       # colour at the start of the clip
    rgb: Tuple[int, int, int]
    size: float                      # fraction of the shorter frame side (12-30 %)
    x0: float                        # centre at time 0 (normalised frame coords)
    y0: float
    motion: str                      # left/right/up/down/none
    speed: float                     # normalised frame units per clip duration (along the motion axis)
    event: str = "none"              # none/appear/disappear/change
    t_event: float = 0.0             # fraction of the clip
    color2: Optional[str] = None     # colour after the change
    rgb2: Optional[Tuple[int, int, int]] = None
    tri_down: bool = False

    def pos(self, f: float) -> Tuple[float, float]:
        """Centre at clip fraction f."""
        d = self.speed * f
        if self.motion == "left":
            return self.x0 - d, self.y0
        if self.motion == "right":
            return self.x0 + d, self.y0
        if self.motion == "up":
            return self.x0, self.y0 - d
        if self.motion == "down":
            return self.x0, self.y0 + d
        return self.x0, self.y0

    def visible(self, f: float) -> bool:
        if self.event == "appear":
            return f >= self.t_event
        if self.event == "disappear":
            return f < self.t_event
        return True

    def color_at(self, f: float) -> str:
        if self.event == "change" and f >= self.t_event:
            return self.color2
        return self.color

    def rgb_at(self, f: float):
        if self.event == "change" and f >= self.t_event:
            return self.rgb2
        return self.rgb

    def first_visible(self) -> float:
        return self.t_event if self.event == "appear" else 0.0

    def vis_interval(self) -> Tuple[float, float]:
        if self.event == "appear":
            return self.t_event, 1.0
        if self.event == "disappear":
            return 0.0, self.t_event
        return 0.0, 1.0


@dataclass
class Scene:
    objects: List[Obj]
    width: int                       # nominal frame size (aspect); the renderer may scale it
    height: int
    duration: float
    fps: float
    bg_name: str
    bg_rgb: Tuple[int, int, int]
    noise: float                     # std of per-pixel noise (0-255 units)
    gradient: Tuple[float, float, float]  # amplitude, direction angle, unused
    antialias: bool

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def half_extent(self, o: Obj) -> Tuple[float, float]:
        """Half size of an object in normalised x / y units."""
        s = o.size * min(self.width, self.height)
        return s / 2 / self.width, s / 2 / self.height

    def to_dict(self):
        return asdict(self)


def _fits(scene: Scene, o: Obj) -> bool:
    hx, hy = scene.half_extent(o)
    a, b = o.vis_interval()
    for k in range(11):
        f = a + (b - a) * k / 10
        x, y = o.pos(f)
        if x - hx < 0.01 or x + hx > 0.99 or y - hy < 0.01 or y + hy > 0.99:
            return False
    return True


def _no_overlap(scene: Scene, objs: List[Obj], o: Obj) -> bool:
    """Objects never overlap by more than a small part (checked on a fine time grid, in pixels)."""
    W, H = scene.width, scene.height
    for p in objs:
        rp = p.size * min(W, H) / 2
        ro = o.size * min(W, H) / 2
        for k in range(41):
            f = k / 40
            if not (p.visible(f) and o.visible(f)):
                continue
            (x1, y1), (x2, y2) = p.pos(f), o.pos(f)
            dx, dy = (x1 - x2) * W, (y1 - y2) * H
            # bounding squares must not overlap by more than ~15 % of the smaller side
            lim = (rp + ro) - 0.15 * 2 * min(rp, ro)
            if abs(dx) < lim and abs(dy) < lim:
                return False
    return True


def sample_scene(rng: random.Random, n_objects: Optional[int] = None,
                 p_event: float = 0.6, p_motion: float = 0.65) -> Scene:
    aspect = rng.choice([4 / 3, 16 / 9, 1.0, 3 / 2, 3 / 4, 9 / 16, 5 / 4, 2.0])
    base = rng.choice([96, 128, 160, 240, 320, 360, 480, 720])
    if aspect >= 1:
        h = base
        w = int(round(h * aspect / 2)) * 2
    else:
        w = base
        h = int(round(w / aspect / 2)) * 2
    w, h = max(96, min(1280, w)), max(96, min(720, h))
    duration = rng.uniform(2.0, 6.0)
    fps = float(rng.choice([8, 10, 12, 15, 20, 24, 25, 30]))
    name, bg = rng.choice(BACKGROUNDS)
    bg = tuple(int(min(255, max(0, c + rng.randint(-12, 12)))) for c in bg)
    noise = rng.choice([0.0, 0.0, rng.uniform(1, 6), rng.uniform(4, 12)])
    grad = (rng.choice([0.0, 0.0, rng.uniform(5, 35)]), rng.uniform(0, 2 * math.pi), 0.0)
    scene = Scene([], w, h, duration, fps, name, bg, noise, grad, rng.random() < 0.6)
    n = n_objects or rng.choice([1, 2, 2, 3, 3, 3])
    pairs = [(s, c) for s in SHAPES for c in COLORS]
    for _ in range(200):
        objs: List[Obj] = []
        ok = True
        for i in range(n):
            placed = False
            for _try in range(60):
                used_pairs = set()
                for p in objs:
                    used_pairs.add((p.shape, p.color))
                    if p.color2:
                        used_pairs.add((p.shape, p.color2))
                shape, color = rng.choice([pc for pc in pairs if pc not in used_pairs])
                size = rng.uniform(0.12, 0.30)
                motion = rng.choice(DIRECTIONS) if rng.random() < p_motion else "none"
                event = "none"
                t_ev = 0.0
                if rng.random() < p_event:
                    event = rng.choice(["appear", "disappear", "change"])
                if event == "appear":
                    t_ev = rng.uniform(0.2, 0.6)
                elif event == "disappear":
                    t_ev = rng.uniform(0.4, 0.8)
                elif event == "change":
                    t_ev = rng.uniform(0.35, 0.65)
                color2 = None
                if event == "change":
                    choices = [c for c in COLORS if c != color and (shape, c) not in used_pairs]
                    if not choices:
                        event = "none"
                    else:
                        color2 = rng.choice(choices)
                o = Obj(shape, color, sample_color(color, rng), size, 0.5, 0.5, motion, 0.0, event, t_ev,
                        color2, sample_color(color2, rng) if color2 else None, rng.random() < 0.5)
                # pick speed so that displacement over the visible time is >= 30 % of the frame
                a, b = o.vis_interval()
                vis = b - a
                hx, hy = scene.half_extent(o)
                if motion != "none":
                    span = (1 - 2 * hx - 0.02) if motion in ("left", "right") else (1 - 2 * hy - 0.02)
                    lo, hi = 0.32, min(0.85, span)
                    if hi <= lo:
                        continue
                    disp = rng.uniform(lo, hi)
                    o.speed = disp / vis
                    # start so that the whole visible path fits
                    if motion in ("left", "right"):
                        y = rng.uniform(hy + 0.01, 1 - hy - 0.01)
                        free = span - disp
                        xs = hx + 0.01 + rng.uniform(0, max(free, 0))   # leftmost centre during visible time
                        if motion == "right":
                            o.x0, o.y0 = xs - o.speed * a, y
                        else:
                            o.x0, o.y0 = xs + disp + o.speed * a, y
                    else:
                        x = rng.uniform(hx + 0.01, 1 - hx - 0.01)
                        free = span - disp
                        ys = hy + 0.01 + rng.uniform(0, max(free, 0))
                        if motion == "down":
                            o.x0, o.y0 = x, ys - o.speed * a
                        else:
                            o.x0, o.y0 = x, ys + disp + o.speed * a
                else:
                    o.x0 = rng.uniform(hx + 0.01, 1 - hx - 0.01)
                    o.y0 = rng.uniform(hy + 0.01, 1 - hy - 0.01)
                if not _fits(scene, o) or not _no_overlap(scene, objs, o):
                    continue
                # uniqueness of (shape, colour) incl. after changes
                names = {(p.shape, p.color) for p in objs} | {(p.shape, p.color2) for p in objs if p.color2}
                if (o.shape, o.color) in names or (o.color2 and (o.shape, o.color2) in names):
                    continue
                objs.append(o)
                placed = True
                break
            if not placed:
                ok = False
                break
        if ok:
            scene.objects = objs
            return scene
    raise RuntimeError("could not place objects")


# ------------------------------------------------------------------------------ questions ----

def _colors_ever(o: Obj):
    return {o.color} | ({o.color2} if o.color2 else set())


def questions(scene: Scene) -> List[Dict]:
    """Every question the spec allows for this scene: dicts {question, answer, family, obj}."""
    objs = scene.objects
    out: List[Dict] = []
    shape_count = {s: sum(1 for o in objs if o.shape == s) for s in SHAPES}
    for i, o in enumerate(objs):
        changes = o.event == "change"
        others = [p for j, p in enumerate(objs) if j != i]
        # shape: named by colour; not about colour-changing objects; colour must be unique all clip long
        if not changes and all(o.color not in _colors_ever(p) for p in others):
            out.append(dict(question=f"what shape is the {o.color} object?", answer=o.shape, family="shape", obj=i))
        # color: named by shape (unique shape), object keeps its colour
        if not changes and shape_count[o.shape] == 1:
            out.append(dict(question=f"what color is the {o.shape}?", answer=o.color, family="color", obj=i))
        # direction / moving: named by colour + shape (not for colour-changing objects)
        if not changes:
            out.append(dict(question=f"which way is the {o.color} {o.shape} moving?",
                            answer=o.motion if o.motion != "none" else "none", family="direction", obj=i))
            out.append(dict(question=f"is the {o.color} {o.shape} moving?",
                            answer="yes" if o.motion != "none" else "no", family="moving", obj=i))
        # change: named by shape alone
        if changes and shape_count[o.shape] == 1:
            out.append(dict(question=f"what color does the {o.shape} turn?", answer=o.color2, family="change", obj=i))
        # vanish: colour at the start of the clip
        out.append(dict(question=f"does the {o.color} {o.shape} disappear?",
                        answer="yes" if o.event == "disappear" else "no", family="vanish", obj=i))
    out.append(dict(question="how many objects are there?", answer=NUMBER[len(objs)], family="count", obj=-1))
    for i in range(len(objs)):
        for j in range(i + 1, len(objs)):
            a, b = objs[i], objs[j]
            if a.shape == b.shape or shape_count[a.shape] != 1 or shape_count[b.shape] != 1:
                continue
            fa, fb = a.first_visible(), b.first_visible()
            if abs(fa - fb) < 0.2:
                continue
            first = a if fa < fb else b
            for x, y in ((a, b), (b, a)):
                out.append(dict(question=f"which appears first, the {x.shape} or the {y.shape}?",
                                answer=first.shape, family="order", obj=objs.index(first)))
    return out


# ------------------------------------------------------------------------------ captions -----

def _where(x: float, y: float) -> str:
    h = "left" if x < 0.36 else ("right" if x > 0.64 else "")
    v = "top" if y < 0.36 else ("bottom" if y > 0.64 else "")
    if h and v:
        return f"at the {v} {h}"
    if h:
        return f"on the {h}"
    if v:
        return f"at the {v}"
    return "in the middle"


def caption_parts(scene: Scene, f: float) -> List[Tuple[str, str, str]]:
    """Visible objects at clip fraction f as (colour, shape, where), left to right."""
    parts = []
    for o in scene.objects:
        if not o.visible(f):
            continue
        x, y = o.pos(f)
        parts.append((x, o.color_at(f), o.shape, _where(x, y)))
    parts.sort()
    return [(c, s, w) for _, c, s, w in parts]


def caption_text(parts, bg_name: str) -> str:
    if not parts:
        return f"an empty {bg_name} background"
    objs = [f"a {c} {s} {w}" for c, s, w in parts]
    body = objs[0] if len(objs) == 1 else (" and ".join(objs) if len(objs) == 2 else f"{objs[0]}, {objs[1]} and {objs[2]}")
    return f"{body} on a {bg_name} background"


def hard_negative(parts, bg_name: str, rng: random.Random) -> Optional[str]:
    """A caption that differs from the truth in one binding: swapped colours, a wrong shape, a wrong
    colour, a wrong position or a wrong count."""
    if not parts:
        return None
    parts = [list(p) for p in parts]
    kinds = ["color", "shape", "where"]
    if len(parts) >= 2:
        kinds += ["swapcolor", "swapshape", "swapcolor"]
    kinds.append("count")
    k = rng.choice(kinds)
    if k == "color":
        p = rng.choice(parts)
        p[0] = rng.choice([c for c in COLORS if c != p[0]])
    elif k == "shape":
        p = rng.choice(parts)
        p[1] = rng.choice([s for s in SHAPES if s != p[1]])
    elif k == "where":
        p = rng.choice(parts)
        opts = ["on the left", "on the right", "at the top", "at the bottom", "in the middle",
                "at the top left", "at the top right", "at the bottom left", "at the bottom right"]
        p[2] = rng.choice([w for w in opts if w != p[2]])
    elif k in ("swapcolor", "swapshape"):
        i, j = rng.sample(range(len(parts)), 2)
        idx = 0 if k == "swapcolor" else 1
        if parts[i][idx] == parts[j][idx]:
            return None
        parts[i][idx], parts[j][idx] = parts[j][idx], parts[i][idx]
    elif k == "count":
        if len(parts) > 1 and rng.random() < 0.5:
            parts.pop(rng.randrange(len(parts)))
        else:
            used = {(p[0], p[1]) for p in parts}
            free = [(c, s) for c in COLORS for s in SHAPES if (c, s) not in used]
            c, s = rng.choice(free)
            parts.append([c, s, rng.choice(["on the left", "on the right", "in the middle"])])
    return caption_text([tuple(p) for p in parts], bg_name)


# ------------------------------------------------------------------ video captions (retrieval) ---

def _video_phrase(o: Obj, color: str) -> str:
    """What object o does over the clip, as a retrieval query would say it."""
    bits = []
    if o.motion != "none":
        bits.append(f"moving {o.motion}")
    if o.event == "appear":
        bits.append("that appears")
    elif o.event == "disappear":
        bits.append("that disappears")
    elif o.event == "change":
        bits.append(f"that turns {o.color2}")
    if not bits:
        bits.append("standing still")
    return f"a {color} {o.shape} " + " and ".join(bits) if len(bits) == 1 else f"a {color} {o.shape} {bits[0]} {bits[1]}"


def video_caption(scene: Scene, objs: Optional[List[int]] = None) -> str:
    """A caption of the whole clip ("a red circle moving left and a blue square that disappears"),
    objects named by their colour at the start, left to right; objs picks a subset (a partial query)."""
    idx = list(range(len(scene.objects))) if objs is None else list(objs)
    idx.sort(key=lambda i: scene.objects[i].x0)
    phrases = [_video_phrase(scene.objects[i], scene.objects[i].color) for i in idx]
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def video_query(scene: Scene, rng: random.Random) -> Tuple[str, List[int]]:
    """A training query for the clip: all objects (half the time) or a random non-empty subset."""
    n = len(scene.objects)
    if n == 1 or rng.random() < 0.5:
        idx = list(range(n))
    else:
        idx = sorted(rng.sample(range(n), rng.randint(1, n - 1)))
    return video_caption(scene, idx), idx


def video_hard_negative(scene: Scene, idx: List[int], rng: random.Random) -> Optional[str]:
    """The query of video_query with one temporal fact changed: the direction of a motion, still vs
    moving, appears vs disappears, or the colour an object turns."""
    i = rng.choice(idx)
    o = scene.objects[i]
    kinds = ["motion"]
    if o.event in ("appear", "disappear"):
        kinds += ["event", "event"]
    if o.event == "change":
        kinds += ["change", "change"]
    k = rng.choice(kinds)
    neg = Obj(**{**o.__dict__})
    if k == "motion":
        neg.motion = rng.choice([d for d in DIRECTIONS + ["none"] if d != o.motion])
    elif k == "event":
        neg.event = "disappear" if o.event == "appear" else "appear"
    else:
        neg.color2 = rng.choice([c for c in COLORS if c not in (o.color, o.color2)])
    objs = list(scene.objects)
    objs[i] = neg
    alt = Scene(**{**scene.__dict__, "objects": objs})
    return video_caption(alt, idx)
