#!/usr/bin/env python3
"""Write the parity fixtures of the Swift engine: Tests/LiteVLTests/Fixtures/<case>/.

    python3 Training/make_fixtures.py            # all cases, no network, ~1 min on CPU

Every case directory holds
  config.json                  the model config (docs/model.md, "config.json")
  recipe.json                  the weights as a deterministic recipe (docs/model.md,
                               "Deterministic test weights"); regenerate, don't store
  inputs_outputs.safetensors   inputs and reference outputs (float32 / int64)
  meta.json                    the non-tensor facts: questions, answers, ranking, generated ids,
                               tolerance hints
  model.safetensors            (tiny_dynamic only) the materialised recipe, written by the
                               `safetensors` package, to test the Swift loader on a real file

Reference outputs are computed in float64 (weights = the float32 recipe values widened), then
stored as float32; the same pipeline in float32 must agree on every discrete result (ranking,
greedy and beam ids), which the script asserts. meta.json's "f32_vs_f64_max_abs" gives, per
tensor, how far torch's own float32 computation lands from the stored values: a Swift engine
in float32 should land within a small multiple of that.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from litevl_ref import LiteVL, LiteVLConfig, PoolingConfig, SpecialTokens, TextConfig, VisionConfig  # noqa: E402
from litevl_ref import recipe as R  # noqa: E402

ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "Tests", "LiteVLTests", "Fixtures")

TINY_SPECIAL = SpecialTokens(pad=0, unk=100, cls=101, sep=102, dec=998, enc=999)
NUM_BEAMS, MAX_NEW, MIN_NEW = 3, 10, 1
SMALL_K = 3


def tiny_config(temporal: str, pooling: bool) -> LiteVLConfig:
    txt = TextConfig(vocab_size=1000, hidden=32, layers=2, heads=2, intermediate=64, max_positions=64)
    return LiteVLConfig(
        name=f"LiteVL-test-tiny-{temporal}{'' if pooling else '-nopool'}",
        vision=VisionConfig(image_size=32, patch_size=8, width=32, depth=2, heads=2, mlp_dim=64,
                            num_frames=4, temporal=temporal),
        text=txt, decoder=TextConfig(**vars(txt)), embed_dim=16,
        pooling=PoolingConfig(enabled=pooling, tau=0.07), special_tokens=TINY_SPECIAL)


def stem_config() -> LiteVLConfig:
    """tiny_dynamic with the optional convolutional stem (vision.stem_channels)."""
    cfg = tiny_config("dynamic", True)
    cfg.name = "LiteVL-test-tiny-stem"
    cfg.vision.stem_channels = [6, 8]
    return cfg


def strided_stem_config() -> LiteVLConfig:
    """tiny_dynamic with a strided stem: 3x3 convs of strides 1, 2, 2, then a 2x2 patch conv."""
    cfg = tiny_config("dynamic", True)
    cfg.name = "LiteVL-test-tiny-strided-stem"
    cfg.vision.stem_channels = [6, 8, 8]
    cfg.vision.stem_strides = [1, 2, 2]
    return cfg


def base_widths_config() -> LiteVLConfig:
    return LiteVLConfig(
        name="LiteVL-test-base-widths",
        vision=VisionConfig(image_size=32, patch_size=16, width=768, depth=2, heads=12, mlp_dim=3072,
                            num_frames=2, temporal="dynamic"),
        text=TextConfig(vocab_size=1000, hidden=768, layers=1, heads=12, intermediate=3072, max_positions=64),
        decoder=TextConfig(vocab_size=1000, hidden=768, layers=1, heads=12, intermediate=3072, max_positions=64),
        embed_dim=256, pooling=PoolingConfig(enabled=True, tau=0.07), special_tokens=TINY_SPECIAL)


CASES = [
    # name, config, recipe base seed, [SEP] logit bias, frames T, video seed, save model.safetensors
    ("tiny_dynamic", tiny_config("dynamic", True), 1000, 7.0, 4, 11, True),
    ("tiny_resample", tiny_config("dynamic", True), 1000, 7.0, 3, 12, False),
    ("tiny_fixed_nopool", tiny_config("fixed", False), 2000, 5.0, 4, 13, False),
    ("tiny_none", tiny_config("none", True), 3000, 5.0, 4, 14, False),
    ("base_widths", base_widths_config(), 4000, 4.0, 2, 15, False),
    ("tiny_stem", stem_config(), 5000, 7.0, 4, 16, False),
    ("tiny_stem_strided", strided_stem_config(), 6000, 7.0, 4, 17, False),
]
# The [SEP] bias (text_decoder.cls.predictions.bias[sep], a recipe "set" override) is chosen so
# that generation exercises everything: hypotheses that finish and ones that hit 10 tokens, beam
# results that differ from greedy, and (tiny_none, question 1) [SEP] as the most likely first token,
# which min_new_tokens = 1 forbids.


def case_recipe(model: LiteVL, base_seed: int, sep_bias: float):
    recipe = R.make_recipe(model, base_seed)
    for e in recipe:
        if e["name"] == "text_decoder.cls.predictions.bias":
            e["set"] = [[model.cfg.special_tokens.sep, sep_bias]]
    return recipe


def make_questions(cfg: LiteVLConfig, seed: int):
    """Two questions of different lengths, right-padded to the same length."""
    st = cfg.special_tokens
    rng = np.random.default_rng(seed)
    lens = [9, 5]                                           # with [CLS] and [SEP]
    L = max(lens)
    ids = np.full((2, L), st.pad, dtype=np.int64)
    mask = np.zeros((2, L), dtype=np.int64)
    for i, n in enumerate(lens):
        body = rng.integers(200, 990, size=n - 2)
        ids[i, :n] = [st.cls, *body.tolist(), st.sep]
        mask[i, :n] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def make_answers(cfg: LiteVLConfig, seed: int, greedy0, first_tok1):
    """Six candidates "[DEC] ... [SEP]"; two share a first token; one is question 0's greedy answer."""
    st = cfg.special_tokens
    rng = np.random.default_rng(seed + 7)
    t = [int(x) for x in rng.integers(200, 990, size=8)]
    g = [x for x in greedy0 if x != st.sep][:3] or [t[7]]
    cands = [
        [t[0]],
        [t[0], t[1]],                 # same first token as candidate 0
        [t[2]],
        [t[3], t[4], t[5]],
        g,                            # question 0's greedy answer (truncated to 3 tokens)
        [first_tok1, t[6]],           # question 1's most likely first token
    ]
    return [[st.dec, *c, st.sep] for c in cands]


def run(model: LiteVL, video: torch.Tensor, ids, mask, answers=None, *, k_small=SMALL_K):
    """Everything the fixture stores, for one dtype. video [T, 3, S, S]."""
    cfg = model.cfg
    out, disc = {}, {}
    with torch.no_grad():
        v, ex = model.encode_video(video[None], return_all=True)
        out["vit_x0"] = ex["x0"][0]
        out["vit_block0"] = ex["blocks"][0][0]
        out["vit_out"] = v[0]
        if ex["s"] is not None:
            out["s"] = ex["s"][0]
        out["video_feature"] = model.video_feature(v)[0]
        vv = v.expand(ids.shape[0], -1, -1, -1)
        enc = model.encode_question(vv, ids, mask)
        out["text_embeddings"] = enc["text_embeddings"]
        out["text_hidden"] = enc["text_hidden"]
        out["q"] = enc["q"]
        if cfg.pooling.enabled:
            out["temporal_weights"] = enc["temporal_weights"]
            out["spatial_weights"] = enc["spatial_weights"]
        out["memory"] = enc["memory"]
        out["question_states"] = enc["question_states"]
        out["cross_attn_last"] = enc["cross_probs"][-1]
        out["itm_logits"] = model.itm_head(enc["question_states"][:, 0])
        out["itc_similarity"] = (out["video_feature"][None] * enc["q"]).sum(-1)
        qs, qm = enc["question_states"], mask
        out["decoder_first_logits"] = model.first_token_logits(qs, qm)

        per_q = []
        for i in range(ids.shape[0]):
            qsi, qmi = qs[i:i + 1], qm[i:i + 1]
            sg, sb = {}, {}
            greedy = model.generate(qsi, qmi, num_beams=1, max_new_tokens=MAX_NEW, min_new_tokens=MIN_NEW,
                                    stats=sg)
            beam = model.generate(qsi, qmi, num_beams=NUM_BEAMS, max_new_tokens=MAX_NEW,
                                  min_new_tokens=MIN_NEW, stats=sb)
            greedy.min_margin, beam.min_margin = sg["min_margin"], sb["min_margin"]
            per_q.append({"greedy": greedy, "beam": beam})
        disc["gen"] = per_q
        if answers is not None:
            scores, first_probs, ranks, logits0 = [], [], [], []
            for i in range(ids.shape[0]):
                qsi, qmi = qs[i:i + 1], qm[i:i + 1]
                scores.append(model.answer_scores(qsi, qmi, answers))
                r_all = model.rank_answer(qsi, qmi, answers, k=128)
                r_small = model.rank_answer(qsi, qmi, answers, k=k_small)
                first_probs.append(r_all["first_probs"])
                ranks.append({"all": r_all, "small": r_small})
                a0 = torch.tensor([answers[0]])
                logits0.append(model.decoder_logits(a0, None, qsi, qmi)[0])
            out["rank_scores"] = torch.stack(scores)
            out["rank_first_probs"] = torch.stack(first_probs)
            out["answer0_logits"] = torch.stack(logits0)
            disc["rank"] = ranks
    return out, disc


def gen_json(h):
    return {"ids": h.tokens, "score": h.score, "finished": h.finished,
            "min_selection_margin": h.min_margin if math.isfinite(h.min_margin) else None}


def discrete_key(disc):
    gen = [(tuple(g["greedy"].tokens), tuple(g["beam"].tokens)) for g in disc["gen"]]
    rank = [(r["all"]["best"], tuple(r["all"]["topk"]), r["small"]["best"], tuple(r["small"]["topk"]))
            for r in disc.get("rank", [])]
    return gen, rank


def build_case(name, cfg: LiteVLConfig, base_seed, sep_bias, T, video_seed, save_model, out_root):
    t0 = time.time()
    d = os.path.join(out_root, name)
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(0)
    model = LiteVL(cfg).eval()
    recipe = case_recipe(model, base_seed, sep_bias)
    R.load_into(model, recipe)
    model64 = LiteVL(cfg).eval()
    R.load_into(model64, recipe)
    model64 = model64.double()

    g = torch.Generator().manual_seed(video_seed)
    S = cfg.vision.image_size
    video = torch.randn(T, 3, S, S, generator=g, dtype=torch.float32)
    ids, mask = make_questions(cfg, video_seed)

    # pass 1 (float64) without answers -> greedy answer of question 0, top first token of q1
    o64, d64 = run(model64, video.double(), ids, mask)
    first_tok1 = int(torch.argmax(o64["decoder_first_logits"][1]))
    answers = make_answers(cfg, video_seed, d64["gen"][0]["greedy"].tokens, first_tok1)

    o64, d64 = run(model64, video.double(), ids, mask, answers)
    o32, d32 = run(model, video, ids, mask, answers)
    if discrete_key(d64) != discrete_key(d32):
        raise SystemExit(f"{name}: float32 and float64 disagree on a discrete result: "
                         f"{discrete_key(d64)} vs {discrete_key(d32)}")

    st = cfg.special_tokens
    la = max(len(a) for a in answers)
    a_ids = torch.full((len(answers), la), st.pad, dtype=torch.long)
    for i, a in enumerate(answers):
        a_ids[i, :len(a)] = torch.tensor(a)

    tensors = {"video": video.contiguous(),
               "question_ids": ids, "question_mask": mask, "question_ids_enc": model.with_enc(ids),
               "answer_ids": a_ids, "answer_mask": (a_ids != st.pad).long()}
    diffs = {}
    for k, v in o64.items():
        tensors[k] = v.float().contiguous()
        diffs[k] = float((o32[k].double() - v).abs().max())
    save_file(tensors, os.path.join(d, "inputs_outputs.safetensors"))
    cfg.to_json(os.path.join(d, "config.json"))
    R.save_recipe(recipe, os.path.join(d, "recipe.json"))
    if save_model:
        weights = {k: torch.from_numpy(v) for k, v in R.materialize(recipe).items()}
        save_file(weights, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})

    questions = []
    for i in range(ids.shape[0]):
        n = int(mask[i].sum())
        r = d64["rank"][i]
        questions.append({
            "ids": ids[i, :n].tolist(),
            "ids_padded": ids[i].tolist(),
            "sep_is_top1_after_dec": int(torch.argmax(o64["decoder_first_logits"][i])) == st.sep,
            "greedy": gen_json(d64["gen"][i]["greedy"]),
            "beam": gen_json(d64["gen"][i]["beam"]),
            "rank": {
                "scores": o64["rank_scores"][i].tolist(),
                "first_token_probs": o64["rank_first_probs"][i].tolist(),
                "k_all": {"k": len(answers), "topk": r["all"]["topk"], "best": r["all"]["best"]},
                f"k_{SMALL_K}": {"k": SMALL_K, "topk": r["small"]["topk"], "best": r["small"]["best"]},
            },
        })
    N = cfg.vision.num_patches
    meta = {
        "case": name,
        "description": {
            "tiny_dynamic": "tiny LiteVL, dynamic temporal scaling, pooling, T = num_frames",
            "tiny_resample": "tiny_dynamic's model on a T=3 clip (temporal_embed resampled from 4 to 3)",
            "tiny_fixed_nopool": "temporal 'fixed' (s_l = 1), pooling disabled (M = V flattened)",
            "tiny_none": "temporal 'none' (BLIP frame by frame) with pooling",
            "base_widths": "BLIP-base widths (768/12 heads/3072, embed 256), 2 ViT blocks, 1 text and 1 decoder layer",
            "tiny_stem": "tiny_dynamic with the convolutional stem: vision.stem_channels [6, 8] (two 3x3 "
                         "stride-1 zero-padded convs, each + exact GELU, before the patch conv)",
            "tiny_stem_strided": "tiny_dynamic with a strided stem: vision.stem_channels [6, 8, 8], stem_strides "
                                 "[1, 2, 2] (3x3 zero-padded convs + exact GELU), then a 2x2 patch conv (8 / 4)",
        }[name],
        "frames": T,
        "num_patches": N,
        "memory_tokens": int(o64["memory"].shape[1]),
        "video_note": "`video` is already normalised: it goes straight into patch_embed (no image_mean/std).",
        "special_tokens": vars(st),
        "questions": questions,
        "answers": answers,
        "generation": {"num_beams": NUM_BEAMS, "max_new_tokens": MAX_NEW, "min_new_tokens": MIN_NEW,
                       "note": "ids are the new tokens after [DEC]; the terminating [SEP] is included "
                               "when the hypothesis finished; score = summed float64 log-probabilities; "
                               "min_selection_margin = smallest gap between the last candidate kept and "
                               "the first dropped over all steps (how near the search came to a tie)"},
        "tensors": {
            "video": "[T, 3, S, S] normalised input",
            "vit_x0": "[T, 1+N, D] patch+cls tokens + pos_embed (+ resampled temporal_embed) before block 0"
                      + (" (patch conv applied to the stem's output)" if cfg.vision.stem_channels else ""),
            "vit_block0": "[T, 1+N, D] after block 0 (before the final norm)",
            "vit_out": "[T, 1+N, D] V = norm(x)",
            "s": "[depth] s_l per block (dynamic: tanh(...); fixed: 1; absent for none)",
            "video_feature": "[E] normalize(mean_t vision_proj(V[t,0]))",
            "question_ids": "[2, L] int64, [CLS] first, right-padded with [PAD]",
            "question_mask": "[2, L] int64 1 = token, 0 = pad",
            "question_ids_enc": "[2, L] the multimodal ids ([CLS] -> [ENC])",
            "text_embeddings": "[2, L, H] text-mode embeddings output (LayerNorm(word + pos))",
            "text_hidden": "[2, L, H] text-mode last hidden state",
            "q": "[2, E] normalize(text_proj(text_hidden[:, 0]))",
            "temporal_weights": "[2, T] a_t (pooling only)",
            "spatial_weights": "[2, N] b_j (pooling only)",
            "memory": "[2, Mlen, D] cross-attention memory per question",
            "question_states": "[2, L, H] multimodal text-encoder output (pad rows included; they are "
                               "well defined but never used downstream)",
            "cross_attn_last": "[2, heads, L, Mlen] cross-attention probabilities of the last text-encoder layer",
            "itm_logits": "[2, 2] itm_head(question_states[:, 0]) (ITM of each question as the text)",
            "itc_similarity": "[2] <video_feature, q>",
            "decoder_first_logits": "[2, vocab] decoder logits for the token after [DEC]",
            "answer_ids": "[C, La] int64 candidates '[DEC] ... [SEP]' right-padded with [PAD]",
            "answer_mask": "[C, La] int64",
            "rank_scores": "[2, C] full-sequence score of every candidate (candidate index order)",
            "rank_first_probs": "[2, C] softmax(first logits)[answer first token]",
            "answer0_logits": "[2, len(answer 0), vocab] decoder logits of candidate 0, no padding",
        },
        "tolerance": {
            "note": "stored values come from a float64 run; f32_vs_f64_max_abs is torch float32's own "
                    "max abs error per tensor; compare Swift float32 with atol = max(1e-5, 20 * that), "
                    "or the suggested defaults",
            "suggested_atol": 1e-3 if name == "base_widths" else 1e-4,
            "suggested_rtol": 1e-3,
            "f32_vs_f64_max_abs": diffs,
        },
        "recipe_base_seed": base_seed,
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, allow_nan=False)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))
    print(f"{name}: {size / 1024:.0f} KiB, {time.time() - t0:.1f}s, memory {tuple(o64['memory'].shape)}, "
          f"s={o64.get('s', torch.tensor([])).tolist()}")
    return size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=OUT, help="fixtures root (default Tests/LiteVLTests/Fixtures)")
    ap.add_argument("--only", nargs="*", help="case names to build (default all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    total = 0
    for name, cfg, seed, sep_bias, T, vseed, save_model in CASES:
        if args.only and name not in args.only:
            continue
        total += build_case(name, cfg, seed, sep_bias, T, vseed, save_model, args.out)
    print(f"total {total / 1024:.0f} KiB in {args.out}")


if __name__ == "__main__":
    main()
