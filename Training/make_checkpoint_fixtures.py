#!/usr/bin/env python3
"""Write the PyTorch-checkpoint fixtures of `litevl convert`: Tests/LiteVLTests/Fixtures/checkpoints/.

    python3 Training/make_checkpoint_fixtures.py          # no network, a few seconds on CPU

Files (all written by torch.save unless marked "hand-made"):
  blip_image.pth        (a) {'model': BLIP image-model state dict (no temporal_*) with BLIP's extras:
                            momentum copies *_m, queues, position_ids (int64), temp,
                            text_decoder.cls.predictions.decoder.bias}, 'optimizer': {...},
                            'epoch': 3, 'config': {...}}; pickle protocol 2 (torch's default)
  blip_retrieval.pth    a few tensors of a retrieval checkpoint (no text_decoder): refused by convert
  mixed_storage.pth     (b) a bare state dict: float16, bfloat16, float64 and int64 tensors, a
                            transposed (non-contiguous) view, two views of one storage at
                            different offsets, a 0-d tensor
  litevl.pth            (c) {'state_dict': LiteVL state dict with temporal_* keys}, protocol 4
                            (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE)
  evil_*.pth            (d) hand-made hostile or broken files, each refused by the reader
  expected.json         what (b) holds (shapes, strides, offsets, values), the configs, and the
                        VQA reference outputs' non-tensor facts (question ids, candidate ids)
  expected.safetensors  pos_embed of (a) resampled to 32 and 96 px (BLIP's interpolate_pos_embed),
                        question states and rank scores of the converted (a) at 96 px
  vocab.txt             a 298-token vocabulary for the 300-id fixture models ([DEC]=298, [ENC]=299)
  answers.txt           candidate answers for the CLI test

The VQA reference: (a) converted the LiteVL way (temporal "dynamic", temporal_attn/temporal_norm
copied from attn/norm1, temporal_scaling and temporal_embed zero), pooling off, on a video whose
pixels come from the recipe generator (seed 4242, scale 1: docs/model.md "Deterministic test
weights", so Swift regenerates it); the script asserts it equals BLIP's zero-shot video recipe
(the same weights with temporal "none": frames one by one, tokens concatenated).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from litevl_ref import LiteVL, LiteVLConfig, PoolingConfig, SpecialTokens, TextConfig, VisionConfig  # noqa: E402
from litevl_ref.recipe import materialize_entry  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "Tests", "LiteVLTests", "Fixtures", "checkpoints")
VOCAB = 300
MARKER = "/tmp/litevl-checkpoint-fixture-pwned"
VIDEO_SEED = 4242


def fixture_config(temporal: str, image_size: int = 64, pooling: bool = False) -> LiteVLConfig:
    text = TextConfig(vocab_size=VOCAB, hidden=32, layers=2, heads=2, intermediate=64, max_positions=40, eps=1e-12)
    return LiteVLConfig(
        name="ckpt-fixture",
        vision=VisionConfig(image_size=image_size, patch_size=16, width=32, depth=2, heads=2, mlp_dim=64,
                            eps=1e-6, num_frames=4, temporal=temporal),
        text=text, decoder=TextConfig(**vars(text)), embed_dim=16,
        pooling=PoolingConfig(enabled=pooling, tau=0.07),
        special_tokens=SpecialTokens(pad=0, unk=100, cls=101, sep=102, dec=VOCAB - 2, enc=VOCAB - 1))


def random_state(model: torch.nn.Module, gen: torch.Generator) -> "OrderedDict[str, torch.Tensor]":
    """Non-degenerate random weights: LayerNorm ~1, linear std 1/sqrt(fan_in), embeddings 0.5."""
    sd = OrderedDict()
    for name, t in model.state_dict().items():
        r = torch.randn(t.shape, generator=gen)
        if "norm" in name.lower():
            v = 1 + 0.1 * r if name.endswith("weight") else 0.05 * r
        elif "embed" in name or name.endswith("cls_token"):
            v = 0.5 * r
        elif name.endswith("weight") and t.dim() >= 2:
            v = r / float(np.prod(t.shape[1:])) ** 0.5
        else:
            v = 0.02 * r
        sd[name] = v.float().contiguous()
    return sd


def blip_pos_embed(pos_embed: torch.Tensor, new_grid: int) -> torch.Tensor:
    """BLIP's models/vit.py interpolate_pos_embed (one extra token: the class token)."""
    d = pos_embed.shape[-1]
    orig = int((pos_embed.shape[-2] - 1) ** 0.5)
    if orig == new_grid:
        return pos_embed
    extra, tokens = pos_embed[:, :1], pos_embed[:, 1:]
    tokens = tokens.reshape(-1, orig, orig, d).permute(0, 3, 1, 2)
    tokens = F.interpolate(tokens, size=(new_grid, new_grid), mode="bicubic", align_corners=False)
    tokens = tokens.permute(0, 2, 3, 1).flatten(1, 2)
    return torch.cat((extra, tokens), dim=1)


def to_litevl(image_sd, image_size: int, temporal: str, frames: int = 4):
    """The conversion rule of docs/checkpoints.md, in PyTorch (the Swift converter must match)."""
    sd = OrderedDict((k, v.clone()) for k, v in image_sd.items())
    sd["visual_encoder.pos_embed"] = blip_pos_embed(sd["visual_encoder.pos_embed"], image_size // 16)
    if temporal != "none":
        d = sd["visual_encoder.cls_token"].shape[-1]
        sd["visual_encoder.temporal_embed"] = torch.zeros(1, frames, d)
        depth = len({k.split(".")[2] for k in sd if k.startswith("visual_encoder.blocks.")})
        for l in range(depth):
            p = f"visual_encoder.blocks.{l}."
            for s in ("weight", "bias"):
                sd[p + "temporal_norm." + s] = sd[p + "norm1." + s].clone()
                sd[p + "temporal_attn.qkv." + s] = sd[p + "attn.qkv." + s].clone()
                sd[p + "temporal_attn.proj." + s] = sd[p + "attn.proj." + s].clone()
            if temporal == "dynamic":
                sd[p + "temporal_scaling.weight"] = torch.zeros(1, d)
                sd[p + "temporal_scaling.bias"] = torch.zeros(1)
    return sd


# ------------------------------------------------------------------------------------ zip writing

def write_torch_zip(path, pickle_bytes, storages, prefix="archive", compress=None, names=None):
    """A zip laid out like torch.save's: prefix/data.pkl, prefix/byteorder, prefix/data/<key>, prefix/version."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(f"{prefix}/data.pkl", pickle_bytes)
        z.writestr(f"{prefix}/byteorder", "little")
        for key, data in storages.items():
            name = (names or {}).get(key, f"{prefix}/data/{key}")
            z.writestr(zipfile.ZipInfo(name), data, compress_type=(compress or {}).get(key, zipfile.ZIP_STORED))
        z.writestr(f"{prefix}/version", "3\n")


class _Persist:
    def __init__(self, pid):
        self.pid = pid


class _RebuildTensor:
    def __init__(self, pid, offset, size, stride):
        self.args = (_Persist(pid), offset, size, stride, False, OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, _Persist) else None


def pickle_with_pids(obj, protocol=2) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


def evil_files():
    # os.system through REDUCE, written by hand so the module reads "os" (pickle would write posix).
    cmd = f"touch {MARKER}".encode()
    p = b"\x80\x02" + b"cos\nsystem\n" + b"X" + struct.pack("<I", len(cmd)) + cmd + b"\x85R."
    write_torch_zip(os.path.join(OUT, "evil_os_system.pth"), p, {})
    code = f"open('{MARKER}', 'w').close()".encode()
    p = b"\x80\x02" + b"cbuiltins\neval\n" + b"X" + struct.pack("<I", len(code)) + code + b"\x85R."
    write_torch_zip(os.path.join(OUT, "evil_eval.pth"), p, {})
    # subprocess.Popen through STACK_GLOBAL (protocol 4)
    argv = ["touch", MARKER]

    class Popen:
        def __reduce__(self):
            import subprocess
            return (subprocess.Popen, (argv,))
    write_torch_zip(os.path.join(OUT, "evil_popen.pth"), pickle.dumps(Popen(), protocol=4), {})
    # INST: a protocol-0 opcode that calls a class; refused by name before its operands matter
    p = b"\x80\x02(" + b"ios\nsystem\n."
    write_torch_zip(os.path.join(OUT, "evil_inst.pth"), p, {})

    small = torch.arange(6, dtype=torch.float32)
    tensor = _RebuildTensor(("storage", torch.FloatStorage, "0", "cpu", 6), 0, (6,), (1,))
    good_pickle = pickle_with_pids(OrderedDict([("w", tensor)]))
    # an entry named ../../evil next to a valid checkpoint
    write_torch_zip(os.path.join(OUT, "evil_traversal.pth"), good_pickle, {"0": small.numpy().tobytes(), "x": b"pwned"},
                    names={"x": "../../evil"})
    # a storage entry shorter than numel * 4
    write_torch_zip(os.path.join(OUT, "evil_short_storage.pth"), good_pickle, {"0": small.numpy().tobytes()[:12]})
    # a deflated storage entry
    write_torch_zip(os.path.join(OUT, "evil_deflated.pth"), good_pickle, {"0": bytes(4096)},
                    compress={"0": zipfile.ZIP_DEFLATED})
    # a central directory that declares a 4 GB entry in a tiny file
    path = os.path.join(OUT, "evil_declared_size.pth")
    write_torch_zip(path, good_pickle, {"0": small.numpy().tobytes()})
    raw = bytearray(open(path, "rb").read())
    name = b"archive/data/0"
    cd = 0
    while True:
        cd = raw.find(b"PK\x01\x02", cd)
        n = struct.unpack_from("<H", raw, cd + 28)[0]
        if raw[cd + 46:cd + 46 + n] == name:
            break
        cd += 4
    struct.pack_into("<II", raw, cd + 20, 0xFFFFFFF0, 0xFFFFFFF0)
    open(path, "wb").write(bytes(raw))
    # a tensor of 10^12 elements over a 24-byte storage
    huge = _RebuildTensor(("storage", torch.FloatStorage, "0", "cpu", 10 ** 12), 0, (10 ** 6, 10 ** 6), (10 ** 6, 1))
    write_torch_zip(os.path.join(OUT, "evil_huge_tensor.pth"), pickle_with_pids(OrderedDict([("w", huge)])),
                    {"0": small.numpy().tobytes()})
    # a stride that reaches past the storage
    bad = _RebuildTensor(("storage", torch.FloatStorage, "0", "cpu", 6), 2, (2, 3), (3, 1))
    write_torch_zip(os.path.join(OUT, "evil_stride.pth"), pickle_with_pids(OrderedDict([("w", bad)])),
                    {"0": small.numpy().tobytes()})
    evil_rank()
    # a truncated checkpoint: the first half of (a)
    data = open(os.path.join(OUT, "blip_image.pth"), "rb").read()
    open(os.path.join(OUT, "evil_truncated.pth"), "wb").write(data[: len(data) // 2])


def write_vocab():
    words = ("what color is the are does do how many where which who why when an of in on to it this that "
             "square circle triangle red green blue yellow black white left right up down yes no none one two three "
             "moving move moves turn turns change changes object shape video clip frame first last appear disappear "
             "there".split())
    lines = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    lines += [c for c in "abcdefghijklmnopqrstuvwxyz0123456789?.,!'\"-"] + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    lines += words
    lines += [f"[unused{99 + i}]" for i in range(VOCAB - 2 - len(lines))]
    assert len(lines) == VOCAB - 2 and len(set(lines)) == len(lines)
    with open(os.path.join(OUT, "vocab.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return {w: i for i, w in enumerate(lines)}


def evil_rank():
    """A checkpoint whose text encoder's word table is 1-D: every other tensor the converter reads
    first is well formed, so only a rank check stands between it and an index out of range."""
    sd = OrderedDict()
    sd["visual_encoder.cls_token"] = torch.zeros(1, 1, 8)
    sd["visual_encoder.patch_embed.proj.weight"] = torch.zeros(8, 3, 16, 16)
    sd["visual_encoder.pos_embed"] = torch.zeros(1, 5, 8)
    sd["visual_encoder.blocks.0.mlp.fc1.weight"] = torch.zeros(32, 8)
    sd["text_encoder.embeddings.word_embeddings.weight"] = torch.zeros(300)
    sd["text_encoder.embeddings.position_embeddings.weight"] = torch.zeros(40, 8)
    sd["text_encoder.encoder.layer.0.intermediate.dense.weight"] = torch.zeros(32, 8)
    sd["text_decoder.bert.embeddings.word_embeddings.weight"] = torch.zeros(300, 8)
    torch.save({"model": sd}, os.path.join(OUT, "evil_rank.pth"))


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    vocab = write_vocab()
    expected = {"marker": MARKER}
    tensors = {}

    # (a) BLIP image checkpoint ---------------------------------------------------------------
    cfg_none = fixture_config("none", 64)
    image_sd = random_state(LiteVL(cfg_none), gen)
    blip_sd = OrderedDict(image_sd)
    blip_sd["text_encoder.embeddings.position_ids"] = torch.arange(40).expand(1, -1)
    blip_sd["text_decoder.bert.embeddings.position_ids"] = torch.arange(40).expand(1, -1)
    blip_sd["text_decoder.cls.predictions.decoder.bias"] = image_sd["text_decoder.cls.predictions.bias"]  # shared, as tied
    blip_sd["temp"] = torch.tensor(0.07)
    blip_sd["visual_encoder_m.cls_token"] = image_sd["visual_encoder.cls_token"].clone()
    blip_sd["visual_encoder_m.pos_embed"] = image_sd["visual_encoder.pos_embed"].clone()
    blip_sd["vision_proj_m.weight"] = image_sd["vision_proj.weight"].clone()
    blip_sd["text_encoder_m.embeddings.LayerNorm.weight"] = image_sd["text_encoder.embeddings.LayerNorm.weight"].clone()
    blip_sd["image_queue"] = torch.randn(16, 8, generator=gen)
    blip_sd["text_queue"] = torch.randn(16, 8, generator=gen)
    blip_sd["idx_queue"] = torch.full((1, 8), -100, dtype=torch.long)
    blip_sd["ptr_queue"] = torch.zeros(1, dtype=torch.long)
    ckpt = {
        "model": blip_sd,
        "optimizer": {"state": {0: {"step": torch.tensor(10.0), "exp_avg": torch.randn(4, generator=gen)}},
                      "param_groups": [{"lr": 2e-5, "weight_decay": 0.05, "params": [0, 1, 2], "amsgrad": False,
                                        "betas": (0.9, 0.999), "eps": 1e-8, "name": None}]},
        "epoch": 3,
        "config": {"image_size": 64, "vit": "base", "batch_size_train": 16, "init_lr": 2e-5, "k_test": 128,
                   "inference": "rank", "train_files": ["vqa_train", "vg_qa"], "pretrained": "model_base.pth"},
    }
    torch.save(ckpt, os.path.join(OUT, "blip_image.pth"))
    for size in (32, 96):
        tensors[f"pos_embed_{size}"] = blip_pos_embed(image_sd["visual_encoder.pos_embed"], size // 16).contiguous()
    # a retrieval-style checkpoint (no text_decoder), trimmed to a few tensors
    retrieval = OrderedDict((k, v) for k, v in blip_sd.items()
                            if k.startswith(("visual_encoder.cls_token", "vision_proj", "text_proj", "itm_head", "image_queue", "temp")))
    torch.save({"model": retrieval}, os.path.join(OUT, "blip_retrieval.pth"))
    expected["a"] = {"image_keys": sorted(image_sd.keys()),
                     "dropped": sorted(set(blip_sd) - set(image_sd)), "epoch": 3}

    # (b) storage layouts ----------------------------------------------------------------------
    base = torch.arange(24, dtype=torch.float32) * 0.25 - 2.0
    mat = torch.randn(3, 5, generator=gen)
    b = OrderedDict()
    b["half"] = (torch.randn(2, 3, generator=gen)).half()
    b["bf16"] = (torch.randn(4, generator=gen)).bfloat16()
    b["double"] = torch.randn(2, 2, generator=gen, dtype=torch.float64)
    b["long"] = torch.arange(5, dtype=torch.long) * 7 - 3
    b["transposed"] = mat.t()                    # [5, 3], strides (1, 5)
    b["shared_a"] = base[2:8].view(2, 3)        # offset 2
    b["shared_b"] = base[10:22:2]               # offset 10, stride 2
    b["scalar"] = torch.tensor(1.5)
    torch.save(b, os.path.join(OUT, "mixed_storage.pth"))
    expected["b"] = {k: {"shape": list(v.shape), "stride": list(v.stride()), "offset": v.storage_offset(),
                         "dtype": str(v.dtype).replace("torch.", ""),
                         "values": v.double().flatten().tolist()} for k, v in b.items()}

    # (c) a LiteVL checkpoint (temporal keys present, trained-looking: nonzero scaling) --------
    lite = to_litevl(image_sd, 64, "dynamic")
    for k in lite:
        if "temporal" in k:
            lite[k] = lite[k] + 0.05 * torch.randn(lite[k].shape, generator=gen)
    torch.save({"state_dict": lite, "epoch": 1}, os.path.join(OUT, "litevl.pth"), pickle_protocol=4)
    expected["c"] = {"keys": sorted(lite.keys())}

    # VQA reference: (a) converted to LiteVL at 96 px vs BLIP's zero-shot recipe -------------
    size = 96
    video = torch.from_numpy(materialize_entry({"shape": [4, 3, size, size], "seed": VIDEO_SEED, "scale": 1.0, "offset": 0.0}))
    q_words = [["what", "color", "is", "the", "square", "?"], ["is", "the", "circle", "moving", "?"]]
    questions = [[101] + [vocab[w] for w in q] + [102] for q in q_words]
    answer_words = ["red", "blue", "yes", "no", "left", "the red square"]
    with open(os.path.join(OUT, "answers.txt"), "w") as f:
        f.write("\n".join(answer_words) + "\n")
    answers = [[VOCAB - 2] + [vocab[w] for w in a.split()] + [102] for a in answer_words]
    outs = {}
    with torch.no_grad():
        for temporal in ("dynamic", "none"):
            cfg = fixture_config(temporal, size)
            m = LiteVL(cfg).double()
            m.load_state_dict(OrderedDict((k, v.double()) for k, v in to_litevl(image_sd, size, temporal).items()))
            m.eval()
            v, _ = m.encode_video(video.double()[None])
            res = []
            for ids in questions:
                idt = torch.tensor([ids])
                mask = torch.ones_like(idt)
                out = m.encode_question(v, idt, mask)
                scores = m.answer_scores(out["question_states"], mask, answers)
                rank = m.rank_answer(out["question_states"], mask, answers)
                res.append((out["question_states"][0], scores, rank["best"]))
            outs[temporal] = (v[0], res)
    vd, rd = outs["dynamic"]
    vn, rn = outs["none"]
    assert torch.equal(vd, vn) or (vd - vn).abs().max() < 1e-12, (vd - vn).abs().max()
    for (sd_, scd, bd), (sn, scn, bn) in zip(rd, rn):
        assert (sd_ - sn).abs().max() < 1e-12 and (scd - scn).abs().max() < 1e-9 and bd == bn
    tensors["video_features_96"] = vd.float().contiguous()
    for i, (states, scores, best) in enumerate(rd):
        tensors[f"question_states_{i}"] = states.float().contiguous()
    expected["vqa"] = {"image_size": size, "frames": 4, "video_seed": VIDEO_SEED, "questions": questions,
                       "answers": answers, "answer_words": answer_words,
                       "scores": [r[1].tolist() for r in rd], "best": [r[2] for r in rd],
                       "max_abs_dynamic_vs_blip": float((vd - vn).abs().max())}
    save_file(tensors, os.path.join(OUT, "expected.safetensors"))
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")

    evil_files()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{OUT}: {len(os.listdir(OUT))} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
