"""Self-checks of the PyTorch reference (run: python3 -m pytest Training/tests -q)."""

import json
import math
import os
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
sys.path.insert(0, TRAINING)

import make_fixtures as MF  # noqa: E402
from litevl_ref import LiteVL, LiteVLConfig  # noqa: E402
from litevl_ref import recipe as R  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(TRAINING), "Tests", "LiteVLTests", "Fixtures")
torch.set_num_threads(1)

# the values docs/model.md gives for the Swift port (seed 1, indices 0..4, scale 1, offset 0)
DOC_SAMPLES = [0.13312304019927979, 0.49156343936920166, 0.9420053958892822,
               -0.1112816333770752, -0.11147069931030273]


def splitmix_u(seed, i):
    m = (1 << 64) - 1
    z = (seed + (i + 1) * 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    z = z ^ (z >> 31)
    return ((z >> 40) * 2.0 ** -24) * 2.0 - 1.0


def tiny_model(temporal="dynamic", pooling=True, base_seed=1000):
    cfg = MF.tiny_config(temporal, pooling)
    model = LiteVL(cfg).eval()
    rec = R.make_recipe(model, base_seed)
    R.load_into(model, rec)
    return model.double(), rec


def video_and_questions(model, T=4, seed=5):
    g = torch.Generator().manual_seed(seed)
    S = model.cfg.vision.image_size
    video = torch.randn(1, T, 3, S, S, generator=g, dtype=torch.float64)
    ids, mask = MF.make_questions(model.cfg, seed)
    return video, ids, mask


# ---------------------------------------------------------------------------- recipe -------

def test_recipe_doc_samples():
    vals = R.materialize_entry({"shape": [5], "seed": 1, "scale": 1.0, "offset": 0.0})
    assert [float(v) for v in vals] == [float(np.float32(x)) for x in DOC_SAMPLES]
    assert list(R.uniform_pm1(1, 5)) == DOC_SAMPLES


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**63 + 17, 2**64 - 1])
def test_recipe_matches_scalar_splitmix(seed):
    u = R.uniform_pm1(seed, 300)
    assert list(u) == [splitmix_u(seed, i) for i in range(300)]


def test_recipe_scale_offset_and_set():
    e = {"shape": [2, 3], "seed": 7, "scale": 0.1, "offset": 1.0, "set": [[4, 2.5]]}
    v = R.materialize_entry(e)
    assert v.dtype == np.float32 and v.shape == (2, 3)
    expect = [np.float32(1.0 + 0.1 * splitmix_u(7, i)) for i in range(6)]
    expect[4] = np.float32(2.5)
    assert list(v.reshape(-1)) == expect


# ---------------------------------------------------------------------------- config -------

def test_config_roundtrip(tmp_path):
    cfg = MF.base_widths_config()
    p = tmp_path / "config.json"
    cfg.to_json(str(p))
    assert LiteVLConfig.from_json(str(p)) == cfg
    d = json.loads(p.read_text())
    del d["special_tokens"]                       # optional: BLIP's values by default
    d["text"]["vocab_size"] = d["decoder"]["vocab_size"] = 30524
    assert LiteVLConfig.from_dict(d).special_tokens.dec == 30522


def test_state_dict_names():
    model, _ = tiny_model()
    names = set(model.state_dict())
    for n in ["visual_encoder.blocks.0.attn.qkv.weight", "visual_encoder.temporal_embed",
              "visual_encoder.blocks.1.temporal_scaling.weight", "visual_encoder.blocks.0.temporal_attn.proj.bias",
              "text_encoder.encoder.layer.0.crossattention.self.query.weight",
              "text_encoder.encoder.layer.1.crossattention.output.LayerNorm.bias",
              "text_decoder.bert.encoder.layer.0.attention.self.key.weight",
              "text_decoder.cls.predictions.decoder.weight", "text_decoder.cls.predictions.bias",
              "text_decoder.cls.predictions.transform.LayerNorm.weight",
              "vision_proj.weight", "text_proj.bias", "itm_head.weight"]:
        assert n in names, n
    sd = model.state_dict()
    assert tuple(sd["text_encoder.encoder.layer.0.crossattention.self.key.weight"].shape) == (32, 32)
    none, _ = tiny_model("none")
    assert not any("temporal" in n for n in none.state_dict())
    fixed, _ = tiny_model("fixed")
    assert not any("temporal_scaling" in n for n in fixed.state_dict())
    assert any("temporal_attn" in n for n in fixed.state_dict())


# ---------------------------------------------------------------------------- vision -------

def test_dynamic_with_zero_scaling_equals_none_frame_by_frame():
    dyn, _ = tiny_model("dynamic")
    with torch.no_grad():
        dyn.visual_encoder.temporal_embed.zero_()
        for blk in dyn.visual_encoder.blocks:
            blk.temporal_scaling.weight.zero_()
            blk.temporal_scaling.bias.zero_()
    none = LiteVL(MF.tiny_config("none", True)).double().eval()
    sd = {k: v for k, v in dyn.state_dict().items() if "temporal" not in k}
    none.load_state_dict(sd, strict=True)
    video, _, _ = video_and_questions(dyn)
    with torch.no_grad():
        v_dyn, ex = dyn.encode_video(video)
        assert torch.all(ex["s"] == 0)
        v_none, _ = none.encode_video(video)
        assert torch.equal(v_dyn, v_none)
        for t in range(video.shape[1]):          # BLIP frame by frame
            v_t, _ = none.encode_video(video[:, t:t + 1])
            torch.testing.assert_close(v_t[:, 0], v_none[:, t], rtol=0, atol=1e-12)


def test_temporal_embed_resampling():
    model, _ = tiny_model()
    te = model.visual_encoder.temporal_embed
    from litevl_ref.model import resample_temporal_embed
    r = resample_temporal_embed(te, 3)[0]
    Fn, T = te.shape[1], 3
    for t in range(T):                              # the formula docs/model.md gives
        src = max((t + 0.5) * Fn / T - 0.5, 0.0)
        i0 = int(math.floor(src))
        i1 = min(i0 + 1, Fn - 1)
        w = src - i0
        torch.testing.assert_close(r[t], (1 - w) * te[0, i0] + w * te[0, i1])
    assert torch.equal(resample_temporal_embed(te, Fn), te)


def test_fixed_has_unit_scaling_and_batch_independence():
    model, _ = tiny_model("fixed", pooling=False)
    video, ids, mask = video_and_questions(model)
    video2 = torch.cat([video, video.flip(1)], dim=0)
    with torch.no_grad():
        v2, ex = model.encode_video(video2)
        v1, _ = model.encode_video(video2[1:])
    assert torch.all(ex["s"] == 1)
    torch.testing.assert_close(v2[1:], v1)


# ---------------------------------------------------------------------------- text ---------

def test_text_cls_invariant_to_padding():
    model, _ = tiny_model()
    _, ids, mask = video_and_questions(model)
    n = int(mask[1].sum())
    with torch.no_grad():
        q_pad, _, _ = model.encode_text(ids[1:], mask[1:])
        q_unpad, _, _ = model.encode_text(ids[1:, :n], mask[1:, :n])
        # more padding, and a different pad content must not matter either
        ids_x = torch.cat([ids[1:], torch.full((1, 4), 0)], 1)
        ids_x[0, n:] = 555
        q_x, _, _ = model.encode_text(ids_x, torch.cat([mask[1:], torch.zeros(1, 4, dtype=torch.long)], 1))
    torch.testing.assert_close(q_pad, q_unpad, rtol=0, atol=1e-12)
    torch.testing.assert_close(q_x, q_unpad, rtol=0, atol=1e-12)


def test_question_encoding_batched_equals_single_and_padding_invariant():
    model, _ = tiny_model()
    video, ids, mask = video_and_questions(model)
    n = int(mask[1].sum())
    with torch.no_grad():
        v, _ = model.encode_video(video)
        both = model.encode_question(v.expand(2, -1, -1, -1), ids, mask)
        one = model.encode_question(v, ids[1:, :n], mask[1:, :n])
    torch.testing.assert_close(both["question_states"][1, :n], one["question_states"][0], rtol=0, atol=1e-10)
    torch.testing.assert_close(both["memory"][1], one["memory"][0], rtol=0, atol=1e-12)
    torch.testing.assert_close(both["temporal_weights"][1], one["temporal_weights"][0])
    cp = both["cross_probs"][-1]
    assert cp.shape == (2, model.cfg.text.heads, ids.shape[1], both["memory"].shape[1])
    torch.testing.assert_close(cp.sum(-1), torch.ones_like(cp.sum(-1)))
    m = both["memory"].shape[1]
    T, N = video.shape[1], model.cfg.vision.num_patches
    assert m == T * (1 + N) + 1 + N + T
    # the memory's pooled parts follow the formulas
    a, b = both["temporal_weights"][0], both["spatial_weights"][0]
    V = v[0]
    torch.testing.assert_close(both["memory"][0, T * (1 + N):T * (1 + N) + 1 + N], (a[:, None, None] * V).sum(0))
    torch.testing.assert_close(both["memory"][0, -T:], (b[None, :, None] * V[:, 1:]).sum(1))


# ---------------------------------------------------------------------------- decoder ------

def answers_for(model):
    st = model.cfg.special_tokens
    return [[st.dec, 300, st.sep], [st.dec, 300, 301, st.sep], [st.dec, 400, st.sep],
            [st.dec, 500, 501, 502, st.sep], [st.dec, 600, st.sep], [st.dec, 300, 700, st.sep]]


def encoded(model):
    video, ids, mask = video_and_questions(model)
    with torch.no_grad():
        v, _ = model.encode_video(video)
        enc = model.encode_question(v.expand(2, -1, -1, -1), ids, mask)
    return enc["question_states"], mask


def test_rank_answer_matches_brute_force():
    model, _ = tiny_model()
    qs, qm = encoded(model)
    answers = answers_for(model)
    V = model.cfg.decoder.vocab_size
    for i in range(2):
        qsi, qmi = qs[i:i + 1], qm[i:i + 1]
        with torch.no_grad():
            scores = model.answer_scores(qsi, qmi, answers)
            brute = []
            for a in answers:                       # one unpadded candidate at a time, explicit sums
                logits = model.decoder_logits(torch.tensor([a]), None, qsi, qmi)[0]
                s = 0.0
                for pos in range(len(a) - 1):
                    lp = torch.log_softmax(logits[pos].double(), -1)
                    y = a[pos + 1]
                    s -= 0.9 * (-float(lp[y])) + 0.1 * (-float(lp.sum()) / V)
                    ce = F.cross_entropy(logits[pos][None], torch.tensor([y]), label_smoothing=0.1)
                    assert abs(float(ce) - (0.9 * -float(lp[y]) - 0.1 * float(lp.sum()) / V)) < 1e-9
                brute.append(s)
            torch.testing.assert_close(scores, torch.tensor(brute, dtype=torch.float64), rtol=0, atol=1e-9)
            r = model.rank_answer(qsi, qmi, answers, k=128)
            assert r["best"] == int(np.argmax(brute))
            # top-k: by first-token prob, stable (candidates 0, 1, 5 share their first token)
            p = torch.softmax(model.first_token_logits(qsi, qmi)[0].double(), -1)
            keyed = sorted(range(len(answers)), key=lambda c: (-float(p[answers[c][1]]), c))
            assert r["topk"] == keyed
            r3 = model.rank_answer(qsi, qmi, answers, k=3)
            assert r3["topk"] == keyed[:3]
            assert r3["best"] == max(keyed[:3], key=lambda c: (brute[c], -keyed.index(c)))


def test_greedy_equals_beam_1_and_naive_loop():
    model, _ = tiny_model()
    qs, qm = encoded(model)
    st = model.cfg.special_tokens
    for i in range(2):
        qsi, qmi = qs[i:i + 1], qm[i:i + 1]
        with torch.no_grad():
            h = model.generate(qsi, qmi, num_beams=1)
            toks = []
            for step in range(10):
                logits = model.decoder_logits(torch.tensor([[st.dec] + toks]), None, qsi, qmi)[0, -1]
                if step < 1:
                    logits[st.sep] = -math.inf
                toks.append(int(torch.argmax(logits)))
                if toks[-1] == st.sep:
                    break
        assert h.tokens == toks


def test_beam_search_finds_no_worse_than_greedy():
    model, _ = tiny_model()
    qs, qm = encoded(model)
    for i in range(2):
        with torch.no_grad():
            g = model.generate(qs[i:i + 1], qm[i:i + 1], num_beams=1)
            b = model.generate(qs[i:i + 1], qm[i:i + 1], num_beams=3)
        assert len(b.tokens) >= 1 and len(b.tokens) <= 10
        if g.finished and b.finished:
            assert b.score >= g.score - 1e-12


def test_itm_itc_shapes():
    model, _ = tiny_model()
    video, ids, mask = video_and_questions(model)
    with torch.no_grad():
        v, _ = model.encode_video(video)
        vv = v.expand(2, -1, -1, -1)
        itm = model.itm_logits(vv, ids, mask)
        itc = model.itc_similarity(vv, ids, mask)
    assert itm.shape == (2, 2) and itc.shape == (2,)
    assert torch.all(itc.abs() <= 1 + 1e-12)


def test_init_weights():
    cfg = MF.tiny_config("dynamic", True)
    model = LiteVL(cfg)
    model.init_weights(torch.Generator().manual_seed(0))
    for blk in model.visual_encoder.blocks:
        assert torch.all(blk.temporal_scaling.weight == 0) and torch.all(blk.temporal_scaling.bias == 0)
        assert torch.equal(blk.temporal_attn.qkv.weight, blk.attn.qkv.weight)
        assert torch.equal(blk.temporal_norm.weight, blk.norm1.weight)
    assert torch.all(model.visual_encoder.temporal_embed == 0)
    w = model.text_encoder.encoder.layer[0].attention.self.query.weight
    assert 0.015 < float(w.detach().std()) < 0.025 and float(w.detach().abs().max()) <= 0.04 + 1e-6
    loss = model.vqa_loss(torch.randn(2, 4, 3, 32, 32), *MF.make_questions(cfg, 1),
                          torch.tensor([[998, 300, 102], [998, 301, 102]]), torch.ones(2, 3, dtype=torch.long))
    loss.backward()
    assert math.isfinite(float(loss.detach()))


# ---------------------------------------------------------------------------- fixtures -----

@pytest.mark.skipif(not os.path.isdir(os.path.join(FIXTURES, "tiny_dynamic")), reason="fixtures not generated")
def test_committed_fixtures_reproduce(tmp_path):
    from safetensors.numpy import load_file
    for name, cfg, seed, sep_bias, T, vseed, save_model in MF.CASES:
        if name not in ("tiny_dynamic", "tiny_none"):
            continue
        MF.build_case(name, cfg, seed, sep_bias, T, vseed, save_model, str(tmp_path))
        new = load_file(str(tmp_path / name / "inputs_outputs.safetensors"))
        old = load_file(os.path.join(FIXTURES, name, "inputs_outputs.safetensors"))
        assert new.keys() == old.keys()
        for k in new:
            np.testing.assert_allclose(new[k], old[k], rtol=0, atol=1e-6, err_msg=k)
        m_new = json.loads((tmp_path / name / "meta.json").read_text())
        m_old = json.load(open(os.path.join(FIXTURES, name, "meta.json")))
        for qn, qo in zip(m_new["questions"], m_old["questions"]):
            assert qn["greedy"]["ids"] == qo["greedy"]["ids"] and qn["beam"]["ids"] == qo["beam"]["ids"]
            assert qn["rank"]["k_all"] == qo["rank"]["k_all"]
        if save_model:
            w = load_file(os.path.join(FIXTURES, name, "model.safetensors"))
            rec = R.load_recipe(os.path.join(FIXTURES, name, "recipe.json"))
            mat = R.materialize(rec)
            assert w.keys() == mat.keys()
            for k in w:
                assert np.array_equal(w[k], mat[k]), k
