"""Word-vector commands: ``vectors`` (train), ``similar`` and ``analogy`` (evaluation is
``hangul-dl eval``).

``vectors -o`` picks the output format from the suffix: ``.txt``/``.vec`` word2vec text,
``.bin`` word2vec binary, no suffix our folder (``--format`` overrides). ``VECS`` arguments
accept any of them (gensim's and fastText's files too); the format is detected. Words are
printed as users write them, without the tokenizers' word-start mark ``▁``.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import Any

from .common import (
    add_command,
    add_common,
    and_particle,
    check_tokenizer,
    given,
    library_arg,
    positive_float,
    positive_int,
    report_skipped,
    text_encoder,
    tokenizer_options,
    tokenizing_where,
)
from .run import plain

__all__ = ["register"]


def _corpus_ids(args: argparse.Namespace, stage: Any) -> tuple[Any, Any]:
    """``(IDs, vocabulary)`` of ``args.input`` for ``stage.fit``: a TextEncoder tokenizes each
    line once (through the token cache unless ``--no-cache``, on the executor of the caller's
    ``tokenizing_where`` block) and keeps the IDs on disk. Empty lines are no sentence.

    ``whitespace`` means pre-tokenized text: its lines are split on whitespace (the very tokens
    other tools see, without word-start marks) and handed to the encoder as token lists. Other
    tokenizers drop the marks ▁ unless ``--keep-markers``, so ``similar VECS 영화`` works.
    """
    from ..text.vocab import DEFAULT_SPECIALS

    max_vocab = getattr(stage, "max_vocab", None)
    vocab_params = dict(min_count=getattr(stage, "min_count", 1),  # as corpus_to_ids builds it
                        max_size=None if max_vocab is None else max_vocab + len(DEFAULT_SPECIALS))
    if args.tokenizer == "whitespace":
        from ..text.corpus import TextCorpus

        corpus = TextCorpus(args.input, errors="skip" if args.skip_bad_lines else "raise")
        encoder = text_encoder(args, "whitespace", **vocab_params)
        encoder.fit(tokens for tokens in (line.split() for line in corpus) if tokens)
        report_skipped(args.input, corpus.stats.skipped)
    else:
        tokenizer = check_tokenizer(args.tokenizer)
        if "markers" in tokenizer.get_params() and not args.keep_markers \
                and "markers" not in args.tokenizer:
            tokenizer.set_params(markers=False)  # plain morphemes: `similar VECS 영화` works
        encoder = text_encoder(args, tokenizer, **vocab_params)
        try:
            encoder.fit(args.input)
        finally:
            tokenizer.close()
        report_skipped(args.input, encoder.skipped_lines)
    vocab = encoder.vocab_
    return encoder.ids_.joined(vocab.eos_id, skip_empty=True), vocab


#: ``vectors`` options → parameters of PPMISVD / Word2Vec (recipe keys); None: library default.
_SHARED = ("dim", "window", "min_count", "max_vocab")
_PPMI = ("alpha", "shift", "svd")
_W2V = ("negative", "sample", "epochs")

#: Output format by the suffix of ``-o``.
_SUFFIX_FORMATS = {".txt": "word2vec", ".vec": "word2vec", ".bin": "word2vec-binary"}


def output_format(args: argparse.Namespace) -> str:
    """``--format``, or the format the suffix of ``-o`` names (no suffix: our folder)."""
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower()
    return _SUFFIX_FORMATS.get(suffix, "ours")


def _stage(args: argparse.Namespace) -> Any:
    common = dict(seed=args.seed, device=args.device, quiet=args.quiet,
                  **given(args, **{k: k for k in _SHARED}))
    if args.method == "ppmi":
        from ..embeddings.count import PPMISVD

        return PPMISVD(**given(args, **{k: k for k in _PPMI}), **common)
    from ..embeddings.word2vec import Word2Vec

    return Word2Vec(method=args.method, **given(args, **{k: k for k in _W2V}), **common)


def _vector_flops(args: argparse.Namespace) -> float | None:
    from ..threads import gemm_flops

    if args.method != "ppmi":
        return None  # word2vec: small products, one thread
    dim = args.dim or 100
    return gemm_flops(args.max_vocab or 10_000, dim, dim)  # the SVD's dense products


def _cmd_vectors(args: argparse.Namespace) -> int:
    check_tokenizer(args.tokenizer)  # a wrong name is reported before any work
    fmt = output_format(args)
    stage = _stage(args)
    start = time.perf_counter()
    pre_tokenized = args.tokenizer == "whitespace"  # nothing to tokenize: no cluster to start
    with tokenizing_where(args) if not pre_tokenized else contextlib.nullcontext():
        ids, vocab = _corpus_ids(args, stage)  # a cluster is reached before anything is read
    stage.fit(ids, vocab=vocab)
    seconds = time.perf_counter() - start
    wv = stage.wv_
    if fmt == "ours":
        stage.save(args.output)
    else:
        wv.save_word2vec_format(args.output, binary=fmt == "word2vec-binary")
    n_tokens = int(wv.counts.sum()) if wv.counts is not None else 0
    print(f"단어 벡터 {len(wv):,}개 × {wv.vector_size}차원 ({args.method}, 토큰 {n_tokens:,}개, "
          f"{seconds:.1f}초) → {args.output} ({_FORMAT_NAMES[fmt]})")
    if not args.quiet:
        shown = [w for w in wv.index_to_key if any("가" <= c <= "힣" for c in w) and len(w) > 1][:3]
        for word in shown:
            near = ", ".join(f"{plain(w)}({s:.2f})" for w, s in wv.nearest_words(word, topn=5))
            print(f"  {plain(word)}: {near}")
    return 0


_FORMAT_NAMES = {"ours": "폴더", "word2vec": "word2vec 텍스트", "word2vec-binary": "word2vec 이진"}


def _load(path: str) -> Any:
    from ..embeddings.vectors import load_word_vectors

    return load_word_vectors(path)


def _known(wv: Any, word: str) -> str:
    """The word as the vectors spell it: tokens kept with the word-start mark ▁ match too."""
    from ..errors import InputError

    for form in (word, "▁" + word, word.lstrip("▁")):
        if form and form in wv:
            return form
    raise InputError(f"word {word!r} is not in the vectors ({len(wv):,} words); check the "
                     "spelling, and that the text was tokenized as for training (see "
                     "hangul-dl tokenize)")


def _print_ranked(rows: list[tuple[str, float]]) -> None:
    print(" 순위  유사도  단어")
    for rank, (word, sim) in enumerate(rows, 1):
        print(f"{rank:>5}  {sim:6.3f}  {plain(word)}")


def _cmd_similar(args: argparse.Namespace) -> int:
    wv = _load(args.vectors)
    word = _known(wv, args.word)
    shown = plain(word)
    print(f"{shown!r}{and_particle(shown)} 가장 비슷한 단어 {args.k}개 "
          f"(코사인 유사도, 단어 {len(wv):,}개 중):")
    _print_ranked(wv.nearest_words(word, topn=args.k))
    return 0


def _cmd_analogy(args: argparse.Namespace) -> int:
    wv = _load(args.vectors)
    a, b, c = (_known(wv, w) for w in (args.a, args.b, args.c))
    a_, b_, c_ = plain(a), plain(b), plain(c)
    print(f"{a_} : {b_} = {c_} : ?   ({b_} - {a_} + {c_}, 3CosAdd)")
    _print_ranked(wv.nearest_words(positive=[b, c], negative=[a], topn=args.k))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "vectors", "단어 벡터 학습 (ppmi, cbow, skipgram)",
                    "텍스트 파일에서 단어 벡터를 학습합니다. ppmi: 희소 공기 행렬 → PPMI → 절단 SVD; "
                    "cbow/skipgram: 네거티브 샘플링 word2vec. 주지 않은 옵션은 라이브러리 기본값"
                    "(PPMISVD, Word2Vec)을 씁니다. 출력 형식은 -o의 확장자로 정합니다.")
    p.add_argument("input", metavar="IN", help="UTF-8 텍스트 파일 또는 폴더 (한 줄에 한 문장, .gz 가능)")
    p.add_argument("-o", "--output", required=True, metavar="VECS",
                   help="출력: .txt(.vec)면 word2vec 텍스트, .bin이면 word2vec 이진, 확장자가 없으면 폴더")
    p.add_argument("--method", default="ppmi", choices=["ppmi", "cbow", "skipgram"],
                   help="학습 방법 (기본 ppmi)")
    both = ("PPMISVD|Word2Vec",)
    library_arg(p, "--dim", type=positive_int, default_of=(*both, "dim"), help="벡터 차원 (기본 {default})")
    library_arg(p, "--window", type=positive_int, default_of=(*both, "window"),
                help="문맥 창 크기, 한쪽 (기본 {default})")
    library_arg(p, "--min-count", type=positive_int, default_of=(*both, "min_count"),
                help="이보다 적게 나온 단어는 제외 (기본 {default})")
    library_arg(p, "--max-vocab", type=positive_int, default_of=(*both, "max_vocab"), none="제한 없음",
                aliases=("--max-size",), help="최대 단어 수, 빈도순 (기본 {default})")
    library_arg(p, "--epochs", type=positive_int, default_of=("Word2Vec", "epochs"),
                help="word2vec 에폭 (기본 {default})")
    library_arg(p, "--negative", type=positive_int, default_of=("Word2Vec", "negative"),
                help="word2vec 네거티브 샘플 수 (기본 {default})")
    library_arg(p, "--sample", type=positive_float, default_of=("Word2Vec", "sample"),
                help="word2vec 고빈도 단어 서브샘플링 임계값 (기본 {default})")
    library_arg(p, "--alpha", type=positive_float, default_of=("PPMISVD", "alpha"),
                help="ppmi 문맥 분포 평활 지수 (기본 {default})")
    library_arg(p, "--shift", type=positive_float, default_of=("PPMISVD", "shift"),
                help="ppmi 이동 k: PMI - log k (기본 {default})")
    library_arg(p, "--svd", choices=["randomized", "arpack"], default_of=("PPMISVD", "svd"),
                help="ppmi 절단 SVD 방식 (기본 {default})")
    p.add_argument("--format", default=None, choices=["ours", "word2vec", "word2vec-binary"],
                   help="저장 형식을 직접 지정 (기본: -o의 확장자로 정함; ours = 폴더)")
    p.add_argument("--keep-markers", action="store_true",
                   help="형태소 분석기의 어절 시작 표시 ▁를 단어에 남김 (기본: 뗌)")
    tokenizer_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_vectors, workload=_vector_flops, check_inputs=("input",),
                   check_outputs={"output": lambda a: "dir" if output_format(a) == "ours" else "file"})

    p = add_command(sub, "similar", "가장 비슷한 단어 (코사인 유사도)")
    p.add_argument("vectors", metavar="VECS", help="단어 벡터 (폴더 또는 word2vec .txt/.bin 파일)")
    p.add_argument("word", metavar="WORD", help="찾을 단어 (▁ 표시 없이)")
    p.add_argument("-k", type=positive_int, default=10, help="보여 줄 단어 수 (기본 10)")
    add_common(p)
    p.set_defaults(func=_cmd_similar, check_inputs=("vectors",))

    p = add_command(sub, "analogy", "유추: A : B = C : ? (B - A + C, 3CosAdd)")
    p.add_argument("vectors", metavar="VECS", help="단어 벡터 (폴더 또는 word2vec .txt/.bin 파일)")
    p.add_argument("a", metavar="A", help="첫째 단어 (예: 남자)")
    p.add_argument("b", metavar="B", help="둘째 단어 (예: 왕)")
    p.add_argument("c", metavar="C", help="셋째 단어 (예: 여자)")
    p.add_argument("-k", type=positive_int, default=5, help="후보 수 (기본 5)")
    add_common(p)
    p.set_defaults(func=_cmd_analogy, check_inputs=("vectors",))
