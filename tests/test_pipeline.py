import json

import numpy as np
import pytest

from hangul_dl.errors import FormatError, InputError, NotFittedError
from hangul_dl.lm.language_model import LanguageModel
from hangul_dl.pipeline import Pipeline, PipelineError, load_model
from hangul_dl.stage import Stage
from hangul_dl.text.normalize import Normalizer
from hangul_dl.text.tokenizers import CharTokenizer, KonlpyTokenizer, WhitespaceTokenizer
from hangul_dl.text.vocab import Vocabulary

TEXTS = ["나는  밥을 먹었다", "너는 밥을 먹었다", "우리는 학교에 갔다"] * 5


class CountingTokenizer(WhitespaceTokenizer):
    """Counts how many texts it tokenized (to check that fit reads the upstream once)."""

    calls = 0

    def tokenize(self, text):
        type(self).calls += 1
        return super().tokenize(text)


class Exploding(Stage):
    requires_fit = False
    step_name = "boom"

    def transform(self, data):
        for text in data:
            if "폭발" in text:
                raise ValueError(f"cannot handle {text!r}")
            yield text


def small_lm():
    return LanguageModel(embedding_size=8, hidden_size=8, max_epoch=1, batch_size=2,
                         time_size=4, quiet=True)


def test_chaining_and_list_form_give_equal_pipelines():
    chained = Normalizer() | WhitespaceTokenizer() | Vocabulary(min_count=2) | small_lm()
    listed = Pipeline([("normalize", Normalizer()), ("tokenize", WhitespaceTokenizer()),
                       ("vocab", Vocabulary(min_count=2)), ("model", small_lm())])
    assert chained == listed
    assert chained != listed[:-1]
    assert [name for name, _ in (listed[:2] | CharTokenizer()).steps] == [
        "normalize", "tokenize", "tokenize_2"]
    assert "Vocabulary(min_count=2)" in repr(chained)


def test_indexing_slicing_and_params():
    pipe = Normalizer() | WhitespaceTokenizer() | Vocabulary()
    assert isinstance(pipe["vocab"], Vocabulary) and pipe[0] is pipe["normalize"]
    assert len(pipe[:-1]) == 2 and pipe[:-1][1] is pipe["tokenize"]
    assert pipe.get_params()["vocab__min_count"] == 1
    pipe.set_params(vocab__min_count=3, normalize__repeat=2)
    assert pipe["vocab"].min_count == 3 and pipe["normalize"].repeat == 2
    pipe.set_params(tokenize=CharTokenizer())
    assert isinstance(pipe["tokenize"], CharTokenizer)
    with pytest.raises(InputError, match="no step named 'vocabulary'"):
        pipe.set_params(vocabulary__min_count=2)
    with pytest.raises(InputError, match="has no parameter"):
        pipe.set_params(vocab__nonsense=2)
    with pytest.raises(KeyError, match="no step named"):
        pipe["model"]
    with pytest.raises(InputError, match="unique"):
        Pipeline([("a", Normalizer()), ("a", Normalizer())]).fit(TEXTS)


def test_transform_streams_what_the_steps_give_one_by_one():
    pipe = Normalizer() | WhitespaceTokenizer() | Vocabulary()
    with pytest.raises(NotFittedError):
        pipe.transform(TEXTS)
    pipe.fit(TEXTS)
    out = pipe.transform(iter(TEXTS))
    assert not isinstance(out, list)  # an iterator: nothing is computed ahead
    tokens = list(pipe[:-1].transform(TEXTS))
    assert tokens[0] == WhitespaceTokenizer().tokenize(Normalizer().normalize(TEXTS[0]))
    for ids, expected in zip(out, tokens):
        np.testing.assert_array_equal(ids, pipe["vocab"].encode(expected))


def test_fit_tokenizes_each_text_once_even_when_later_steps_read_twice():
    CountingTokenizer.calls = 0
    pipe = Normalizer() | CountingTokenizer() | Vocabulary() | small_lm()
    pipe.fit(iter(TEXTS))  # a one-shot iterator: the pipeline must spool it
    assert CountingTokenizer.calls == len(TEXTS)
    assert pipe["model"].vocab_ is pipe["vocab"]  # context: the pipeline's own vocabulary
    assert isinstance(pipe.generate("나는", seed=0), list)  # the last step's methods
    assert set(pipe.timings_) == {"normalize", "tokenize", "vocab", "model"}


def test_a_file_is_tokenized_once_across_fits_through_the_token_cache(tmp_path, monkeypatch):
    """Normalize → tokenize on a file go through the token cache: fitting again (other model
    settings, a recipe run again) skips the tokenizer; other settings of those steps, other
    lines, ``cache=False`` or a list of texts tokenize as before."""
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    CountingTokenizer.calls = 0
    first = (Normalizer() | CountingTokenizer() | Vocabulary()).fit(path)
    assert CountingTokenizer.calls == len(TEXTS)
    again = (Normalizer() | CountingTokenizer() | Vocabulary()).fit(path)
    assert CountingTokenizer.calls == len(TEXTS)  # from the cache
    assert list(again["vocab"]) == list(first["vocab"]) and len(first["vocab"]) > 4
    assert set(again.timings_) == {"normalize", "tokenize", "vocab"}
    ids = (Normalizer() | CountingTokenizer() | Vocabulary()).fit_transform(path)
    assert CountingTokenizer.calls == len(TEXTS)
    assert [list(x) for x in ids] == [list(x) for x in first.transform(path)]  # tokenizes
    CountingTokenizer.calls = 0
    (Normalizer(whitespace="keep") | CountingTokenizer() | Vocabulary()).fit(path)
    assert CountingTokenizer.calls == len(TEXTS)  # the normalizer's settings are in the key
    Pipeline([("tokenize", CountingTokenizer()), ("vocab", Vocabulary())]).fit(path)
    assert CountingTokenizer.calls == 2 * len(TEXTS)  # so is whether it runs at all
    Pipeline([("tokenize", CountingTokenizer()), ("vocab", Vocabulary())], cache=False).fit(path)
    (Normalizer() | CountingTokenizer() | Vocabulary()).fit(TEXTS)
    assert CountingTokenizer.calls == 4 * len(TEXTS)
    with path.open("a", encoding="utf-8") as f:
        f.write("새 줄\n")
    (Normalizer() | CountingTokenizer() | Vocabulary()).fit(path)
    assert CountingTokenizer.calls == 5 * len(TEXTS) + 1
    assert "cache=False" in repr(Pipeline([("v", Vocabulary())], cache=False))


def test_a_fit_keyword_no_step_takes_is_refused_not_dropped():
    pipe = Normalizer() | WhitespaceTokenizer() | Vocabulary() | small_lm()
    with pytest.raises(InputError, match=r"no step of the pipeline takes valdi= in fit; "
                                         r"the steps take: model: resume, tokenizer, valid, vocab"):
        pipe.fit(TEXTS, valdi=TEXTS)
    assert not pipe["model"].is_fitted  # refused before any work
    pre = Normalizer() | WhitespaceTokenizer() | Vocabulary()
    with pytest.raises(InputError, match="no keyword arguments"):
        pre.fit(TEXTS, valid=TEXTS)


def test_fit_transform_tokenizes_once_and_equals_fit_then_transform(tmp_path):
    from hangul_dl.text.ids import IdSequences

    CountingTokenizer.calls = 0
    pipe = Normalizer() | CountingTokenizer() | Vocabulary()
    out = pipe.fit_transform(iter(TEXTS))
    assert CountingTokenizer.calls == len(TEXTS)  # the spooled tokens are replayed
    expected = list(pipe.transform(TEXTS))
    assert len(out) == len(expected)
    for got, want in zip(out, expected):
        np.testing.assert_array_equal(got, want)
    on_disk = pipe.fit_transform(TEXTS, sink=lambda items: IdSequences.write(tmp_path / "ids", items))
    assert isinstance(on_disk, IdSequences) and len(on_disk) == len(TEXTS)
    np.testing.assert_array_equal(on_disk[3], expected[3])


def test_a_failing_step_is_named_with_the_file_and_line(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("첫 줄\n\n둘째 줄에서 폭발\n", encoding="utf-8")
    pipe = Normalizer() | Exploding() | WhitespaceTokenizer() | Vocabulary()
    with pytest.raises(PipelineError, match=r"step 'boom' \(Exploding\) failed on item 2 "
                                            rf"\({path}:3\).*폭발") as info:
        pipe.fit(path)
    assert info.value.step == "boom"
    with pytest.raises(PipelineError, match="boom"):
        list(pipe[:2].transform(["괜찮다", "폭발"]))


def test_save_load_gives_identical_outputs(tmp_path):
    pipe = Normalizer() | CharTokenizer() | Vocabulary() | small_lm()
    pipe.fit(TEXTS)
    pipe.save(tmp_path / "p")
    loaded = Pipeline.load(tmp_path / "p")
    assert loaded == pipe
    for a, b in zip(loaded[:-1].transform(TEXTS), pipe[:-1].transform(TEXTS)):
        np.testing.assert_array_equal(a, b)
    assert loaded.generate("나", seed=3, n=2) == pipe.generate("나", seed=3, n=2)
    assert loaded.transform(TEXTS[:2]) == pipe.transform(TEXTS[:2])


def _every_model_stage():
    from hangul_dl.embeddings.count import PPMISVD
    from hangul_dl.embeddings.word2vec import Word2Vec
    from hangul_dl.seq2seq.translator import Translator
    from hangul_dl.text.subword import SubwordTokenizer
    from hangul_dl.text.tokenizers import JamoTokenizer

    def similar(pipe):
        return pipe.most_similar("밥을", topn=3)

    return {
        "ppmi+whitespace": (lambda: Normalizer() | WhitespaceTokenizer() | Vocabulary()
                            | PPMISVD(dim=3, window=1, min_count=1), TEXTS, similar),
        "word2vec+subword": (lambda: SubwordTokenizer(vocab_size=40, min_frequency=1) | Vocabulary()
                             | Word2Vec(dim=4, min_count=1, epochs=1, quiet=True), TEXTS,
                             lambda pipe: pipe.transform(TEXTS[:3]).tolist()),
        "lm+jamo": (lambda: JamoTokenizer() | Vocabulary() | small_lm(), TEXTS,
                    lambda pipe: pipe.generate("나", seed=2)),
        "translator": (lambda: Pipeline([("model", Translator(
            "char", "char", embedding_size=4, hidden_size=8, max_epoch=1, quiet=True))]),
            [(t, t[::-1]) for t in TEXTS],
            lambda pipe: [*pipe.translate(TEXTS[:3]), str(pipe.attention(TEXTS[0]).weights.shape)]),
    }


@pytest.mark.parametrize("kind", list(_every_model_stage()))
def test_every_model_stage_round_trips_through_a_pipeline_directory(kind, tmp_path):
    make, data, use = _every_model_stage()[kind]
    pipe = make().fit(data)
    pipe.save(tmp_path / kind)
    loaded = Pipeline.load(tmp_path / kind)
    assert loaded == pipe and repr(loaded) == repr(pipe)
    assert use(loaded) == use(pipe)


def test_load_model_reads_a_stage_or_a_pipelines_last_step(tmp_path):
    pipe = (Normalizer() | WhitespaceTokenizer() | Vocabulary() | small_lm()).fit(TEXTS)
    pipe.save(tmp_path / "pipe")
    pipe["model"].save(tmp_path / "lm")
    for folder in ("pipe", "lm"):
        model = load_model(tmp_path / folder, LanguageModel)
        assert model.generate("나는", seed=1) == pipe["model"].generate("나는", seed=1)
    pipe["vocab"].save(tmp_path / "vocab")
    with pytest.raises(InputError, match="holds a Vocabulary, not a LanguageModel; train one"):
        load_model(tmp_path / "vocab", LanguageModel, "train one")


def test_loading_damaged_directories_fails_clearly(tmp_path):
    pipe = (Normalizer() | WhitespaceTokenizer() | Vocabulary()).fit(TEXTS)
    pipe.save(tmp_path / "p")
    manifest = json.loads((tmp_path / "p" / "manifest.json").read_text(encoding="utf-8"))
    manifest["version"] = 99
    (tmp_path / "p" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(FormatError, match="version"):
        Pipeline.load(tmp_path / "p")
    pipe.save(tmp_path / "q")
    import shutil

    shutil.rmtree(tmp_path / "q" / "steps" / "02-vocab")
    with pytest.raises(FormatError, match="missing.*'vocab'"):
        Pipeline.load(tmp_path / "q")
    with pytest.raises(FormatError):
        Pipeline.load(tmp_path / "q" / "steps" / "00-normalize")  # a stage, not a pipeline


def test_unfitted_pipeline_cannot_be_saved(tmp_path):
    with pytest.raises(NotFittedError):
        (Normalizer() | Vocabulary()).save(tmp_path / "p")


def test_real_okt_pipeline_round_trips_through_a_directory(tmp_path):
    pipe = Normalizer() | KonlpyTokenizer("okt") | Vocabulary()
    pipe.fit(["대한민국은 민주공화국이다.", "국회는 법률을 제정한다."])
    ids = list(pipe.transform(["국회는 민주공화국이다."]))
    assert pipe["vocab"].unk_id not in ids[0][:2]
    pipe.save(tmp_path / "okt")
    loaded = Pipeline.load(tmp_path / "okt")
    (again,) = loaded.transform(["국회는 민주공화국이다."])
    np.testing.assert_array_equal(again, ids[0])
    assert loaded["tokenize"].detokenize(
        loaded["vocab"].decode(ids[0])) == "국회는 민주공화국이다."
