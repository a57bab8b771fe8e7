import math

import pytest

from hangul_dl.cli import main
from hangul_dl.errors import InputError
from hangul_dl.pipeline import Pipeline
from hangul_dl.recipes import apply_overrides, bundled_recipes, load_recipe, run_recipe, select_models

RECIPE = """
[recipe]
name = "tiny"

[input]
path = "{path}"

[steps.tokenize]
class = "WhitespaceTokenizer"

[steps.vocab]
class = "Vocabulary"

[models.ppmi]
class = "PPMISVD"
dim = 3
window = 1
min_count = 1

[models.lm]
class = "LanguageModel"
embedding_size = 8
hidden_size = 8
max_epoch = 1
batch_size = 2
time_size = 4

[report]
similar = ["밥을", "없는단어"]
prompts = ["나는"]
max_tokens = 3
"""
TEXT = "나는 밥을 먹었다\n너는 밥을 먹었다\n우리는 학교에 갔다\n그는 학교에 왔다\n" * 5


@pytest.fixture
def recipe_file(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    path = tmp_path / "tiny.toml"
    path.write_text(RECIPE.format(path=corpus.as_posix()), encoding="utf-8")
    return path


def test_every_bundled_recipe_is_valid():
    assert {"demo", "ppmi_svd", "word2vec", "lstm_lm", "translator_ko_en"} <= set(bundled_recipes())
    for name in bundled_recipes():
        load_recipe(name)


def test_problems_are_all_reported_with_key_paths_before_any_work(recipe_file):
    text = recipe_file.read_text(encoding="utf-8")
    recipe_file.write_text(text.replace("dim = 3", 'dim = "three"\nwindows = 2')
                           .replace('class = "Vocabulary"', 'class = "Vocab"')
                           + "\n[extra]\nx = 1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_recipe(recipe_file)
    message = str(info.value)
    assert "4 problem(s)" in message
    assert "models.ppmi.dim: expected int, got 'three'" in message
    assert "models.ppmi.windows: PPMISVD has no parameter 'windows'; allowed: dim, window" in message
    allowed = message.split("steps.vocab.class: 'Vocab' is not a stage; allowed: ")[1].split("\n")[0]
    assert {"Normalizer", "Vocabulary", "TextEncoder", "Word2Vec"} <= set(allowed.split(", "))
    assert "Pipeline" not in allowed.split(", ")
    assert "[extra]: unknown table" in message
    with pytest.raises(InputError, match="report.topn: expected int"):
        load_recipe("demo", ["report.topn=many"])


def test_overrides_are_read_as_toml_values_or_strings():
    recipe = {"steps": {"vocab": {"class": "Vocabulary"}}}
    apply_overrides(recipe, ["steps.vocab.min_count=3", "output.dir=out/x", "report.similar=['국회']",
                             "models.m.class=\"Word2Vec\"", "models.m.sample=1e-4"])
    assert recipe["steps"]["vocab"]["min_count"] == 3 and recipe["output"]["dir"] == "out/x"
    assert recipe["report"]["similar"] == ["국회"] and recipe["models"]["m"]["sample"] == 1e-4
    with pytest.raises(InputError, match="section.key=value"):
        apply_overrides(recipe, ["min_count"])


def test_run_fits_each_model_on_shared_preprocessing_and_writes_a_report(recipe_file, tmp_path):
    result = run_recipe(load_recipe(recipe_file), output=tmp_path / "out", quiet=True)
    assert set(result.pipelines) == {"ppmi", "lm"}
    assert result.pipelines["ppmi"]["vocab"] is result.pipelines["lm"]["vocab"]  # fitted once
    assert "밥을" in result.neighbours["ppmi"] and "없는단어" not in result.neighbours["ppmi"]
    assert result.generated["lm"]["나는"][0].startswith("나는")
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## 모델 `ppmi`: PPMISVD" in report and "### 생성한 문장" in report
    loaded = Pipeline.load(tmp_path / "out" / "lm")
    assert loaded.generate("나는", seed=1) == result.pipelines["lm"].generate("나는", seed=1)


def test_held_out_sentences_stream_from_the_file_and_keep_their_location(recipe_file, tmp_path):
    from hangul_dl.recipes import _read_data

    corpus = tmp_path / "corpus.txt"
    data, valid = _read_data({"path": str(corpus), "valid_every": 4, "limit": 12}, False)
    lines = TEXT.splitlines()
    assert list(valid) == [lines[3], lines[7], lines[11]]
    assert list(data) == [line for i, line in enumerate(lines[:12]) if (i + 1) % 4]
    assert list(data) == list(data)  # re-iterable, not a one-shot iterator
    corpus.write_text(TEXT + "\n", encoding="utf-8")
    recipe = load_recipe(recipe_file, ["input.valid_every=5", "models.lm.max_epoch=1"])
    result = run_recipe(recipe, output=tmp_path / "out", quiet=True)
    lm = result.pipelines["lm"]["lm"]
    assert math.isfinite(lm.trainer_.best_perplexity)  # validated on the held-out sentences


def test_ctrl_c_saves_the_model_stops_the_recipe_and_resume_continues(recipe_file, tmp_path,
                                                                      monkeypatch):
    import hangul_dl.training as training

    ck = tmp_path / "ck"
    overrides = [f"models.lm.checkpoint_dir={ck.as_posix()}", "models.lm.max_epoch=3"]
    real_clip, calls = training.clip_grads, []

    def interrupt_on_the_5th_step(grads, max_norm):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real_clip(grads, max_norm)

    monkeypatch.setattr(training, "clip_grads", interrupt_on_the_5th_step)
    with pytest.raises(KeyboardInterrupt, match="run the same command with --resume"):
        run_recipe(load_recipe(recipe_file, overrides), output=tmp_path / "out", quiet=True)
    assert (tmp_path / "out" / "lm" / "manifest.json").is_file()  # saved as it was
    assert (ck / "last").is_dir() and not (tmp_path / "out" / "report.md").exists()
    calls.clear()
    monkeypatch.setattr(training, "clip_grads", lambda g, m: calls.append(1) or real_clip(g, m))
    result = run_recipe(load_recipe(recipe_file, overrides), output=tmp_path / "out", quiet=True,
                        resume=True)
    trainer = result.pipelines["lm"]["lm"].trainer_
    assert trainer.epoch == 3 and not trainer.interrupted
    assert (tmp_path / "out" / "report.md").is_file()
    resumed_steps = len(calls)
    fresh = run_recipe(load_recipe(recipe_file, ["models.lm.max_epoch=3"]),
                       output=tmp_path / "fresh", quiet=True).pipelines["lm"]["lm"].trainer_
    assert trainer.step == fresh.step
    assert resumed_steps == fresh.step - 4  # went on after the 4 finished steps


def test_cli_run_reports_a_bad_recipe_in_one_message(recipe_file, tmp_path, capsys):
    assert main(["run", str(recipe_file), "--set", "models.ppmi.dim=0.5", "-q",
                 "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hangul-dl: error:") and "models.ppmi.dim: expected int" in err
    assert not (tmp_path / "o").exists()  # nothing ran
    assert main(["run", "no_such_recipe"]) == 2
    assert "bundled: demo" in capsys.readouterr().err


def test_cli_run_prints_the_tables(recipe_file, tmp_path, capsys):
    assert main(["run", str(recipe_file), "-q", "-o", str(tmp_path / "o"),
                 "--set", "models.lm.max_epoch=1"]) == 0
    out = capsys.readouterr().out
    assert "[ppmi] 가장 가까운 단어" in out and "[lm] 생성한 문장" in out and "report.md" in out


@pytest.mark.parametrize("setting, message", [
    ("steps.tokenize.class=KonlpyTokenizer", None),
    ("models.lm.cell=lstn", "models.lm.cell: 'lstn' is not one of rnn, lstm, gru"),
    ("models.lm.optimizer=adamw", "models.lm.optimizer: 'adamw' is not one of sgd"),
    ("models.lm.tokenizer=otk", "models.lm.tokenizer: unknown tokenizer 'otk'"),
    ("models.lm.max_epoch=-3", "models.lm.max_epoch: must be 1 or more, got -3"),
    ("models.lm.lr=0", "models.lm.lr: must be greater than 0, got 0"),
    ("models.lm.dropout=1.0", "models.lm.dropout: must be in [0, 1), got 1.0"),
    ("models.ppmi.dim=0", "models.ppmi.dim: must be 1 or more, got 0"),
    ("input.limit=0", "input.limit: must be 1 or more, got 0"),
    ("input.valid_every=1", "input.valid_every: must be 2 or more, got 1"),
    ("report.topn=0", "report.topn: must be 1 or more, got 0"),
])
def test_values_are_checked_at_load(recipe_file, setting, message):
    if message is None:  # a KoNLPy step with the default backend is fine
        load_recipe(recipe_file, [setting])
        return
    with pytest.raises(InputError) as exc:
        load_recipe(recipe_file, [setting])
    assert message in str(exc.value)


def test_konlpy_backend_and_word2vec_method_fail_at_load(recipe_file):
    with pytest.raises(InputError) as exc:
        load_recipe(recipe_file, ["steps.tokenize.class=KonlpyTokenizer",
                                  "steps.tokenize.backend=otk", "models.w2v.class=Word2Vec",
                                  "models.w2v.method=skipgarm"])
    text = str(exc.value)
    assert "2 problem(s)" in text and "backend: 'otk' is not one of okt, komoran, kkma" in text
    assert "models.w2v.method: 'skipgarm' is not one of cbow, skipgram" in text


def test_limit_one_means_one_sentence(recipe_file, tmp_path):
    recipe = load_recipe(recipe_file, ["input.limit=1"])
    from hangul_dl.recipes import _read_data

    data, _ = _read_data(recipe["input"], translator=False)
    assert len(list(data)) == 1


def test_missing_input_or_unwritable_output_creates_nothing(recipe_file, tmp_path, monkeypatch):
    out = tmp_path / "out"
    recipe = load_recipe(recipe_file, [f"input.path={tmp_path / 'nosuch.txt'}"])
    with pytest.raises(InputError, match="input.path .*nosuch.txt: no such file or folder"):
        run_recipe(recipe, output=out, quiet=True)
    assert not out.exists()
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="output.dir .*afile: is a file"):
        run_recipe(load_recipe(recipe_file), output=afile, quiet=True)


def test_each_model_trains_with_its_thread_count(recipe_file, tmp_path, monkeypatch):
    import hangul_dl.threads as threads

    seen = []
    real = threads.choose_threads

    def spy(n=None, flops=None):
        seen.append((n, flops))
        return real(n, flops)

    monkeypatch.setattr(threads, "choose_threads", spy)
    run_recipe(load_recipe(recipe_file), output=tmp_path / "out", quiet=True, threads=1)
    assert [n for n, _ in seen] == [1, 1]  # ppmi, lm
    assert seen[1][1] == threads.gemm_flops(2, 8, 32)  # the LSTM step: (N, H) @ (H, 4H)


def test_a_run_again_reads_its_tokens_from_the_cache_unless_no_cache(recipe_file, tmp_path,
                                                                      monkeypatch):
    """The preprocessing of a file goes through the token cache: running the recipe again
    (other model settings) does not tokenize again; ``--no-cache`` ([run] cache = false) does."""
    from hangul_dl.text.simple_tokenizers import WhitespaceTokenizer

    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    calls = []
    pipe = WhitespaceTokenizer.pipe
    monkeypatch.setattr(WhitespaceTokenizer, "pipe",
                        lambda self, texts, **kw: pipe(self, (calls.append(t) or t for t in texts), **kw))
    recipe = select_models(load_recipe(recipe_file), ["ppmi"])
    first = run_recipe(recipe, output=tmp_path / "a", quiet=True)
    assert len(calls) == TEXT.count("\n")
    again = run_recipe(select_models(load_recipe(recipe_file, ["models.ppmi.dim=2"]), ["ppmi"]),
                       output=tmp_path / "b", quiet=True)
    assert len(calls) == TEXT.count("\n")  # read from the cache
    assert again.pipelines["ppmi"]["vocab"].id_to_token_ == first.pipelines["ppmi"]["vocab"].id_to_token_
    assert main(["run", str(recipe_file), "--models", "ppmi", "-o", str(tmp_path / "c"), "-q",
                 "--no-cache"]) == 0
    assert len(calls) == 2 * TEXT.count("\n")
