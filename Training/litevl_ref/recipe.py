"""Deterministic test weights that the Swift engine regenerates bit-exactly.

A recipe is a JSON list of entries ``{"name", "shape", "seed", "scale", "offset"}`` with an
optional ``"set": [[flat_index, value], ...]``. The tensor value at flat (row-major) index i is

    float32(offset + scale * u_i)          computed in float64, rounded once to float32

    u_i = ((z >> 40) * 2^-24) * 2 - 1      (in [-1, 1), exact in float64)
    z   = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15 mod 2^64)
    splitmix64(z): z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
                   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
                   z =  z ^ (z >> 31)                     (all mod 2^64)

then every [flat_index, value] of "set" (in order) overwrites element flat_index with
float32(value). See docs/model.md, "Deterministic test weights".
"""

from __future__ import annotations

import json
import math
from typing import Dict, Iterable, List

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MUL1 = np.uint64(0xBF58476D1CE4E5B9)
MUL2 = np.uint64(0x94D049BB133111EB)


def uniform_pm1(seed: int, count: int) -> np.ndarray:
    """u_0..u_{count-1} as float64 in [-1, 1)."""
    with np.errstate(over="ignore"):
        i1 = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed % (1 << 64)) + i1 * GOLDEN          # wraps mod 2^64
        z = (z ^ (z >> np.uint64(30))) * MUL1
        z = (z ^ (z >> np.uint64(27))) * MUL2
        z = z ^ (z >> np.uint64(31))
    top24 = (z >> np.uint64(40)).astype(np.float64)
    return top24 * (2.0 ** -24) * 2.0 - 1.0


def materialize_entry(entry: Dict) -> np.ndarray:
    shape = tuple(int(s) for s in entry["shape"])
    count = int(np.prod(shape)) if shape else 1
    u = uniform_pm1(int(entry["seed"]), count)
    vals = (float(entry["offset"]) + float(entry["scale"]) * u).astype(np.float32)  # float64, no FMA
    for index, value in entry.get("set", []):     # optional explicit overrides
        vals[int(index)] = np.float32(float(value))
    return vals.reshape(shape)


def materialize(recipe: Iterable[Dict]) -> Dict[str, np.ndarray]:
    return {e["name"]: materialize_entry(e) for e in recipe}


def load_recipe(path: str) -> List[Dict]:
    with open(path) as f:
        return json.load(f)


def save_recipe(recipe: List[Dict], path: str) -> None:
    with open(path, "w") as f:
        f.write("[\n")
        f.write(",\n".join("  " + json.dumps(e) for e in recipe))
        f.write("\n]\n")


def _r(x: float) -> float:
    """Round a scale to 6 significant digits so the JSON text is short and exact-parse-friendly."""
    return float(f"{x:.6g}")


def scale_rule(name: str, shape, model) -> Dict:
    """Scale/offset chosen so that activations stay well-behaved (see docs/model.md)."""
    import torch.nn as nn

    mod_name, _, leaf = name.rpartition(".")
    module = model.get_submodule(mod_name) if mod_name else model
    if isinstance(module, nn.LayerNorm):
        return {"scale": 0.1, "offset": 1.0} if leaf == "weight" else {"scale": 0.05, "offset": 0.0}
    if name.endswith("temporal_scaling.weight"):
        # s_l = tanh(w . c + b): keep |w . c| around 0.3-0.5
        return {"scale": _r(1.0 / math.sqrt(shape[1])), "offset": 0.0}
    if name.endswith("temporal_scaling.bias"):
        return {"scale": 0.2, "offset": 0.4}
    if name.endswith("cls.predictions.decoder.weight"):
        # std 2/sqrt(H): first-token distributions clearly peaked, so discrete outputs are robust
        return {"scale": _r(2.0 * math.sqrt(3.0) / math.sqrt(shape[1])), "offset": 0.0}
    if name.endswith("cls.predictions.bias"):
        return {"scale": 0.2, "offset": 0.0}
    if isinstance(module, (nn.Linear, nn.Conv2d)) and leaf == "weight":
        fan_in = int(np.prod(shape[1:]))
        return {"scale": _r(math.sqrt(3.0) / math.sqrt(fan_in)), "offset": 0.0}  # std 1/sqrt(fan_in)
    if leaf == "bias":
        return {"scale": 0.02, "offset": 0.0}
    if isinstance(module, nn.Embedding) or leaf in ("cls_token", "pos_embed", "temporal_embed"):
        return {"scale": 0.5, "offset": 0.0}
    raise ValueError(f"no recipe rule for {name}")


def make_recipe(model, base_seed: int) -> List[Dict]:
    """One entry per state-dict tensor, in state-dict order; seed = base_seed + index."""
    recipe = []
    for k, (name, t) in enumerate(model.state_dict().items()):
        shape = list(t.shape)
        rule = scale_rule(name, shape, model)
        recipe.append({"name": name, "shape": shape, "seed": base_seed + k,
                       "scale": rule["scale"], "offset": rule["offset"]})
    return recipe


def load_into(model, recipe: List[Dict]) -> None:
    import torch

    tensors = {k: torch.from_numpy(v) for k, v in materialize(recipe).items()}
    missing, unexpected = model.load_state_dict(tensors, strict=True), None
    del missing, unexpected


if __name__ == "__main__":
    print([float(x) for x in materialize_entry({"shape": [5], "seed": 1, "scale": 1.0, "offset": 0.0})])
