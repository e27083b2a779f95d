#!/usr/bin/env python3
"""Swift vs PyTorch answer agreement on one manifest, question by question.

    python3 Training/evaluate.py MANIFEST --model M --json torch.json
    litevl eval MANIFEST --model M --predictions swift.jsonl
    python3 Training/agreement.py torch.json swift.jsonl

Questions are matched by (clip file name, question); prints the agreement and every difference.
Exit status 1 if the two sets of questions differ.
"""
from __future__ import annotations

import json
import os
import sys


def key(p: dict):
    return os.path.basename(p["video"]), p["question"]


def main() -> int:
    torch_json, swift_jsonl = sys.argv[1], sys.argv[2]
    ref = {key(p): p for p in json.load(open(torch_json))["predictions"]}
    sw = {}
    for line in open(swift_jsonl):
        if line.strip():
            p = json.loads(line)
            sw[key(p)] = p
    if set(ref) != set(sw):
        print(f"question sets differ: {len(ref)} in {torch_json}, {len(sw)} in {swift_jsonl}, "
              f"{len(set(ref) & set(sw))} shared")
        return 1
    diff = [k for k in ref if ref[k]["prediction"] != sw[k]["prediction"]]
    n = len(ref)
    print(f"agreement {n - len(diff)}/{n} = {(n - len(diff)) / n:.4f}")
    for k in diff:
        print(f"  {k[0]} {k[1]!r}: torch {ref[k]['prediction']!r}, swift {sw[k]['prediction']!r}, "
              f"answer {ref[k]['answer']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
