"""ShapesQA v1 generator (see /work/shared/spec/shapes-qa.md): world.py samples scenes and the
spec's questions, render.py draws frames in numpy, video.py writes real video files with ffmpeg."""
from .world import ANSWERS, FAMILIES, FAMILY_ANSWERS, sample_scene, questions  # noqa: F401
