"""The unseen-renderer test set (render_geq.py): manifests and clips (run: python3 -m pytest Training/tests -q)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
sys.path.insert(0, TRAINING)


def _rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


@pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="needs ffmpeg")
def test_render_geq_writes_every_question_and_a_balanced_subset(tmp_path):
    from shapesqa.world import Obj, Scene, questions

    subprocess.run([sys.executable, os.path.join(TRAINING, "render_geq.py"), "--out", str(tmp_path),
                    "--clips", "2", "--seed", "999001"], check=True, capture_output=True)
    every = _rows(tmp_path / "manifest_all.jsonl")
    picked = _rows(tmp_path / "manifest.jsonl")
    scenes = _rows(tmp_path / "scenes.jsonl")
    assert len(scenes) == 2
    # the balanced manifest is a subset of every question, at most 4 per clip and of distinct families
    keys = {(r["video"], r["question"], r["answer"]) for r in every}
    assert all((r["video"], r["question"], r["answer"]) in keys for r in picked)
    for s in scenes:
        # manifest_all.jsonl holds exactly the spec's questions of the scene the clip draws, in order
        d = dict(s["scene"])
        scene = Scene(objects=[Obj(**o) for o in d.pop("objects")], **d)
        assert [(r["question"], r["answer"], r["family"]) for r in every if r["video"] == s["video"]] == \
            [(q["question"], q["answer"], q["family"]) for q in questions(scene)]
        mine = [r for r in picked if r["video"] == s["video"]]
        assert 1 <= len(mine) <= 4 and len({r["family"] for r in mine}) == len(mine)
        assert sum(r["video"] == s["video"] for r in every) > len(mine)
        # the clip is a real video with the frame count scenes.jsonl records
        out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                              "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0",
                              str(tmp_path / s["video"])], check=True, capture_output=True, text=True)
        assert int(out.stdout.strip()) == s["frames"]
