"""common.init_text_from_bert: a pre-trained BERT's weights land in the right places of the text side
(run: python3 -m pytest Training/tests -q)."""

import os
import sys

import pytest
import torch
from safetensors.torch import save_file

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING)

from common import bert_init_parameters, init_text_from_bert, tiny_config  # noqa: E402
from litevl_ref import LiteVL  # noqa: E402

H, FF, LAYERS, VOCAB = 32, 128, 4, 30522


def fake_bert(path):
    """A random BERT state dict in the Hugging Face layout (as all-MiniLM-L6-v2's model.safetensors)."""
    g = torch.Generator().manual_seed(3)
    r = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    sd = {"embeddings.word_embeddings.weight": r(VOCAB, H), "embeddings.position_embeddings.weight": r(512, H),
          "embeddings.token_type_embeddings.weight": r(2, H), "embeddings.LayerNorm.weight": r(H),
          "embeddings.LayerNorm.bias": r(H), "pooler.dense.weight": r(H, H), "pooler.dense.bias": r(H)}
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for n in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            sd[p + n + ".weight"], sd[p + n + ".bias"] = r(H, H), r(H)
        for n in ("attention.output.LayerNorm", "output.LayerNorm"):
            sd[p + n + ".weight"], sd[p + n + ".bias"] = r(H), r(H)
        sd[p + "intermediate.dense.weight"], sd[p + "intermediate.dense.bias"] = r(FF, H), r(FF)
        sd[p + "output.dense.weight"], sd[p + "output.dense.bias"] = r(H, FF), r(H)
    save_file(sd, path)
    return sd


def model(hidden=H, heads=4):
    m = LiteVL(tiny_config(text_hidden=hidden, text_heads=heads, width=32, depth=1, image_size=32, patch=8))
    m.init_weights(torch.Generator().manual_seed(1))
    return m


def test_weights_land_by_name(tmp_path):
    path = str(tmp_path / "bert.safetensors")
    sd = fake_bert(path)
    m = model()
    cross_before = m.text_encoder.encoder.layer[0].crossattention.self.key.weight.clone()
    n = init_text_from_bert(m, path, layers=[1, 3, 0])
    # encoder: 4 embedding tensors + 3 layers x 16; decoder: 4 + 2 x 16; LM projection 1
    assert n == 4 + 3 * 16 + 4 + 2 * 16 + 1
    enc, dec = m.text_encoder, m.text_decoder.bert
    word = sd["embeddings.word_embeddings.weight"]
    for bert in (enc, dec):
        w = bert.embeddings.word_embeddings.weight
        assert torch.equal(w[:VOCAB], word)
        assert torch.equal(w[30522], word[101]) and torch.equal(w[30523], word[101])   # [DEC], [ENC] from [CLS]
        pos = sd["embeddings.position_embeddings.weight"][:64] + sd["embeddings.token_type_embeddings.weight"][0]
        assert torch.allclose(bert.embeddings.position_embeddings.weight, pos)
    assert torch.equal(enc.encoder.layer[0].attention.self.query.weight, sd["encoder.layer.1.attention.self.query.weight"])
    assert torch.equal(enc.encoder.layer[2].output.dense.bias, sd["encoder.layer.0.output.dense.bias"])
    assert torch.equal(dec.encoder.layer[1].intermediate.dense.weight, sd["encoder.layer.3.intermediate.dense.weight"])
    assert torch.equal(m.text_encoder.encoder.layer[0].crossattention.self.key.weight, cross_before)
    assert torch.equal(m.text_decoder.cls.predictions.decoder.weight, dec.embeddings.word_embeddings.weight)


def test_width_mismatch_is_an_error(tmp_path):
    path = str(tmp_path / "bert.safetensors")
    fake_bert(path)
    with pytest.raises(SystemExit, match="--text-hidden"):
        init_text_from_bert(model(hidden=48), path)
    with pytest.raises(SystemExit, match="has 4 layers"):
        init_text_from_bert(model(), path, layers=[0, 5, 1])


def test_bert_init_parameters_are_exactly_the_written_ones(tmp_path):
    path = str(tmp_path / "bert.safetensors")
    fake_bert(path)
    m = model()
    before = {n: p.detach().clone() for n, p in m.named_parameters()}
    init_text_from_bert(m, path)
    changed = {n for n, p in m.named_parameters() if not torch.equal(p, before[n])}
    named = set(bert_init_parameters(m))
    assert named == changed
    assert not any("crossattention" in n or n.startswith(("text_proj", "itm_head", "visual")) for n in named)
