"""Rephrase a ShapesQA manifest's questions away from the spec's templates (same clips, same answers).

  python3 Training/make_paraphrases.py Training/data/testset/manifest.jsonl   # -> manifest_paraphrased.jsonl

Each question is matched against its template and rewritten with one of several paraphrases per
family (chosen by a hash of the question, so the output is stable). It measures how much of the model's
accuracy survives wording it was never trained on (issue 6: BERT/MiniLM initialisation of the text side
"should make the model understand questions phrased differently from the templates").
"""

from __future__ import annotations

import json
import os
import re
import sys
import zlib

PARA = {
    "shape": (r"what shape is the (\w+) object\?", ["which shape is the {0} one?", "what is the shape of the {0} object?",
                                                     "the {0} thing, what shape does it have?"]),
    "color": (r"what color is the (\w+)\?", ["which colour is the {0}?", "what is the color of the {0}?",
                                             "the {0} has which color?"]),
    "count": (r"how many objects are there\?", ["how many shapes are in the video?", "what is the number of objects?",
                                                 "count the objects in the clip"]),
    "direction": (r"which way is the (\w+) (\w+) moving\?", ["in which direction does the {0} {1} move?",
                                                              "where is the {0} {1} going?",
                                                              "what direction is the {0} {1} heading?"]),
    "moving": (r"is the (\w+) (\w+) moving\?", ["does the {0} {1} move?", "is the {0} {1} in motion?",
                                                 "does the {0} {1} stay still or move?"]),
    "order": (r"which appears first, the (\w+) or the (\w+)\?", ["which one shows up first, the {0} or the {1}?",
                                                                  "what comes first, the {0} or the {1}?",
                                                                  "the {0} or the {1}: which is visible earlier?"]),
    "change": (r"what color does the (\w+) turn\?", ["what colour does the {0} become?", "which color does the {0} change to?",
                                                     "the {0} turns into what color?"]),
    "vanish": (r"does the (\w+) (\w+) disappear\?", ["does the {0} {1} vanish?", "does the {0} {1} go away?",
                                                     "is the {0} {1} gone at some point?"]),
}


def paraphrase(q: str, family: str) -> str:
    pat, outs = PARA[family]
    m = re.fullmatch(pat, q)
    if not m:
        raise SystemExit(f"question does not match the {family} template: {q!r}")
    return outs[zlib.crc32(q.encode()) % len(outs)].format(*m.groups())


def main():
    src = sys.argv[1]
    dst = os.path.join(os.path.dirname(src), "manifest_paraphrased.jsonl")
    n = 0
    with open(dst, "w") as out:
        for line in open(src):
            if not line.strip():
                continue
            it = json.loads(line)
            it["question"] = paraphrase(it["question"], it["family"])
            out.write(json.dumps(it) + "\n")
            n += 1
    print(f"{n} questions -> {dst}")


if __name__ == "__main__":
    main()
