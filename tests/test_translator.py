"""Translator: the date task end to end, save/load, attention, resume, real Okt, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hangul_dl.datasets import korean_dates
from hangul_dl.errors import FormatError, InputError, NotFittedError
from hangul_dl.seq2seq.batching import bucketed_batches
from hangul_dl.seq2seq.translator import Translator, read_pairs
from hangul_dl.stage import Stage
from hangul_dl.text.corpus import ParallelCorpus

FORMATS = ["ymd_korean", "dots", "slashes", "md_weekday_year"]
SMALL = dict(embedding_size=16, hidden_size=64, lr=0.01, quiet=True)


@pytest.fixture(scope="module")
def data():
    return korean_dates(1000, seed=1, formats=FORMATS), korean_dates(300, seed=2, formats=FORMATS)


@pytest.fixture(scope="module")
def dates(data, tmp_path_factory):
    """A character-level attention translator trained on the date task (about 8 s quiet; 1,000
    pairs in batches of 32 at lr 0.02 reach in 6 epochs the exact match that 3,000 pairs in
    batches of 64 at lr 0.01 reached in 7, in 40% of the time)."""
    train, valid = data
    ckpt = tmp_path_factory.mktemp("ckpt")
    tr = Translator("char", "char", max_epoch=6, batch_size=32, checkpoint_dir=ckpt,
                    **{**SMALL, "lr": 0.02})
    return tr.fit(train, valid=valid)


def test_date_task_reaches_high_exact_match(dates, data):
    _, valid = data
    epochs = dates.epochs_
    assert list(epochs["epoch"]) == list(range(1, len(epochs) + 1))
    assert {"val_bleu", "val_chrf", "val_exact_match", "val_loss"} <= set(epochs.columns)
    assert epochs["val_exact_match"].max() >= 0.9
    result = dates.evaluate([s for s, _ in valid], [t for _, t in valid])
    assert result["exact_match"] >= 0.9
    assert result["bleu"] > 80 and result["chrf"] > 80
    assert "tok:13a" in result["bleu_signature"]
    assert dates.translate("2019년 5월 1일") == "2019-05-01"
    assert dates.translate("2019/05/01") == "2019-05-01"


def test_translate_is_batch_size_invariant(dates, data):
    sources = [s for s, _ in data[1][:40]]
    batched = dates.translate(sources, batch_size=64)
    assert batched == [dates.translate(s) for s in sources[:10]] + batched[10:]
    assert dates.translate(sources, batch_size=7) == batched
    assert list(dates.transform(iter(sources))) == batched
    assert dates.translate(sources, beam=3) == dates.translate(sources, beam=3, batch_size=5)


def test_save_load_gives_identical_translations(dates, data, tmp_path):
    sources = [s for s, _ in data[1][:50]] + ["완전히 새로운 입력 😀", ""]
    dates.save(tmp_path / "tr")
    files = {p.name for p in (tmp_path / "tr").iterdir()}
    assert {"manifest.json", "model", "src_vocab.txt", "tgt_vocab.txt", "src_tokenizer",
            "tgt_tokenizer", "state.json", "history.csv", "epochs.csv"} <= files
    manifest = json.loads((tmp_path / "tr" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "Translator" and manifest["config"]["src_tokenizer"] == "char"
    loaded = Stage.load(tmp_path / "tr")
    assert isinstance(loaded, Translator)
    assert loaded.translate(sources) == dates.translate(sources)
    assert loaded.translate(sources[:10], beam=4) == dates.translate(sources[:10], beam=4)
    assert len(loaded.epochs_) == len(dates.epochs_)
    assert "parameters" in repr(loaded)


def test_attention_concentrates_on_the_field_it_emits(dates):
    hits = []
    for text in ["2019년 5월 1일", "1987년 11월 23일", "2031년 2월 14일"]:
        amap = dates.attention(text)
        w = amap.weights
        assert w.shape == (len(amap.target_tokens), len(amap.source_tokens))
        assert np.allclose(w.sum(axis=1), 1.0, atol=1e-4)
        assert amap.translation == dates.translate(text)
        # source words: "YYYY년", "M월", "D일" -> character spans; output "YYYY-MM-DD"
        words = text.split()
        bounds = np.cumsum([0] + [len(wd) for wd in words])
        spans = [range(bounds[k], bounds[k + 1]) for k in range(3)]
        fields = [range(0, 4), range(5, 7), range(8, 10)]  # output positions of Y, M, D
        for span, rows in zip(spans, fields):
            hits.append(w[list(rows)][:, list(span)].sum(axis=1).mean())
    assert np.mean(hits) > 0.7
    assert min(hits) > 0.4


def test_plot_attention_saves_png(dates, tmp_path):
    pytest.importorskip("matplotlib")
    path = dates.plot_attention("2019년 5월 1일 수요일", tmp_path / "map.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    loss = dates.plot(tmp_path / "loss.png")
    assert loss.stat().st_size > 1000


def test_checkpoints_and_resume(data, tmp_path):
    train, valid = data
    train = train[:300]
    ckpt = tmp_path / "ckpt"
    tiny = dict(embedding_size=8, hidden_size=16, lr=0.01, quiet=True)
    first = Translator("char", "char", max_epoch=2, checkpoint_dir=ckpt, **tiny)
    first.fit(train, valid=valid[:30])
    assert (ckpt / "best" / "manifest.json").is_file()
    assert (ckpt / "last" / "trainer" / "optimizer.npz").is_file()
    best = Stage.load(ckpt / "best")
    assert isinstance(best, Translator)
    resumed = Translator("char", "char", max_epoch=3, checkpoint_dir=ckpt, **tiny)
    resumed.fit(train, valid=valid[:30], resume=ckpt)
    assert list(resumed.epochs_["epoch"]) == [1, 2, 3]
    assert resumed.trainer_.step == 3 * resumed.epochs_["step"].iloc[0]
    # same vocabularies as the first run (restored, not refitted)
    assert resumed.src_vocab_.id_to_token == first.src_vocab_.id_to_token


def test_early_stopping(data):
    train, valid = data
    tr = Translator("char", "char", max_epoch=20, patience=1, lr=1e-12, embedding_size=8,
                    hidden_size=16, quiet=True).fit(train[:200], valid=valid[:20])
    assert tr.trainer_.stopped_early  # lr 1e-12 moves no float32 weight: nothing improves
    assert len(tr.epochs_) == 2 and tr.trainer_.best_epoch == 1


def test_valid_fraction_holds_out_pairs(data):
    train, _ = data
    tr = Translator("char", "char", max_epoch=1, valid_fraction=0.1, embedding_size=8,
                    hidden_size=16, quiet=True).fit(train[:200])
    assert "val_bleu" in tr.epochs_.columns
    assert tr.epochs_["step"].iloc[0] == 3  # 180 training pairs in batches of 64


def test_okt_source_word_target_and_natural_korean_output():
    """Real Okt on the Korean side; English -> Korean output comes back with natural spacing."""
    pairs = [("나는 학교에 간다.", "I go to school."), ("그는 책을 읽었다.", "He read a book."),
             ("오늘 날씨가 좋네요!", "The weather is nice today!"),
             ("우리는 밥을 먹었다.", "We ate rice.")]
    ko_en = Translator("okt", "word", architecture="attention", embedding_size=16,
                       hidden_size=32, lr=0.02, max_epoch=60, batch_size=4, quiet=True)
    ko_en.fit(pairs)
    assert ko_en.translate([k for k, _ in pairs]) == [e for _, e in pairs]
    en_ko = Translator("subword:vocab_size=60,min_frequency=1", "okt", embedding_size=16,
                       hidden_size=32, lr=0.02, max_epoch=60, batch_size=4, quiet=True)
    en_ko.fit([(e, k) for k, e in pairs])
    assert en_ko.translate([e for _, e in pairs]) == [k for k, _ in pairs]


def test_peeky_and_seq2seq_architectures(data):
    train, _ = data
    for arch in ("peeky", "seq2seq"):
        tr = Translator("char", "char", architecture=arch, max_epoch=1, quiet=True,
                        embedding_size=8, hidden_size=16, reverse_input=True).fit(train[:100])
        assert isinstance(tr.translate("2019년 5월 1일"), str)
        with pytest.raises(InputError, match="no attention"):
            tr.attention("2019년 5월 1일")


def test_tsv_and_parallel_files(tmp_path, data):
    train, _ = data
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("".join(f"{s}\t{t}\n" for s, t in train[:100]), encoding="utf-8")
    assert read_pairs(tsv) == train[:100]
    src, tgt = tmp_path / "a.ko", tmp_path / "a.iso"
    src.write_text("".join(f"{s}\n" for s, _ in train[:50]), encoding="utf-8")
    tgt.write_text("".join(f"{t}\n" for _, t in train[:50]), encoding="utf-8")
    assert read_pairs(ParallelCorpus(src, tgt)) == train[:50]
    tr = Translator("char", "char", max_epoch=1, embedding_size=8, hidden_size=16, quiet=True)
    assert tr.fit(tsv).is_fitted


def test_bad_input_gives_clear_errors(tmp_path):
    with pytest.raises(InputError, match="training pair 1: empty target"):
        read_pairs([("가", "a"), ("나", "  ")])
    with pytest.raises(InputError, match="pair 0"):
        read_pairs([("only one",)])
    with pytest.raises(InputError, match="empty"):
        read_pairs([])
    src, tgt = tmp_path / "s.txt", tmp_path / "t.txt"
    src.write_text("가\n나\n다\n", encoding="utf-8")
    tgt.write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(InputError, match="has 3 lines but .* has 2"):
        read_pairs(ParallelCorpus(src, tgt))
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("가\ta\n나\t\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.tsv:2: empty target"):
        read_pairs(tsv)
    with pytest.raises(InputError, match="no such file"):
        read_pairs(tmp_path / "missing.tsv")
    with pytest.raises(NotFittedError, match="call fit"):
        Translator().translate("가")
    with pytest.raises(InputError, match="architecture"):
        Translator("char", "char", architecture="transformer", quiet=True).fit([("가", "a")])
    with pytest.raises(InputError, match="max_length"):
        Translator("char", "char", max_length=1, quiet=True).fit([("가나다", "abc")])


def test_load_rejects_mismatched_files(dates, tmp_path):
    dates.save(tmp_path / "tr")
    (tmp_path / "tr" / "src_vocab.txt").write_text(
        (tmp_path / "tr" / "tgt_vocab.txt").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(FormatError, match="do not belong together"):
        Stage.load(tmp_path / "tr")


def test_init_only_stores_and_params_round_trip():
    tr = Translator("okt", "subword:vocab_size=100", hidden_size=32, beam=4)
    assert not tr.is_fitted
    assert tr.get_params()["tgt_tokenizer"] == "subword:vocab_size=100"
    assert Translator(**tr.get_params()).get_params() == tr.get_params()
    assert "beam=4" in repr(tr)


def test_bucketed_batches_cover_every_pair_once():
    src_len = np.array([5, 1, 3, 3, 9, 2, 7])
    tgt_len = np.array([1, 2, 3, 4, 5, 6, 7])
    batches = bucketed_batches(src_len, tgt_len, 3, rng=0)
    assert sorted(np.concatenate(batches).tolist()) == list(range(7))
    for b in batches:  # similar lengths together
        assert np.ptp(src_len[b]) <= 4


def test_tokenizer_objects_are_saved_and_restored(tmp_path):
    from hangul_dl.text.subword import SubwordTokenizer
    from hangul_dl.text.tokenizers import CharTokenizer

    pairs = korean_dates(200, seed=3, formats=FORMATS)
    bpe = SubwordTokenizer(vocab_size=40, min_frequency=1).fit(t for _, t in pairs)
    tr = Translator(CharTokenizer(), bpe, max_epoch=1, embedding_size=8, hidden_size=16,
                    quiet=True).fit(pairs)
    assert tr.tgt_tokenizer_ is bpe  # a trained subword model is used as it is
    tr.save(tmp_path / "tr")
    config = json.loads((tmp_path / "tr" / "manifest.json").read_text(encoding="utf-8"))["config"]
    # one saved form of a tokenizer: its folder (src_tokenizer/, tgt_tokenizer/), not the manifest
    assert config["src_tokenizer"] is None and config["tgt_tokenizer"] is None
    assert json.loads((tmp_path / "tr" / "src_tokenizer" / "manifest.json").read_text(
        encoding="utf-8"))["config"] == {"normalizer": True}
    loaded = Stage.load(tmp_path / "tr")
    assert loaded.tgt_tokenizer_.merges_ == bpe.merges_
    assert loaded.translate("2019년 5월 1일") == tr.translate("2019년 5월 1일")
    # fitting the loaded translator again starts from tokenizers with the saved settings
    again = loaded.fit(pairs)
    assert type(again.src_tokenizer_) is CharTokenizer and again.tgt_tokenizer_.merges_ == bpe.merges_


def test_subword_translator_loads_in_a_fresh_process(tmp_path):
    import subprocess
    import sys

    pairs = korean_dates(100, seed=1, formats=["dots"])
    Translator("char", "subword:vocab_size=30,min_frequency=1", max_epoch=1, embedding_size=8,
               hidden_size=16, quiet=True).fit(pairs).save(tmp_path / "sw")
    code = ("import sys; from hangul_dl.stage import Stage; "
            "assert 'hangul_dl.text.subword' not in sys.modules; "
            f"t = Stage.load({str(tmp_path / 'sw')!r}); print(type(t.tgt_tokenizer_).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "SubwordTokenizer"


@pytest.mark.parametrize("params, message", [
    ({"max_epoch": -3}, "max_epoch must be an integer >= 1, got -3"),
    ({"max_epoch": 0}, "max_epoch must be an integer >= 1, got 0"),
    ({"lr": 0}, "lr must be a number > 0, got 0"),
    ({"max_grad": -1}, "max_grad must be a number > 0 or None"),
    ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
    ({"hidden_size": 0}, "hidden_size must be an integer >= 1, got 0"),
    ({"embedding_size": -8}, "embedding_size must be an integer >= 1"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1"),
    ({"beam": 0}, "beam must be an integer >= 1"),
    ({"valid_fraction": 1.0}, r"valid_fraction must be a number in \[0, 1\)"),
    ({"architecture": "transformer"}, "architecture='transformer': expected one of"),
    ({"bidirectional": True, "hidden_size": 15}, "bidirectional=True needs an even hidden_size"),
])
def test_bad_settings_are_refused_before_reading_pairs(params, message, tmp_path):
    with pytest.raises(InputError, match=f"^Translator: {message}"):
        Translator("char", "char", quiet=True, **params).fit(tmp_path / "missing.tsv")
