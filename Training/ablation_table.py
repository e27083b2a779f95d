"""The ablation table of docs/results.md from `evaluate.py --json` outputs, one per model.

  python3 Training/ablation_table.py full=Training/runs/bundled/torch_full.json \
      notemp=Training/runs/bundled/torch_notemp.json fixed=Training/runs/ablations/fixed.json \
      nopool=Training/runs/ablations/nopool.json scratch=Training/runs/ablations/scratch.json

The first model is the reference. Prints, as Markdown:
  1. accuracy per family and overall, with the number of questions, and each model's mean s_l per layer;
  2. for each other model, question by question against the reference on the same manifest: how many
     questions only the reference gets right and how many only the ablation does, per family, with the
     two-sided exact McNemar p-value (the binomial test on the discordant pairs), so "clearly above" is
     a measured statement and not a reading of two percentages;
  3. with --logs RUN[,RUN...] per model (NAME=RUN,RUN), the validation accuracy at the end of every stage
     from Training/runs/RUN.log ("VAL final step N ... all=X"), a learning curve at matched steps, and
     the learning rate each chain integrated over every stage, relative to the reference's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys

FAMILIES = ["shape", "color", "count", "direction", "moving", "order", "change", "vanish"]


def mcnemar_p(only_ref: int, only_other: int) -> float:
    """Two-sided exact McNemar test: P(a split at least this uneven) under Binomial(n, 1/2)."""
    n = only_ref + only_other
    if n == 0:
        return 1.0
    k = min(only_ref, only_other)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


def load(path: str) -> dict:
    with open(path) as f:
        d = json.load(f)
    for key in ("accuracy", "count", "families", "predictions"):
        if key not in d:
            sys.exit(f"ablation_table: {path} has no '{key}': give the file `evaluate.py --json` writes")
    return d


def _key(p: dict):
    return (p["video"], p["question"])


def accuracy_table(models: list) -> str:
    rows = ["| model | " + " | ".join(FAMILIES) + " | overall | mean s_l per layer |",
            "|---" * (len(FAMILIES) + 3) + "|"]
    for name, d in models:
        cells = []
        for fam in FAMILIES:
            f = d["families"].get(fam)
            cells.append("–" if f is None else f"{f['accuracy']:.2f} ({f['count']})")
        s = d.get("mean_s")
        s_text = "–" if not s else " / ".join(f"{v:+.2f}" for v in s)
        rows.append(f"| {name} | " + " | ".join(cells) + f" | **{d['accuracy']:.3f}** ({d['count']}) | {s_text} |")
    return "\n".join(rows)


def _by_key(name: str, d: dict) -> dict:
    """Predictions keyed by (video, question); a key seen twice would merge two questions silently."""
    by = {_key(p): p for p in d["predictions"]}
    if len(by) != len(d["predictions"]):
        sys.exit(f"ablation_table: {name} has {len(d['predictions']) - len(by)} repeated (video, question) pairs; pairing needs unique questions")
    return by


def paired_table(ref_name: str, ref: dict, others: list) -> str:
    by_ref = _by_key(ref_name, ref)
    rows = [f"| {ref_name} vs | " + " | ".join(FAMILIES) + " | all |", "|---" * (len(FAMILIES) + 2) + "|"]
    for name, d in others:
        mine = _by_key(name, d)
        if set(mine) != set(by_ref):
            sys.exit(f"ablation_table: {name} and {ref_name} were not scored on the same questions")
        if any(mine[k]["answer"] != by_ref[k]["answer"] or mine[k]["family"] != by_ref[k]["family"] for k in by_ref):
            sys.exit(f"ablation_table: {name} and {ref_name} disagree on a question's answer or family (different manifests?)")
        cells = []
        for fam in FAMILIES + [None]:
            keys = [k for k, p in by_ref.items() if fam is None or p["family"] == fam]
            if not keys:
                cells.append("–")
                continue
            a = sum(by_ref[k]["prediction"] == by_ref[k]["answer"] and mine[k]["prediction"] != mine[k]["answer"]
                    for k in keys)
            b = sum(by_ref[k]["prediction"] != by_ref[k]["answer"] and mine[k]["prediction"] == mine[k]["answer"]
                    for k in keys)
            cells.append(f"{a}:{b} (p={mcnemar_p(a, b):.2g})")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


VAL = re.compile(r"VAL final step (\d+) .*?\ball=([0-9.]+)")
START = re.compile(r"stage2 run=\S+ .*?\bstep=(\d+) ")


def stage_end(run: str, log_dir: str):
    """(first step, last step, overall validation accuracy at the end) of one stage run, or None."""
    path = os.path.join(log_dir, f"{run}.log")
    if not os.path.exists(path):
        return None
    start = end = None
    with open(path) as f:
        for line in f:
            m = START.search(line)
            if m and start is None:
                start = int(m.group(1))
            m = VAL.search(line)
            if m:
                end = (int(m.group(1)), float(m.group(2)))
    if start is None or end is None:
        return None
    return start, end[0], end[1]


def curve_table(chains: list, log_dir: str, stage_names=None) -> str:
    """Validation accuracy at the end of each stage, with the chain's cumulative step count.

    A stage that continues the previous one (stage 2b) keeps its step counter; one that starts a fresh
    optimizer (--init-stage2: stages 2c, 2d) counts from 0, so its steps are added to the total."""
    width = max(len(runs) for _, runs in chains)
    names = list(stage_names or []) + [f"stage {i + 1}" for i in range(len(stage_names or []), width)]
    rows = ["| validation, after | " + " | ".join(names[:width]) + " |", "|---" * (width + 1) + "|"]
    for name, runs in chains:
        cells = []
        total = 0
        for run in runs:
            end = stage_end(run, log_dir)
            if end is None:
                has_log = os.path.exists(os.path.join(log_dir, f"{run}.log"))
                cells.append("not finished" if has_log else "no log")
                break
            first, last, acc = end
            total = last if first > 0 else total + last
            cells.append(f"{acc:.2f} @ {total}")
        cells += [""] * (width - len(cells))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


LR = re.compile(r"\bs2 step (\d+) .*?\blr=([0-9.eE+-]+)")


def integrated_lr(run: str, log_dir: str):
    """Σ lr over the steps of one stage run (trapezoid between the logged steps; the last value logged
    for a step wins, so a resumed run's repeated steps count once), or None without a log."""
    path = os.path.join(log_dir, f"{run}.log")
    if not os.path.exists(path):
        return None
    by_step = {}
    with open(path) as f:
        for line in f:
            m = LR.search(line)
            if m:
                by_step[int(m.group(1))] = float(m.group(2))
    steps = sorted(by_step)
    if len(steps) < 2:
        return None
    return sum((b - a) * (by_step[a] + by_step[b]) / 2 for a, b in zip(steps, steps[1:]))


def lr_table(chains: list, log_dir: str, stage_names=None) -> str:
    """The learning rate each chain integrated over every stage, relative to the first chain's (the
    reference): equal step budgets can still anneal differently (over steps or over wall clock)."""
    width = max(len(runs) for _, runs in chains)
    names = list(stage_names or []) + [f"stage {i + 1}" for i in range(len(stage_names or []), width)]
    rows = ["| integrated learning rate vs " + chains[0][0] + " | " + " | ".join(names[:width]) + " |",
            "|---" * (width + 1) + "|"]
    ref = [integrated_lr(r, log_dir) for r in chains[0][1]]
    for name, runs in chains[1:]:
        cells = []
        for i, run in enumerate(runs):
            mine = integrated_lr(run, log_dir)
            base = ref[i] if i < len(ref) else None
            cells.append("–" if mine is None or not base else f"{100 * (mine / base - 1):+.1f} %")
        cells += [""] * (width - len(cells))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", metavar="NAME=JSON", help="the reference first")
    ap.add_argument("--logs", nargs="*", default=[], metavar="NAME=RUN,RUN",
                    help="stage runs of a chain, in order, for the validation curve")
    ap.add_argument("--stage-names", default=None, help="comma-separated column names of the stages, e.g. 2,2b,2c,2d")
    ap.add_argument("--log-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs"))
    args = ap.parse_args(argv)
    models = []
    for item in args.models:
        name, _, path = item.partition("=")
        if not path:
            ap.error(f"{item}: give NAME=PATH")
        models.append((name, load(path)))
    print(accuracy_table(models))
    if len(models) > 1:
        print()
        print(f"Questions only {models[0][0]} gets right : questions only the other model gets right "
              "(exact McNemar p):")
        print()
        print(paired_table(models[0][0], models[0][1], models[1:]))
    if args.logs:
        chains = []
        for item in args.logs:
            name, _, runs = item.partition("=")
            chains.append((name, [r for r in runs.split(",") if r]))
        print()
        stage_names = args.stage_names.split(",") if args.stage_names else None
        print(curve_table(chains, args.log_dir, stage_names))
        print()
        print(lr_table(chains, args.log_dir, stage_names))


if __name__ == "__main__":
    main()
