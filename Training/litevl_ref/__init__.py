"""PyTorch reference implementation of litevl's LiteVL model (docs/model.md)."""

from .config import LiteVLConfig, PoolingConfig, SpecialTokens, TextConfig, VisionConfig, blip_base_config
from .model import LiteVL, Hypothesis
from . import recipe

__all__ = ["LiteVLConfig", "PoolingConfig", "SpecialTokens", "TextConfig", "VisionConfig",
           "blip_base_config", "LiteVL", "Hypothesis", "recipe"]
