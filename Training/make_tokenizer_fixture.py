#!/usr/bin/env python3
"""Writes Tests/LiteVLTests/Fixtures/tokenizer/cases.json, the reference the Swift tokenizer
(Sources/LiteVL/Text) must reproduce id for id.

Reference implementation
------------------------
BLIP tokenises with transformers' *slow* (pure Python) ``BertTokenizer.from_pretrained(
'bert-base-uncased')`` plus ``add_special_tokens({'bos_token': '[DEC]'})`` and
``add_special_tokens({'additional_special_tokens': ['[ENC]']})`` (models/blip.py,
init_tokenizer). The fast equivalent, from the ``tokenizers`` package, is
``BertWordPieceTokenizer(vocab, lowercase=True, strip_accents=True, clean_text=True,
handle_chinese_chars=True)`` with [DEC] and [ENC] added as special tokens.

The ids in the fixture come from ``tokenizers`` (always installed here). When ``transformers`` is
importable (e.g. ``PYTHONPATH`` pointing at an unpacked transformers 4.x wheel), every case is
also run through the slow ``BertTokenizer`` and decoded with it; a case on which the two
disagree is left out and listed on stderr, because BLIP's behaviour is the slow tokenizer's and
the fast one would then not be a trustworthy reference. Decoding references (``decodes``) need
the slow tokenizer and are only written when it is available.

Unicode versions: Python's ``unicodedata`` (14.0 for Python 3.11) and the Swift runtime's tables
(newer) disagree on characters assigned after Unicode 14: Python sees them as unassigned (Cn,
"control", dropped) where Swift sees letters or symbols. Cases containing any character that is
unassigned for Python are therefore kept out of the fixture. Noncharacters (U+FDD0..FDEF,
U+xxFFFE/F) are unassigned in every version and dropped by BERT's cleaning, but the tokenizers
crate keeps them (one [UNK]); cases with them are kept out too and tested by hand in Swift. Other
disagreements from the crate's own, older, tables are caught by the cross-check above.

BLIP's pre_question (data/utils.py) is reimplemented below verbatim.

Usage: python3 Training/make_tokenizer_fixture.py [--vocab Assets/vocab.txt] [--out ...]
"""

import argparse
import json
import os
import random
import re
import sys
import unicodedata

from tokenizers import BertWordPieceTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20240611
SPECIALS = {"pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103, "dec": 30522, "enc": 30523}


def pre_question(question, max_ques_words=50):
    """BLIP data/utils.py, verbatim."""
    question = re.sub(
        r"([.!\"()*#:;~])",
        '',
        question.lower(),
    )
    question = question.rstrip(' ')

    # truncate question
    question_words = question.split(' ')
    if len(question_words) > max_ques_words:
        question = ' '.join(question_words[:max_ques_words])

    return question


HAND_WRITTEN = [
    "",
    " ",
    "hello world",
    "Hello World!",
    "HELLO, WORLD.",
    "unaffable",
    "The quick brown fox jumps over the lazy dog.",
    "which way is the red circle moving?",
    "Which way is the red circle moving?",
    "what color is the square?",
    "how many triangles are there?",
    "is the blue ball bouncing?",
    "does the green square move to the left or to the right?",
    "what shape is rotating clockwise?",
    "are there more circles than squares?",
    "What is the man doing?",
    "what is the cat sitting on?",
    "Is it raining?",
    "what is happening in the video",
    "how many people are in the video ?",
    "don't",
    "I can't believe it's not butter!",
    "rock 'n' roll",
    "O'Neill's dog's bone",
    "it's 5 o'clock",
    "well-known state-of-the-art e-mail",
    "co-operate -- dash — em dash – en dash",
    "https://www.example.com/path/to/page?query=1&b=2#frag",
    "email me at john.doe+test@example.co.uk",
    "C:\\Users\\me\\file.txt",
    "price: $12.99 (20% off!) #deal @store",
    "3.14159 2,718 1e10 -42 +7 0x1F 1/2 3½",
    "1234567890 12345678901234567890",
    "2024-06-11 12:34:56",
    "!!!???...,,,;;;:::",
    "...",
    "?!?!",
    "\"quoted\" 'single' `back` «guillemets» „low“ ‘curly’ “double”",
    "a.b.c",
    "(parenthesised) [bracketed] {braced} <angled>",
    "~tilde ^caret _underscore |pipe \\backslash",
    "hash#tag and#more",
    "[CLS] already there [SEP]",
    "what is [MASK] doing?",
    "[cls] lower-case specials are text",
    "[DEC] the [ENC] tokens [PAD] [UNK]",
    "x[SEP]y",
    "[SEP[SEP]]",
    "café résumé naïve façade jalapeño",
    "CAFÉ RÉSUMÉ NAÏVE",
    "Crème brûlée à la mode",
    "Ångström Øresund Ærø Łódź Straße",
    "ﬁne ﬂour ﬀ",
    "e\u0301 cafe\u0301 n\u0303",
    "\u0301\u0302\u0303",
    "a\u0301\u0327\u0308b",
    "Tiếng Việt có dấu: Hà Nội, Thành phố Hồ Chí Minh",
    "Xin chào, bạn khỏe không?",
    "Đường Nguyễn Huệ",
    "Ελληνικά: Καλημέρα κόσμε",
    "ΟΔΟΣ ΟΔΟΣ. ΣΟΦΙΑ Σ",
    "Русский: Привет, мир! Ёлка",
    "Українська: Ґанок, Їжак",
    "עברית: שלום עולם",
    "العربية: مرحبا بالعالم",
    "हिन्दी: नमस्ते दुनिया",
    "ไทย: สวัสดีชาวโลก",
    "中文：你好，世界！",
    "我爱北京天安门",
    "繁體中文測試",
    "漢字とひらがなとカタカナ",
    "日本語のテキストです。",
    "ひらがな カタカナ ｶﾀｶﾅ",
    "한국어: 안녕하세요 세계",
    "한글 테스트",
    "mixed中文and English混合",
    "CJK ext B: 𠀀𠀁 𪜀 compat: 豈 更 丽",
    "emoji 😀😃😄 👍🏽 ❤️ 🇫🇷 🏳️‍🌈",
    "family 👨‍👩‍👧‍👦 ZWJ",
    "zero\u200bwidth\u200cnon\u200djoiner",
    "soft\u00adhyphen",
    "bom\ufeffinside",
    "nul\x00byte",
    "replacement\ufffdchar",
    "bell\x07 and escape\x1b[31m red",
    "tab\tseparated\tvalues",
    "line\nbreaks\r\nand\rcarriage",
    "vertical\x0btab form\x0cfeed",
    "unit\x1fseparator\x1crecord",
    "next\x85line",
    "no-break\u00a0space",
    "ideographic\u3000space",
    "line\u2028separator\u2029paragraph",
    "thin\u2009space em\u2003space",
    "   leading and trailing   ",
    "multiple     spaces",
    "private\ue000use",
    "noncharacter\ufdd0\uffff",
    "math: ∑ ∫ √ ≤ ≥ ≠ ∞ π",
    "arrows → ← ↑ ↓ ⇒",
    "currency € £ ¥ ₹ ₿ ¢",
    "superscripts x² y³ H₂O",
    "fullwidth ＡＢＣ １２３ ！？",
    "roman Ⅻ ⅻ",
    "dotted İstanbul ı",
    "German ẞ ß",
    "Kelvin K Ohm Ω Angstrom Å",
    "a" * 99,
    "b" * 100,
    "c" * 101,
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "supercalifragilisticexpialidocious" * 3,
    "Antidisestablishmentarianism " * 3,
    "x" * 100 + "é",
    "ab" * 60 + " short",
    "MiXeD CaSe WoRdS",
    "iPhone eBay McDonald's",
    "HTML <b>bold</b> &amp; entities",
    "snake_case camelCase kebab-case",
    "#1 @2 $3 %4 ^5 &6 *7",
    "Q: what is this? A: a cat.",
    "qwertyuiopasdfghjklzxcvbnm",
    "xyzzy plugh frobnicate",
]

QUESTIONS = [
    "which way is the red circle moving?",
    "Which way is the RED circle moving?",
    "What color is the square?!",
    "how many triangles are there...",
    "is the blue ball (the big one) bouncing?",
    "what is \"this\" thing; the *thing* #1: ~tilde~",
    "what's on the table, and why?",
    "question with trailing spaces    ",
    "question with trailing tab\t",
    "  leading  and  double  spaces  ",
    "ΟΔΟΣ ΣΟΦΙΑΣ ΣΑΣ Σ",
    "İstanbul'da ne var?",
    "Tiếng Việt: cái gì đây?",
    "这是什么？",
    "これは何ですか？",
    "이것은 무엇입니까?",
    "emoji 😀 question?",
    " ".join(["word%d" % i for i in range(60)]),
    " ".join(["w"] * 49) + "  end",
    ("a " * 70).strip(),
    "very long question " * 10,
    "supercalifragilisticexpialidocious " * 8,
    "",
    "?",
    "...",
    "!!!",
    "what is happening in the video",
    "Is the man riding a horse?",
    "why is the person running",
    "Where is the dog?",
    "[MASK] what is this",
    "café?",
]

ANSWERS = ["yes", "no", "left", "right", "red circle", "2", "two", "clockwise", "counter-clockwise",
           "Up", "down", "it's a cat", "café", "", "moving to the left", "don't know", "1.5", "blue"]

# Character pools for the generated cases.
POOLS = {
    "ascii_letters": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digits": "0123456789",
    "ascii_punct": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "spaces": " \t\n\r\u00a0\u2003\u3000\u2028",
    "controls": "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\u200b\u200d\u200e\u2060\ufeff\ufffd",
    "latin1": "".join(chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7)),
    "latin_ext": "".join(chr(c) for c in range(0x100, 0x250)),
    "combining": "".join(chr(c) for c in range(0x300, 0x370)),
    "greek": "".join(chr(c) for c in range(0x391, 0x3CF) if unicodedata.category(chr(c)) != "Cn"),
    "cyrillic": "".join(chr(c) for c in range(0x400, 0x460)),
    "hebrew_arabic": "אבגדהוזחטיכלמנסעפצקרשת" + "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "indic_thai": "".join(chr(c) for c in range(0x905, 0x939)) + "\u093e\u093f\u0940\u094d" + "".join(chr(c) for c in range(0xE01, 0xE2F)) + "\u0e31\u0e34\u0e48",
    "vietnamese": "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĂÂĐÊÔƠƯẠẢẤẦẨẪẬẮẰ",
    "cjk": "".join(chr(c) for c in range(0x4E00, 0x4E80)) + "你好世界中国人大学生日本語漢字豈更" + "\U00020000\U0002a700\U0002f800",
    "kana": "".join(chr(c) for c in range(0x3041, 0x3097)) + "".join(chr(c) for c in range(0x30A1, 0x30FB)) + "ｱｲｳｴｵｶﾞ",
    "hangul": "".join(chr(c) for c in range(0xAC00, 0xAC40)) + "한국어안녕하세요ㄱㄴㄷㅏㅑ",
    "emoji": "😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩👍👎👋🏻🏼🏽🏾🏿❤️‍🔥🇺🇸🇯🇵🏳️‍🌈👨‍👩‍👧\u200d\ufe0f\u20e3#️⃣",
    "symbols": "©®™°±×÷µ¶§¤€£¥₹∑∫√∞≈≠≤≥←→↑↓♠♣♥♦★☆☀☁☂☃✓✗①②③ⅠⅡⅢ½¼¾²³¹",
    "unicode_punct": "‐‑‒–—―‘’‚‛“”„‟†‡•…‰′″‹›«»¡¿、。〃〈〉《》「」『』【】・！？，：；（）［］｛｝",
    "fullwidth": "ＡＢＣＤＥａｂｃｄｅ０１２３",
}


def vocabulary_words(vocab_path):
    with open(vocab_path, encoding="utf-8") as f:
        tokens = [line.rstrip("\n") for line in f]
    return [t for t in tokens[1000:] if t.isalpha() and not t.startswith("##")]


def generated_cases(rng, words):
    pools = list(POOLS.items())
    cases = []
    # Sentences of real words with some random capitalisation and punctuation.
    for _ in range(120):
        n = rng.randint(1, 14)
        parts = []
        for _ in range(n):
            w = rng.choice(words)
            r = rng.random()
            if r < 0.15:
                w = w.capitalize()
            elif r < 0.2:
                w = w.upper()
            elif r < 0.3:
                w = w + rng.choice(POOLS["ascii_punct"])
            elif r < 0.35:
                w = w + rng.choice(words)  # glued compound, exercises ## pieces
            parts.append(w)
        cases.append(" ".join(parts) + rng.choice(["", "?", ".", "!", " ?"]))
    # Random mixtures of character pools.
    for _ in range(220):
        k = rng.randint(1, 4)
        chosen = [rng.choice(pools) for _ in range(k)]
        length = rng.randint(1, 40)
        text = []
        for _ in range(length):
            name, pool = rng.choice(chosen)
            if rng.random() < 0.2:
                text.append(" ")
            if rng.random() < 0.15:
                text.append(rng.choice(words))
            else:
                text.append(rng.choice(pool))
        cases.append("".join(text))
    # Long words around the 100-scalar limit.
    for n in (98, 99, 100, 101, 102, 150):
        cases.append("".join(rng.choice("abcdefghij") for _ in range(n)))
        cases.append("é" * (n // 2) + "x" * (n - n // 2))
    return cases


def long_texts(rng, words):
    """Texts longer than 512 word pieces (each case's ids are cut at the fixture's maxLength)."""
    return [" ".join(rng.choice(words) for _ in range(rng.randint(520, 700))) for _ in range(2)] + [
        " ".join(rng.choice(words) for _ in range(rng.randint(40, 80))) for _ in range(12)
    ]


def is_noncharacter(c):
    cp = ord(c)
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def python_unassigned(text):
    return any(unicodedata.category(c) == "Cn" and not is_noncharacter(c) for c in text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", default=os.path.join(ROOT, "Assets", "vocab.txt"))
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "LiteVLTests", "Fixtures", "tokenizer", "cases.json"))
    args = parser.parse_args()

    fast = BertWordPieceTokenizer(args.vocab, lowercase=True, strip_accents=True, clean_text=True,
                                  handle_chinese_chars=True)
    fast.add_special_tokens(["[DEC]", "[ENC]"])
    assert fast.token_to_id("[DEC]") == SPECIALS["dec"] and fast.token_to_id("[ENC]") == SPECIALS["enc"]

    try:
        from transformers import BertTokenizer
        slow = BertTokenizer(args.vocab)
        slow.add_special_tokens({"bos_token": "[DEC]"})
        slow.add_special_tokens({"additional_special_tokens": ["[ENC]"]})
        assert slow.bos_token_id == SPECIALS["dec"] and slow.additional_special_tokens_ids == [SPECIALS["enc"]]
    except ImportError:
        slow = None
        print("transformers not importable: no cross-check against the slow tokenizer, no decode cases",
              file=sys.stderr)

    def fast_ids(text, max_length=None):
        if max_length is None:
            fast.no_truncation()
        else:
            fast.enable_truncation(max_length)
        return fast.encode(text).ids

    def slow_ids(text, max_length=None):
        if max_length is None:
            return slow(text).input_ids
        return slow(text, truncation=True, max_length=max_length).input_ids

    rng = random.Random(SEED)
    words = vocabulary_words(args.vocab)
    texts = HAND_WRITTEN + generated_cases(rng, words)
    longs = long_texts(rng, words)

    excluded = []

    def check(kind, text, ids_fast, ids_slow):
        if python_unassigned(text):
            excluded.append((kind, text, "unassigned in Python's Unicode %s" % unicodedata.unidata_version))
            return False
        if any(is_noncharacter(c) for c in text):
            # The tokenizers crate does not drop noncharacters (Cn) as BERT's cleaning does; BLIP's
            # slow tokenizer does. TokenizerTests checks such a case by hand.
            excluded.append((kind, text, "noncharacter: tokenizers and transformers disagree"))
            return False
        if ids_slow is not None and ids_slow != ids_fast:
            excluded.append((kind, text, "tokenizers %s != transformers %s" % (ids_fast, ids_slow)))
            return False
        return True

    cases = []
    seen = set()
    for text in texts + longs:
        for max_length in ((512, 35) if text in longs or rng.random() < 0.25 else (512,)):
            if (text, max_length) in seen:
                continue
            seen.add((text, max_length))
            ids = fast_ids(text, max_length)
            if check("encode", text, ids, slow_ids(text, max_length) if slow else None):
                cases.append({"text": text, "maxLength": max_length, "ids": ids})

    questions = []
    for q in QUESTIONS + [rng.choice(texts) for _ in range(40)]:
        normalized = pre_question(q)
        ids = fast_ids(normalized, 35)
        if check("question", q, ids, slow_ids(normalized, 35) if slow else None):
            ids = [SPECIALS["enc"]] + ids[1:]
            questions.append({"text": q, "normalized": normalized, "ids": ids})

    answers = []
    for a in ANSWERS:
        ids = fast_ids(a)
        if check("answer", a, ids, slow_ids(a) if slow else None):
            answers.append({"text": a, "ids": [SPECIALS["dec"]] + ids[1:]})

    decodes = []
    if slow is not None:
        sources = [c["ids"] for c in cases[:: max(1, len(cases) // 60)]] + [
            [30522, 2748, 102], [30523, 2054, 102, 0, 0], [101, 7592, 30523, 2088, 30522, 102],
            [101, 1045, 2064, 1005, 1056, 2903, 2009, 1005, 1055, 2025, 102], [99999, 7592], [], [2, 3, 4],
        ]
        for ids in sources:
            for skip in (True, False):
                for clean in (True, False):
                    decodes.append({"ids": ids, "skipSpecialTokens": skip, "cleanUp": clean,
                                    "text": slow.decode(ids, skip_special_tokens=skip,
                                                        clean_up_tokenization_spaces=clean)})

    fixture = {
        "generator": "Training/make_tokenizer_fixture.py",
        "reference": "tokenizers %s BertWordPieceTokenizer(lowercase, strip_accents, clean_text, "
                     "handle_chinese_chars) + [DEC], [ENC]%s" % (
                         __import__("tokenizers").__version__,
                         "; cross-checked with transformers BertTokenizer" if slow else ""),
        "pythonUnicodeVersion": unicodedata.unidata_version,
        "cases": cases,
        "questions": questions,
        "answers": answers,
        "decodes": decodes,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("{\n")
        items = list(fixture.items())
        for i, (key, value) in enumerate(items):
            sep = "," if i < len(items) - 1 else ""
            if isinstance(value, list):
                f.write(json.dumps(key) + ": [\n")
                f.write(",\n".join(json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in value))
                f.write("\n]" + sep + "\n")
            else:
                f.write(json.dumps(key) + ": " + json.dumps(value, ensure_ascii=False) + sep + "\n")
        f.write("}\n")
    print("%d encode cases, %d questions, %d answers, %d decodes, %d excluded; %d bytes -> %s" % (
        len(cases), len(questions), len(answers), len(decodes), len(excluded), os.path.getsize(args.out),
        args.out), file=sys.stderr)
    for kind, text, why in excluded:
        print("excluded %s %r: %s" % (kind, text, why), file=sys.stderr)


if __name__ == "__main__":
    main()
