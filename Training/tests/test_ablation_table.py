"""ablation_table.py: the paired test and the stage curve (run: python3 -m pytest Training/tests -q)."""

import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import ablation_table as AT  # noqa: E402


def test_mcnemar_exact_values():
    assert AT.mcnemar_p(0, 0) == 1.0
    assert AT.mcnemar_p(3, 3) == 1.0
    assert AT.mcnemar_p(25, 0) == pytest.approx(2 * 0.5 ** 25)
    # 8:2 -> 2 * P(X <= 2), X ~ Binomial(10, 1/2) = 2 * 56 / 1024
    assert AT.mcnemar_p(8, 2) == pytest.approx(2 * (1 + 10 + 45) / 1024)
    assert AT.mcnemar_p(2, 8) == AT.mcnemar_p(8, 2)


def _result(answers, predictions, families):
    preds = [{"video": f"v{i}", "question": "q", "answer": a, "family": f, "prediction": p}
             for i, (a, p, f) in enumerate(zip(answers, predictions, families))]
    fams = {}
    for p in preds:
        e = fams.setdefault(p["family"], {"right": 0, "count": 0})
        e["right"] += p["answer"] == p["prediction"]
        e["count"] += 1
    right = sum(e["right"] for e in fams.values())
    return {"accuracy": right / len(preds), "count": len(preds), "mean_s": [0.5, -1.0],
            "families": {f: {"accuracy": e["right"] / e["count"], "count": e["count"]} for f, e in fams.items()},
            "predictions": preds}


def test_paired_counts_discordant_questions_per_family():
    fams = ["direction"] * 4 + ["color"] * 2
    ref = _result(["l", "r", "u", "d", "red", "blue"], ["l", "r", "u", "x", "red", "blue"], fams)
    abl = _result(["l", "r", "u", "d", "red", "blue"], ["x", "x", "u", "d", "red", "x"], fams)
    table = AT.paired_table("full", ref, [("abl", abl)])
    row = table.splitlines()[2].split("|")
    cells = dict(zip(AT.FAMILIES + ["all"], [c.strip() for c in row[2:-1]]))
    assert cells["direction"].startswith("2:1 ")
    assert cells["color"].startswith("1:0 ")
    assert cells["all"].startswith("3:1 ")
    assert cells["shape"] == "–"


def test_paired_refuses_different_question_sets():
    ref = _result(["a"], ["a"], ["shape"])
    other = _result(["a", "b"], ["a", "b"], ["shape", "shape"])
    with pytest.raises(SystemExit):
        AT.paired_table("full", ref, [("abl", other)])


def test_paired_refuses_repeated_questions_and_other_answers():
    ref = _result(["a", "b"], ["a", "b"], ["shape", "shape"])
    twice = _result(["a", "b", "a"], ["a", "b", "a"], ["shape", "shape", "shape"])
    twice["predictions"][2]["video"] = "v0"          # v0 twice: the same key set as the reference, one question more
    with pytest.raises(SystemExit, match="repeated"):
        AT.paired_table("full", ref, [("abl", twice)])
    other = _result(["a", "c"], ["a", "b"], ["shape", "shape"])   # same questions, another answer key
    with pytest.raises(SystemExit):
        AT.paired_table("full", ref, [("abl", other)])


def test_curve_adds_fresh_stages_and_keeps_continued_ones(tmp_path):
    def log(run, start, end, acc):
        (tmp_path / f"{run}.log").write_text(
            f"00:00:00 stage2 run={run} temporal=dynamic pooling=True step={start} elapsed=0s params=1M\n"
            f"00:00:01 VAL step 5 t=1s shape=0.10 all=0.10\n"
            f"00:00:02 VAL final step {end} t=2s shape=0.90 color=0.5 all={acc} n={{}}\n")
    log("a2", 0, 100, 0.5)        # stage 2
    log("a2b", 100, 300, 0.6)     # continues stage 2: its counter ends at 300 in all
    log("a2c", 0, 50, 0.7)        # fresh optimizer: 50 more
    table = AT.curve_table([("a", ["a2", "a2b", "a2c", "a2d"])], str(tmp_path))
    row = [c.strip() for c in table.splitlines()[2].split("|")[1:-1]]
    assert row == ["a", "0.50 @ 100", "0.60 @ 300", "0.70 @ 350", "no log"]
    (tmp_path / "a2d.log").write_text("00:00:00 stage2 run=a2d temporal=dynamic pooling=True step=0 elapsed=0s\n")
    row = [c.strip() for c in AT.curve_table([("a", ["a2", "a2b", "a2c", "a2d"])], str(tmp_path)).splitlines()[2].split("|")[1:-1]]
    assert row[-1] == "not finished"


def test_accuracy_table_lists_every_family_and_s(tmp_path):
    r = _result(["a", "b"], ["a", "x"], ["shape", "order"])
    p = tmp_path / "r.json"
    p.write_text(json.dumps(r))
    table = AT.accuracy_table([("full", AT.load(str(p)))])
    assert "| full | 1.00 (1) | – | – | – | – | 0.00 (1) | – | – | **0.500** (2) | +0.50 / -1.00 |" in table


def test_integrated_lr_counts_resumed_steps_once(tmp_path):
    # lr 1e-3 flat over steps 50..150 (a resume repeats step 100), and 2e-3 flat in the other chain.
    (tmp_path / "a.log").write_text("s2 step 50 t=1 lr=1.00e-03 x\ns2 step 100 t=2 lr=1.00e-03 x\n"
                                    "s2 step 100 t=3 lr=1.00e-03 x\ns2 step 150 t=4 lr=1.00e-03 x\n")
    (tmp_path / "b.log").write_text("s2 step 50 t=1 lr=2.00e-03 x\ns2 step 150 t=4 lr=2.00e-03 x\n")
    assert AT.integrated_lr("a", str(tmp_path)) == pytest.approx(0.1)
    table = AT.lr_table([("full", ["a"]), ("abl", ["b"]), ("none", ["missing"])], str(tmp_path), ["stage 2"])
    assert "| abl | +100.0 % |" in table
    assert "| none | – |" in table
