"""WordVectors: lookups, similarity queries, evaluation files, our format and the word2vec
text/binary formats (hand-written and gensim-written fixtures; gensim itself when installed)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from hangul_dl.embeddings.evaluation import read_analogies
from hangul_dl.embeddings.vectors import UnknownWordError, WordVectors, load_word_vectors
from hangul_dl.embeddings.w2v_format import sniff_word2vec
from hangul_dl.errors import FormatError, HangulDLError, InputError, ShapeError

DATA = Path(__file__).parent / "data"

SMALL = {"서울": [0.5, -1.25, 2, 0.125], "부산": [0.25, -1, 1.5, 0.5], "한국": [1, 0, 0, 0],
         "사과": [-0.5, 0.75, 0, 1e-3], "ㅋㅋ": [3.25, -2.5, 0.0625, -4]}
GENSIM_WORDS = ["대한민국", "서울", "ㅎㅎ", "😀", "Python3"]
GENSIM_VECS = np.array([[0.1, -0.2, 0.3], [1e-7, 123.456, -7.5], [0, 0, 1], [-1, 2.5, 1e10],
                        [0.333, 0.667, -0.999]], dtype=np.float32)


@pytest.fixture
def small() -> WordVectors:
    return WordVectors(list(SMALL), np.array(list(SMALL.values())), counts=[9, 7, 5, 3, 1])


def planted(rng, n_pairs=6, dim=16) -> WordVectors:
    """country + capital offset: 서울 - 한국 = 도쿄 - 일본 = ... (plus small noise)."""
    countries = ["한국", "일본", "중국", "미국", "영국", "독일"][:n_pairs]
    capitals = ["서울", "도쿄", "베이징", "워싱턴", "런던", "베를린"][:n_pairs]
    base = rng.standard_normal((n_pairs, dim))
    offset = rng.standard_normal(dim) * 1.5
    vecs = np.vstack([base, base + offset + rng.standard_normal((n_pairs, dim)) * 0.05,
                      rng.standard_normal((4, dim))])
    return WordVectors(countries + capitals + ["사과", "배", "포도", "자동차"], vecs)


def test_construction_and_lookups(small):
    assert len(small) == 5 and small.vector_size == 4 and "서울" in small and "뉴욕" not in small
    assert small.vectors.dtype == np.float32  # float64 input is stored as float32
    np.testing.assert_array_equal(small["부산"], np.float32([0.25, -1, 1.5, 0.5]))
    assert small[["한국", "서울"]].shape == (2, 4) and small[[]].shape == (0, 4)
    assert small.get_index("사과") == 3 and small.key_to_index["ㅋㅋ"] == 4
    assert small.index_to_key == list(SMALL) and list(small) == list(SMALL)
    assert small.counts.dtype == np.int64
    assert repr(small) == "WordVectors(5 words × 4 dims, cpu: ['서울', '부산', '한국', '사과', 'ㅋㅋ'])"
    with pytest.raises(ShapeError, match=r"\(V, D\) with V = 2"):
        WordVectors(["a", "b"], np.zeros((3, 4)))
    with pytest.raises(InputError, match="'가' appears twice"):
        WordVectors(["가", "나", "가"], np.zeros((3, 2)))
    with pytest.raises(ShapeError, match="counts"):
        WordVectors(["a"], np.zeros((1, 2)), counts=[1, 2])


def test_unknown_word_is_a_keyerror_naming_it(small):
    for call in (lambda: small["뉴 욕"], lambda: small.similarity("서울", "뉴 욕"),
                 lambda: small.most_similar("뉴 욕"), lambda: small[["서울", "뉴 욕"]]):
        with pytest.raises(KeyError) as info:
            call()
        assert isinstance(info.value, (UnknownWordError, HangulDLError))
        assert "'뉴 욕'" in str(info.value) and "5 words" in str(info.value)


def test_words_stored_with_the_word_start_mark_are_found_by_plain_spelling(tmp_path):
    wv = WordVectors(["▁국회", "의", "▁법률"], np.eye(3, dtype=np.float32))
    assert "국회" in wv and "▁국회" in wv and "의" in wv and "없음" not in wv
    assert wv.get_index("국회") == 0 and wv.get_index("▁국회") == 0
    assert wv.similarity("국회", "법률") == pytest.approx(0.0)
    assert wv.doesnt_match(["국회", "법률", "의"]) in {"국회", "법률", "의"}  # as given
    with pytest.raises(UnknownWordError):
        wv.get_index("▁의")  # only the plain spelling falls back, not the other way round
    pairs = tmp_path / "p.csv"
    pairs.write_text("국회,법률,5\n국회,의,1\n법률,의,2\n", encoding="utf-8")
    assert wv.evaluate_word_pairs(pairs).n_oov == 0


def test_nearest_words_shows_each_written_word_once_without_the_mark():
    # ▁국회 (an eojeol start) and 국회 (inside one) are two rows but one word to a reader
    keys = ["▁국회", "국회", "▁의장", "의장", "▁임시회", "재적", "▁법률"]
    vectors = np.array([[1, 0, 0], [0.99, 0.1, 0], [0.9, 0.3, 0], [0.89, 0.31, 0],
                        [0.8, 0.5, 0], [0.7, 0.7, 0], [0, 0, 1]], dtype=np.float32)
    wv = WordVectors(keys, vectors)
    raw = [w for w, _ in wv.most_similar("국회", topn=4)]
    assert raw[:3] == ["▁국회", "▁의장", "의장"]  # the query's other form and a word twice
    near = wv.nearest_words("국회", topn=3)
    assert [w for w, _ in near] == ["의장", "임시회", "재적"]
    best = max(wv.similarity("국회", "▁의장"), wv.similarity("국회", "의장"))
    assert near[0][1] == pytest.approx(best)  # the better form's score
    assert [w for w, _ in wv.nearest_words("국회", topn=50)] == ["의장", "임시회", "재적", "법률"]
    assert [w for w, _ in wv.nearest_words(positive=["의장", "국회"], negative=["법률"], topn=2)] \
        == ["임시회", "재적"]


def test_similarity_and_most_similar(small):
    a, b = np.array(SMALL["서울"]), np.array(SMALL["부산"])
    assert small.similarity("서울", "부산") == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b),
                                                       rel=1e-6)
    assert small.similarity("부산", "서울") == pytest.approx(small.similarity("서울", "부산"))
    top = small.most_similar("서울", topn=10)
    assert top[0][0] == "부산" and "서울" not in dict(top) and len(top) == 4
    sims = [s for _, s in top]
    assert sims == sorted(sims, reverse=True)
    all_sims = small.most_similar("서울", topn=None)
    assert all_sims.shape == (5,) and all_sims[0] == pytest.approx(1.0)
    assert small.most_similar(positive=[small["서울"]], topn=1)[0][0] == "서울"  # a raw vector
    assert [w for w, _ in small.most_similar("서울", topn=2, restrict_vocab=3)] == ["부산", "한국"]
    with pytest.raises(InputError, match="at least one word"):
        small.most_similar()


def test_analogy_3cosadd_and_3cosmul_on_planted_vectors(rng):
    wv = planted(rng)
    assert wv.most_similar(positive=["도쿄", "한국"], negative=["일본"], topn=1)[0][0] == "서울"
    assert wv.most_similar_cosmul(positive=["도쿄", "한국"], negative=["일본"], topn=1)[0][0] == "서울"
    # the query words are excluded even when they score highest
    assert {"도쿄", "한국", "일본"}.isdisjoint(
        w for w, _ in wv.most_similar(positive=["도쿄", "한국"], negative=["일본"], topn=14))
    assert wv.doesnt_match(["서울", "도쿄", "베이징", "사과"]) == "사과"
    assert wv.doesnt_match(["서울", "도쿄", "베이징", "사과", "없는말"]) == "사과"  # warned, ignored


def test_evaluate_word_pairs(small):
    result = small.evaluate_word_pairs(DATA / "word_pairs.csv")
    assert result.n_pairs == 5 and result.n_oov == 1 and result.oov_ratio == pytest.approx(0.2)
    pairs = result.pairs
    assert pairs["oov"].tolist() == [False, False, False, False, True]
    human = [8.0, 7.5, 1.0, 2.0]
    model = [small.similarity(a, b) for a, b in [("서울", "부산"), ("서울", "한국"), ("한국", "사과"),
                                                 ("부산", "사과")]]
    assert result.spearman == pytest.approx(stats.spearmanr(human, model)[0])
    assert result.pearson == pytest.approx(stats.pearsonr(human, model)[0], rel=1e-5)
    assert list(result.summary().columns) == ["pearson", "spearman", "oov_ratio", "pairs", "oov"]
    assert "WordPairsResult(pearson=" in repr(result)


def test_evaluate_word_analogies(rng, tmp_path):
    wv = planted(rng)
    result = wv.evaluate_word_analogies(DATA / "analogies.txt")
    assert (result.n_questions, result.n_oov, result.n_answered) == (5, 1, 4)
    assert result.accuracy == 1.0 and result.oov_ratio == pytest.approx(0.2)
    sec = result.sections.set_index("section")
    assert sec.loc["capital-country", ["correct", "incorrect", "oov", "questions"]].tolist() == [4, 0, 0, 4]
    assert sec.loc["fruit-color", "oov"] == 1 and np.isnan(sec.loc["fruit-color", "accuracy"])
    assert sec.loc["total", "questions"] == 5 and sec.loc["total", "accuracy"] == 1.0
    assert result.questions["predicted"].tolist()[:4] == ["일본", "중국", "한국", "미국"]
    # batched answers equal one-at-a-time most_similar
    one = wv.evaluate_word_analogies(DATA / "analogies.txt", batch_size=1)
    assert one.questions["predicted"].tolist() == result.questions["predicted"].tolist()
    # restrict_vocab makes words beyond it OOV
    assert wv.evaluate_word_analogies(DATA / "analogies.txt", restrict_vocab=6).n_answered == 0


@pytest.mark.parametrize("text, match", [
    ("word1,word2,score\n서울,부산\n", "word_pairs_bad.csv:2: expected 'word1,word2,score'"),
    ("word1,word2,score\n서울,부산,8\n서울,한국,높음\n", ":3: the score '높음' is not a number"),
])
def test_bad_word_pair_files(small, tmp_path, text, match):
    path = tmp_path / "word_pairs_bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=match):
        small.evaluate_word_pairs(path)


def test_bad_analogy_files(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": s\n서울 한국 도쿄 일본\n서울 한국 도쿄\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"q.txt:3: expected 4 words"):
        read_analogies(path)
    path.write_bytes(": s\n\xbc\xad\xbf\xef a b c\n".encode("latin-1"))  # cp949 bytes
    with pytest.raises(FormatError, match=r"q.txt:2: not valid UTF-8"):
        read_analogies(path)


def test_our_format_round_trip_bit_for_bit(small, tmp_path):
    wv = WordVectors(["탭\t들어간", "역슬래시\\", "줄\n바꿈", "보통"], np.random.default_rng(1)
                     .standard_normal((4, 7)).astype(np.float32), counts=[4, 3, 2, 1])
    wv.save(tmp_path / "vecs")
    back = WordVectors.load(tmp_path / "vecs")
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    np.testing.assert_array_equal(back.counts, wv.counts)
    assert load_word_vectors(tmp_path / "vecs").index_to_key == wv.index_to_key
    (tmp_path / "vecs" / "vocab.txt").write_text("#hangul_dl-wordvectors\tversion=1\n보통\t1\n",
                                                  encoding="utf-8")
    with pytest.raises(FormatError, match="lists 1 words; the directory was mixed up"):
        WordVectors.load(tmp_path / "vecs")
    with pytest.raises(FormatError, match="manifest.json: missing"):
        WordVectors.load(tmp_path)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 6), st.integers(1, 5)),
              elements=st.floats(width=32, allow_nan=False, allow_infinity=False)))
def test_word2vec_round_trip_bit_for_bit(tmp_path_factory, vectors):
    tmp = tmp_path_factory.mktemp("w2v")
    words = ["서울", "ㅋㅋ", "😀", "Hello", "나무", "語"][: vectors.shape[0]]
    wv = WordVectors(words, vectors)
    for binary in (False, True):
        path = wv.save_word2vec_format(tmp / f"v{int(binary)}", binary=binary)
        back = WordVectors.load_word2vec_format(path, binary=binary)
        assert back.index_to_key == words
        np.testing.assert_array_equal(back.vectors.view(np.uint32), vectors.view(np.uint32))
        assert sniff_word2vec(path) == ("binary" if binary else "text")


def test_hand_written_word2vec_text_file():
    wv = WordVectors.load_word2vec_format(DATA / "w2v_small.txt")
    assert wv.index_to_key == list(SMALL)
    np.testing.assert_array_equal(wv.vectors, np.array(list(SMALL.values()), dtype=np.float32))
    assert WordVectors.load_word2vec_format(DATA / "w2v_small.txt", limit=2).index_to_key == ["서울", "부산"]
    assert sniff_word2vec(DATA / "w2v_small.txt") == "text"


def test_fasttext_crlf_bom_and_glove_variants(tmp_path):
    vec = tmp_path / "ft.vec"
    vec.write_bytes("\ufeff2 3\r\n서울 1 2 3 \r\n부산 4 5 6 \r\n".encode())
    wv = load_word_vectors(vec)
    assert wv.index_to_key == ["서울", "부산"] and wv["부산"].tolist() == [4, 5, 6]
    glove = tmp_path / "glove.txt"
    glove.write_text("서울 1 2\n부산 3 4\n", encoding="utf-8")
    assert load_word_vectors(glove)["부산"].tolist() == [3, 4]


def test_struct_built_binary_files(tmp_path):
    """word2vec.c ends records with a newline, gensim does not: both read."""
    vecs = np.array([[1.5, -2.0], [0.25, 8.0]], dtype=np.float32)
    for newline in (b"\n", b""):
        body = b"".join(w.encode() + b" " + struct.pack("<2f", *v) + newline
                        for w, v in zip(["한국어", "</s>"], vecs.tolist()))
        path = tmp_path / f"c{len(newline)}.bin"
        path.write_bytes(b"2 2\n" + body)
        wv = load_word_vectors(path)
        assert wv.index_to_key == ["한국어", "</s>"]
        np.testing.assert_array_equal(wv.vectors, vecs)


def test_files_written_by_gensim_load():
    for name in ("gensim_small.txt", "gensim_small.bin"):
        wv = load_word_vectors(DATA / name)
        assert wv.index_to_key == GENSIM_WORDS
        np.testing.assert_array_equal(wv.vectors, GENSIM_VECS)


def test_gensim_loads_our_files(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    wv = WordVectors(GENSIM_WORDS, GENSIM_VECS * 3)
    for binary in (False, True):
        path = wv.save_word2vec_format(tmp_path / f"ours{int(binary)}", binary=binary)
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert kv.index_to_key == GENSIM_WORDS
        np.testing.assert_array_equal(kv.vectors, wv.vectors)


@pytest.mark.parametrize("content, match", [
    (b"3 2\n\xec\x84\x9c\xec\x9a\xb8 1 2\nb 3 4\n", r"the header announces 3 vectors but only 2"),
    (b"2 2\na 1 2\nb 3\n", r"bad.txt:3: expected a word and 2 numbers, found 1"),
    (b"2 2\na 1 2\nb 3 x4\n", r"bad.txt:3: 'x4' is not a number"),
    (b"2 2\na 1 2\n\nb 3 4\n", r"bad.txt:3: empty line"),
    (b"2 2\n\xc0\xaf 1 2\nb 3 4\n", r"bad.txt:2: the word .* is not valid UTF-8"),
    (b"hello\n", r"bad.txt:1: not word vectors"),
])
def test_bad_text_files_name_file_and_line(tmp_path, content, match):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=match):
        load_word_vectors(path)


def test_bad_binary_files(tmp_path):
    path = tmp_path / "bad.bin"
    path.write_bytes(b"3 1\na " + struct.pack("<f", 1) + b"b " + struct.pack("<f", 2) + b"long_word ")
    with pytest.raises(FormatError, match=r"bad.bin: the header announces 3 vectors but the file "
                                          r"ends inside record 3 \(byte 16\)"):
        WordVectors.load_word2vec_format(path, binary=True)
    path.write_bytes(b"3000000 300\nab " + struct.pack("<2f", 1, 2))  # never allocates 3.6 GB
    with pytest.raises(FormatError, match=r"announces 3000000 vectors of 300 dimensions, but the "
                                          r"file can hold at most 0"):
        WordVectors.load_word2vec_format(path, binary=True)
    path.write_bytes(b"two 2\n")
    with pytest.raises(FormatError, match=r"bad.bin:1: expected the header"):
        WordVectors.load_word2vec_format(path, binary=True)


def test_repeated_words_keep_the_first_vector(tmp_path, caplog):
    path = tmp_path / "dup.txt"
    path.write_text("3 1\n가 1\n나 2\n가 3\n", encoding="utf-8")
    wv = load_word_vectors(path)
    assert wv.index_to_key == ["가", "나"] and wv["가"].tolist() == [1.0]
    assert "1 repeated words" in caplog.text


def test_word_with_space_cannot_go_to_word2vec_format(tmp_path):
    wv = WordVectors(["뉴 욕"], np.ones((1, 2)))
    with pytest.raises(InputError, match="contains whitespace"):
        wv.save_word2vec_format(tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()


def test_word_map_plot(rng, tmp_path):
    wv = planted(rng)
    path = wv.plot(["한국", "서울", "일본", "도쿄", "사과"], tmp_path / "map.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@settings(max_examples=150, deadline=None)
@given(header=st.sampled_from([b"", b"2 3\n", b"1 1\n", b"3 2\r\n"]), body=st.binary(max_size=80),
       binary=st.booleans())
def test_garbage_files_raise_format_error_or_load(tmp_path_factory, header, body, binary):
    """Whatever the bytes, loading either works or raises FormatError/InputError — never a crash."""
    path = tmp_path_factory.mktemp("junk") / "junk.vec"
    path.write_bytes(header + body)
    for load in (lambda: WordVectors.load_word2vec_format(path, binary=binary),
                 lambda: load_word_vectors(path)):
        try:
            wv = load()
        except (FormatError, InputError):
            continue
        assert wv.vectors.dtype == np.float32 and wv.vectors.shape[0] == len(wv)


# -- NaN and infinity are refused wherever vectors are read ----------------------------------------
@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Infinity", "1e39"])  # 1e39 overflows f4
def test_non_finite_numbers_in_a_text_file_name_line_and_word(tmp_path, bad):
    path = tmp_path / "v.txt"
    path.write_text(f"3 2\n서울 0.5 1\n부산 {bad} 0.25\n한국 1 0\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"v.txt:3: the vector of '부산' holds NaN or infinity"):
        load_word_vectors(path)


def test_non_finite_numbers_in_a_binary_file_name_the_record(tmp_path):
    path = tmp_path / "v.bin"
    rows = [("서울", [0.5, 1.0]), ("부산", [float("nan"), 0.25])]
    path.write_bytes(b"2 2\n" + b"".join(w.encode() + b" " + struct.pack("<2f", *v) + b"\n"
                                         for w, v in rows))
    with pytest.raises(FormatError, match=r"v.bin: record 2: the vector of '부산' holds NaN"):
        load_word_vectors(path)


def test_non_finite_vectors_in_our_folder_name_the_word(small, tmp_path):
    small.vectors[3, 1] = np.inf
    small.save(tmp_path / "wv")
    with pytest.raises(FormatError, match=r"vectors.npz: row 3: the vector of '사과' holds NaN"):
        load_word_vectors(tmp_path / "wv")
