"""LiteVLConfig: the config.json schema of docs/model.md."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import List


@dataclass
class VisionConfig:
    image_size: int = 224
    patch_size: int = 16
    width: int = 768
    depth: int = 12
    heads: int = 12
    mlp_dim: int = 3072
    eps: float = 1e-6
    num_frames: int = 8
    temporal: str = "dynamic"          # "dynamic" | "fixed" | "none"
    stem_channels: List[int] = field(default_factory=list)   # [] = BLIP's single patch conv (default)
    stem_strides: List[int] = field(default_factory=list)    # per stem layer 1 or 2; [] = all 1

    @property
    def strides(self) -> List[int]:
        return list(self.stem_strides) if self.stem_strides else [1] * len(self.stem_channels)

    @property
    def patch_kernel(self) -> int:
        """Kernel (= stride) of the patch conv: patch_size over the stem's total stride."""
        down = 1
        for s in self.strides:
            down *= s
        return self.patch_size // down

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def num_patches(self) -> int:
        return self.grid * self.grid


@dataclass
class TextConfig:
    vocab_size: int = 30524
    hidden: int = 768
    layers: int = 12
    heads: int = 12
    intermediate: int = 3072
    max_positions: int = 512
    eps: float = 1e-12


@dataclass
class PoolingConfig:
    enabled: bool = True
    tau: float = 0.07


@dataclass
class SpecialTokens:
    pad: int = 0
    unk: int = 100
    cls: int = 101
    sep: int = 102
    dec: int = 30522
    enc: int = 30523


@dataclass
class LiteVLConfig:
    model_type: str = "litevl"
    name: str = "LiteVL-base"
    vision: VisionConfig = field(default_factory=VisionConfig)
    text: TextConfig = field(default_factory=TextConfig)
    decoder: TextConfig = field(default_factory=TextConfig)
    embed_dim: int = 256
    pooling: PoolingConfig = field(default_factory=PoolingConfig)
    max_question_tokens: int = 35
    label_smoothing: float = 0.1
    image_mean: List[float] = field(default_factory=lambda: [0.48145466, 0.4578275, 0.40821073])
    image_std: List[float] = field(default_factory=lambda: [0.26862954, 0.26130258, 0.27577711])
    special_tokens: SpecialTokens = field(default_factory=SpecialTokens)

    def __post_init__(self):
        assert self.vision.temporal in ("dynamic", "fixed", "none"), self.vision.temporal
        assert self.vision.image_size % self.vision.patch_size == 0
        assert len(self.vision.strides) == len(self.vision.stem_channels) and all(s in (1, 2) for s in self.vision.strides)
        assert self.vision.patch_kernel >= 1 and self.vision.patch_kernel * (self.vision.patch_size // self.vision.patch_kernel) == self.vision.patch_size
        assert self.vision.width % self.vision.heads == 0
        assert self.text.hidden % self.text.heads == 0
        assert self.decoder.hidden % self.decoder.heads == 0
        st = self.special_tokens
        for name in ("pad", "unk", "cls", "sep", "dec", "enc"):
            v = getattr(st, name)
            assert 0 <= v < min(self.text.vocab_size, self.decoder.vocab_size), (name, v)

    # --- JSON -------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: dict) -> "LiteVLConfig":
        d = dict(d)
        kw = {}
        for f in dataclasses.fields(cls):
            if f.name not in d:
                continue
            v = d[f.name]
            if f.name == "vision":
                v = VisionConfig(**v)
                v.stem_channels = list(v.stem_channels)
                v.stem_strides = list(v.stem_strides)
            elif f.name in ("text", "decoder"):
                v = TextConfig(**v)
            elif f.name == "pooling":
                v = PoolingConfig(**v)
            elif f.name == "special_tokens":
                v = SpecialTokens(**v)
            kw[f.name] = v
        return cls(**kw)

    @classmethod
    def from_json(cls, path_or_text: str) -> "LiteVLConfig":
        text = path_or_text
        if not path_or_text.lstrip().startswith("{"):
            with open(path_or_text) as f:
                text = f.read()
        return cls.from_dict(json.loads(text))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        if not self.vision.stem_channels:
            del d["vision"]["stem_channels"]     # absent key == no stem: configs without a stem are unchanged
        if all(s == 1 for s in self.vision.strides):
            del d["vision"]["stem_strides"]      # absent key == stride 1 everywhere
        return d

    def to_json(self, path: str | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        if path is not None:
            with open(path, "w") as f:
                f.write(text)
        return text


def blip_base_config(num_frames: int = 8, image_size: int = 224, temporal: str = "dynamic") -> LiteVLConfig:
    return LiteVLConfig(name="LiteVL-base",
                        vision=VisionConfig(image_size=image_size, num_frames=num_frames, temporal=temporal))
