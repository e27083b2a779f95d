#!/usr/bin/env python3
"""The PyTorch reference (Training/litevl_ref, eager, float32) timed stage by stage, the way
`litevl bench` times the Swift engine, on the same weights, frames, question and answer list.

    litevl bench --model DIR --dump-inputs IN ...        # the Swift side writes IN/
    python3 Training/bench_torch.py --model DIR --inputs IN --threads 2 --repetitions 3 [--json]

scripts/bench-compare.sh runs both in one invocation and prints the ratios (docs/performance.md).

IN/video.safetensors holds the normalised frames [T, 3, S, S] that the Swift decoder produced
(so both models see identical pixels); IN/inputs.json the question's token ids (text mode with
[CLS], multimodal with [ENC]), the candidate answers as "[DEC] ... [SEP]" ids and the Swift answer.

Stages (mean +- sample std over --repetitions runs after one warm-up):
  decode+preprocess  PyAV sampling the same clip the same way (Training/bench_decode_pyav.py, seek
                     mode: T frames at segment middles, SxS bicubic RGB, BLIP normalisation, thumbnails)
  vit.embed / vit.temporal / vit.spatial / vit.mlp / vit.norm
                     VisionTransformer.forward with a clock between its steps (the same module calls
                     as Block.forward; checked bit-identical against model.encode_video once)
  text.feature       model.encode_text (text mode, [CLS]) -> q
  pooling            model.memory(V, q): text-dependent pooling and the memory rows
  text.encoder       model.text_encoder on [ENC] ids cross-attending the memory
  answer.rank        model.rank_answer(k=128) over the answer list
OMP_WAIT_POLICY defaults to PASSIVE (see below).
Memory: VmRSS after load, at the end, and VmHWM (peak) from /proc/self/status.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# OpenMP threads that spin while waiting make torch 10-20x slower whenever other processes compete
# for the cores (measured here: 1.3 s instead of 0.07 s per tiny clip next to a training job).
# Passive waiting is torch's best setting on a shared machine; export OMP_WAIT_POLICY=ACTIVE to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

from litevl_ref import LiteVL, LiteVLConfig  # noqa: E402


def memory_mb():
    """(VmRSS, VmHWM) in MiB, or (None, None) off Linux."""
    try:
        fields = {}
        with open("/proc/self/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                fields[k] = v
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None, None


class Clock:
    def __init__(self):
        self.stages = {}
        self.mark = time.perf_counter()

    def start(self):
        self.mark = time.perf_counter()

    def record(self, name):
        now = time.perf_counter()
        self.stages[name] = self.stages.get(name, 0.0) + (now - self.mark)
        self.mark = now


def vit_forward(ve, video, clock):
    """VisionTransformer.forward (litevl_ref/model.py) with a clock between its steps."""
    clock.start()
    x = ve.embed(video)
    clock.record("vit.embed")
    for blk in ve.blocks:
        b, t, n1, d = x.shape
        if blk.temporal != "none":
            if blk.temporal == "dynamic":
                c = x[:, :, 0, :].mean(dim=1)
                s = torch.tanh(blk.temporal_scaling(c)).squeeze(-1)
            else:
                s = torch.ones(b, dtype=x.dtype, device=x.device)
            xt = x.permute(0, 2, 1, 3).reshape(b * n1, t, d)
            yt = blk.temporal_attn(blk.temporal_norm(xt))
            yt = yt.reshape(b, n1, t, d).permute(0, 2, 1, 3)
            x = x + s[:, None, None, None] * yt
            clock.record("vit.temporal")
        xs = x.reshape(b * t, n1, d)
        xs = xs + blk.attn(blk.norm1(xs))
        clock.record("vit.spatial")
        xs = xs + blk.mlp(blk.norm2(xs))
        x = xs.reshape(b, t, n1, d)
        clock.record("vit.mlp")
    v = ve.norm(x)
    clock.record("vit.norm")
    return v


def vit_flops(cfg, t):
    """The same FLOP count `litevl bench` uses for the ViT blocks."""
    v = cfg.vision
    rows, d, p, depth = t * (1 + v.num_patches), v.width, 1 + v.num_patches, v.depth
    temporal = 0 if v.temporal == "none" else depth * (2 * rows * d * 3 * d + 2 * rows * d * d + 4 * rows * t * d)
    spatial = depth * (2 * rows * d * 3 * d + 2 * rows * d * d + 4 * t * p * p * d)
    mlp = depth * 4 * rows * d * v.mlp_dim
    return {"vit.temporal": temporal, "vit.spatial": spatial, "vit.mlp": mlp}


def stat(xs):
    m = statistics.fmean(xs)
    return m, (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model directory (config.json, model.safetensors)")
    ap.add_argument("--inputs", required=True, help="directory written by `litevl bench --dump-inputs`")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (= the BLAS threads of litevl bench)")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--k", type=int, default=128, help="rank_answer's k")
    ap.add_argument("--no-decode", action="store_true", help="skip the PyAV decode+preprocess stage")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)

    with open(os.path.join(a.inputs, "inputs.json")) as f:
        inputs = json.load(f)
    video = load_file(os.path.join(a.inputs, "video.safetensors"))["video"].float()[None]  # [1, T, 3, S, S]
    t = video.shape[1]

    # Load: the model built on the meta device, then the safetensors tensors assigned (no init, no copy).
    t0 = time.perf_counter()
    cfg = LiteVLConfig.from_json(os.path.join(a.model, "config.json"))
    with torch.device("meta"):
        model = LiteVL(cfg)
    state = {k: v.float() for k, v in load_file(os.path.join(a.model, "model.safetensors")).items()}
    model.load_state_dict(state, strict=True, assign=True)
    del state
    model.eval()
    load_ms = (time.perf_counter() - t0) * 1000
    rss_after_load, _ = memory_mb()

    text_ids = torch.tensor([inputs["text_ids"]], dtype=torch.long)
    mask = torch.ones_like(text_ids)
    assert model.with_enc(text_ids)[0].tolist() == inputs["question_ids"], "multimodal ids differ from litevl's"
    answer_ids = inputs["answer_ids"]

    sample = None
    if not a.no_decode and inputs.get("clip") and os.path.exists(inputs["clip"]):
        try:
            from bench_decode_pyav import sample
        except ImportError:
            sample = None

    runs = {}
    per_clip, per_question, encode = [], [], []
    answer = None
    for rep in range(a.repetitions + 1):
        clock = Clock()
        clip_start = time.perf_counter()
        decode = 0.0
        if sample is not None:
            sample(inputs["clip"], t, cfg.vision.image_size, "seek", 0)
            decode = time.perf_counter() - clip_start
        enc_start = time.perf_counter()
        v = vit_forward(model.visual_encoder, video, clock)
        enc_end = time.perf_counter()
        if rep == 0:
            ref, _ = model.encode_video(video)
            assert torch.equal(ref, v), "instrumented ViT differs from encode_video"
        q_start = time.perf_counter()
        clock.start()
        q, _, _ = model.encode_text(text_ids, mask)
        clock.record("text.feature")
        m, _ = model.memory(v, q)
        clock.record("pooling")
        states, _ = model.text_encoder(model.with_enc(text_ids), mask, encoder_states=m, encoder_mask=None)
        clock.record("text.encoder")
        ranked = model.rank_answer(states, mask, answer_ids, k=a.k)
        clock.record("answer.rank")
        q_end = time.perf_counter()
        answer = inputs["answers"][ranked["best"]] if inputs.get("answers") else None
        if rep == 0:
            continue
        if sample is not None:
            clock.stages["decode+preprocess"] = decode
        for k, x in clock.stages.items():
            runs.setdefault(k, []).append(x)
        encode.append(enc_end - enc_start)
        per_clip.append(enc_end - clip_start)
        per_question.append(q_end - q_start)
    rss_end, peak = memory_mb()

    flops = vit_flops(cfg, t)
    order = ["decode+preprocess", "vit.embed", "vit.temporal", "vit.spatial", "vit.mlp", "vit.norm",
             "text.feature", "pooling", "text.encoder", "answer.rank"]
    stages = []
    for name in order:
        if name not in runs:
            continue
        m, s = stat(runs[name])
        row = {"stage": name, "mean_ms": m * 1000, "std_ms": s * 1000}
        if flops.get(name):
            row["gflops"] = flops[name] / m / 1e9
        stages.append(row)
    vit = [sum(runs[k][i] for k in ("vit.temporal", "vit.spatial", "vit.mlp") if k in runs) for i in range(a.repetitions)]
    vit_m, vit_s = stat(vit)
    enc_m, enc_s = stat(encode)
    clip_m, clip_s = stat(per_clip)
    q_m, q_s = stat(per_question)
    summary = {
        "impl": "torch", "torch": torch.__version__, "model": cfg.name, "frames": t, "size": cfg.vision.image_size,
        "threads": torch.get_num_threads(), "repetitions": a.repetitions, "question": inputs.get("question"),
        "answer": answer, "litevl_answer": inputs.get("answer"), "load_ms": load_ms,
        "vit_ms": vit_m * 1000, "vit_std_ms": vit_s * 1000, "vit_gflops": sum(flops.values()) / vit_m / 1e9,
        "encode_ms": enc_m * 1000, "encode_std_ms": enc_s * 1000,
        "per_clip_ms": clip_m * 1000, "per_clip_std_ms": clip_s * 1000,
        "per_question_ms": q_m * 1000, "per_question_std_ms": q_s * 1000,
        "rss_after_load_mb": rss_after_load, "rss_end_mb": rss_end, "peak_rss_mb": peak,
        "stages": stages, "blas": torch.__config__.parallel_info().splitlines()[0] if hasattr(torch.__config__, "parallel_info") else "",
        "python": platform.python_version(),
    }
    if a.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
        return
    print(f"model: {cfg.name}, {t} frames at {cfg.vision.image_size}px, torch {torch.__version__} eager float32, "
          f"{torch.get_num_threads()} threads, {a.repetitions} runs after a warm-up")
    print(f"load: {load_ms:.1f} ms; memory: RSS {rss_after_load:.1f} MiB after load, {rss_end:.1f} MiB at the end, peak {peak:.1f} MiB")
    print("| stage | ms | ± | GFLOP/s |")
    print("|---|---:|---:|---:|")
    for r in stages:
        g = f"{r['gflops']:.1f}" if "gflops" in r else ""
        print(f"| {r['stage']} | {r['mean_ms']:.2f} | {r['std_ms']:.2f} | {g} |")
    print(f"| ViT forward | {vit_m * 1000:.2f} | {vit_s * 1000:.2f} | {summary['vit_gflops']:.1f} |")
    print(f"| clip encoding | {enc_m * 1000:.2f} | {enc_s * 1000:.2f} | |")
    print(f"| total per clip | {clip_m * 1000:.2f} | {clip_s * 1000:.2f} | |")
    print(f"| per question | {q_m * 1000:.2f} | {q_s * 1000:.2f} | |")
    print(f"answer: {answer} (litevl: {inputs.get('answer')})")


if __name__ == "__main__":
    main()
