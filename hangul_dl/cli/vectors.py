"""Word-vector commands: ``vectors`` (train), ``similar``, ``analogy`` and ``evaluate``.

``VECS`` arguments accept our directory (from ``vectors --format ours`` or ``WordVectors.save``)
or a word2vec text/binary file (ours, gensim's, fastText's ``.vec``); the format is detected.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .common import add_common, read_lines, tokenizer_options

__all__ = ["register"]


class _TokenSentences:
    """Re-iterable token lists of a text file (read again on each pass, never all in memory).

    ``whitespace`` splits each line on whitespace (pre-tokenized text: the very tokens other
    tools see); any other tokenizer goes through the token cache. Empty lines are no sentence.
    """

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.source: Any = args.input
        if args.skip_bad_lines or not Path(args.input).is_file():
            self.source = read_lines(args.input, args.skip_bad_lines)
        self.cache_path: Path | None = None

    def __iter__(self) -> Iterator[list[str]]:
        args = self.args
        if args.tokenizer == "whitespace":
            if isinstance(self.source, list):
                lines: Any = self.source
            else:
                from ..text.corpus import TextCorpus

                lines = TextCorpus(self.source, errors="raise")
            return (tokens for tokens in (line.split() for line in lines) if tokens)
        return (tokens for tokens in self._cached() if tokens)

    def _cached(self) -> Iterator[list[str]]:
        from ..text.cache import cached_tokenize, read_cached
        from ..text.tokenizers import get_tokenizer

        if self.cache_path is None:
            tokenizer = get_tokenizer(self.args.tokenizer)
            if "markers" in tokenizer.get_params() and not self.args.keep_markers \
                    and "markers" not in self.args.tokenizer:
                tokenizer.set_params(markers=False)  # plain morphemes: `similar VECS 영화` works
            try:
                if self.args.no_cache:  # tokenized once, kept in memory for the second pass
                    self.tokens = cached_tokenize(self.source, tokenizer, enabled=False,
                                                  n_jobs=self.args.jobs, quiet=self.args.quiet)
                    self.cache_path = Path()
                else:
                    self.cache_path = cached_tokenize(self.source, tokenizer, n_jobs=self.args.jobs,
                                                      quiet=self.args.quiet, as_path=True)
            finally:
                tokenizer.close()
        return iter(self.tokens) if self.args.no_cache else read_cached(self.cache_path)


def _stage(args: argparse.Namespace) -> Any:
    common = dict(dim=args.dim, window=args.window, min_count=args.min_count,
                  max_vocab=args.max_vocab, seed=args.seed, device=args.device, quiet=args.quiet)
    if args.method == "ppmi":
        from ..embeddings.count import PPMISVD

        return PPMISVD(alpha=args.alpha, shift=args.shift, svd=args.svd, **common)
    from ..embeddings.word2vec import Word2Vec

    return Word2Vec(method=args.method, negative=args.negative, sample=args.sample,
                    epochs=args.epochs, **common)


def _cmd_vectors(args: argparse.Namespace) -> int:
    stage = _stage(args)
    start = time.perf_counter()
    stage.fit(_TokenSentences(args))
    seconds = time.perf_counter() - start
    wv = stage.wv_
    if args.format == "ours":
        stage.save(args.output)
    else:
        wv.save_word2vec_format(args.output, binary=args.format == "word2vec-binary")
    n_tokens = int(wv.counts.sum()) if wv.counts is not None else 0
    print(f"단어 벡터 {len(wv):,}개 × {wv.vector_size}차원 ({args.method}, 토큰 {n_tokens:,}개, "
          f"{seconds:.1f}초) → {args.output}")
    if not args.quiet:
        shown = [w for w in wv.index_to_key if any("가" <= c <= "힣" for c in w) and len(w) > 1][:3]
        for word in shown:
            near = ", ".join(f"{w}({s:.2f})" for w, s in wv.most_similar(word, topn=5))
            print(f"  {word}: {near}")
    return 0


def _load(path: str) -> Any:
    from ..embeddings.vectors import load_word_vectors

    return load_word_vectors(path)


def _known(wv: Any, word: str) -> str:
    """The word as the vectors spell it: tokens kept with the word-start mark ▁ match too."""
    from ..text.tokenizers import MARKER

    if word not in wv and MARKER + word in wv:
        return MARKER + word
    wv.get_index(word)  # raises a one-line error naming the word
    return word


def _print_ranked(rows: list[tuple[str, float]]) -> None:
    print(" 순위  유사도  단어")
    for rank, (word, sim) in enumerate(rows, 1):
        print(f"{rank:>5}  {sim:6.3f}  {word}")


def _cmd_similar(args: argparse.Namespace) -> int:
    wv = _load(args.vectors)
    word = _known(wv, args.word)
    print(f"{word!r}와(과) 가장 비슷한 단어 {args.k}개 (코사인 유사도, 단어 {len(wv):,}개 중):")
    _print_ranked(wv.most_similar(word, topn=args.k))
    return 0


def _cmd_analogy(args: argparse.Namespace) -> int:
    wv = _load(args.vectors)
    a, b, c = (_known(wv, w) for w in (args.a, args.b, args.c))
    print(f"{a} : {b} = {c} : ?   ({b} - {a} + {c}, 3CosAdd)")
    _print_ranked(wv.most_similar(positive=[b, c], negative=[a], topn=args.k))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from ..errors import InputError

    if not args.pairs and not args.analogies:
        raise InputError("evaluate needs --pairs CSV and/or --analogies TXT")
    wv = _load(args.vectors)
    print(f"단어 벡터: {len(wv):,}개 × {wv.vector_size}차원 ({args.vectors})")
    if args.pairs:
        r = wv.evaluate_word_pairs(args.pairs, restrict_vocab=args.restrict_vocab)
        print(f"\n[단어 쌍 유사도] {args.pairs}\n"
              f"  Spearman ρ = {r.spearman:.4f}   Pearson r = {r.pearson:.4f}\n"
              f"  쌍 {r.n_pairs:,}개 중 사전에 없는 단어가 있는 쌍 {r.n_oov:,}개 "
              f"(OOV 비율 {r.oov_ratio:.1%})")
    if args.analogies:
        r = wv.evaluate_word_analogies(args.analogies, restrict_vocab=args.restrict_vocab)
        table = r.sections.rename(columns={"section": "구역", "correct": "정답", "incorrect": "오답",
                                           "oov": "OOV", "questions": "문항", "accuracy": "정확도"})
        print(f"\n[유추 (3CosAdd)] {args.analogies}\n"
              f"{table.to_string(index=False, na_rep='-', float_format=lambda x: f'{x:.3f}')}\n"
              f"  정확도 {r.accuracy:.1%} (답한 문항 {r.n_answered:,}개; OOV {r.n_oov:,}개 제외)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vectors", help="단어 벡터 학습 (ppmi, cbow, skipgram)",
                       description="텍스트 파일에서 단어 벡터를 학습합니다. ppmi: 희소 공기 행렬 → "
                                   "PPMI → 절단 SVD; cbow/skipgram: 네거티브 샘플링 word2vec.")
    p.add_argument("input", metavar="IN", help="UTF-8 텍스트 파일 (한 줄에 한 문장, .gz 가능)")
    p.add_argument("-o", "--output", required=True, metavar="VECS",
                   help="출력: --format ours면 디렉터리, 아니면 word2vec 파일")
    p.add_argument("--method", default="ppmi", choices=["ppmi", "cbow", "skipgram"],
                   help="학습 방법 (기본 ppmi)")
    p.add_argument("--dim", type=int, default=100, help="벡터 차원 (기본 100)")
    p.add_argument("--window", type=int, default=5, help="문맥 창 크기, 한쪽 (기본 5)")
    p.add_argument("--min-count", type=int, default=5, help="이보다 적게 나온 단어는 제외 (기본 5)")
    p.add_argument("--max-vocab", type=int, default=None, help="최대 단어 수 (빈도순)")
    p.add_argument("--epochs", type=int, default=5, help="word2vec 에폭 (기본 5)")
    p.add_argument("--negative", type=int, default=5, help="word2vec 네거티브 샘플 수 (기본 5)")
    p.add_argument("--sample", type=float, default=1e-3, help="word2vec 고빈도 단어 서브샘플링 (기본 1e-3)")
    p.add_argument("--alpha", type=float, default=0.75, help="ppmi 문맥 분포 평활 지수 (기본 0.75)")
    p.add_argument("--shift", type=float, default=1.0, help="ppmi 이동 k: PMI - log k (기본 1)")
    p.add_argument("--svd", default="randomized", choices=["randomized", "arpack"],
                   help="ppmi 절단 SVD 방식 (기본 randomized)")
    p.add_argument("--format", default="ours", choices=["ours", "word2vec", "word2vec-binary"],
                   help="저장 형식 (기본 ours: 디렉터리; word2vec: gensim 호환 텍스트/이진)")
    p.add_argument("--keep-markers", action="store_true",
                   help="형태소 분석기의 어절 시작 표시 ▁를 단어에 남김 (기본: 뗌)")
    p.add_argument("--skip-bad-lines", action="store_true",
                   help="UTF-8이 아닌 줄을 건너뛰고 개수를 보고 (기본: 오류)")
    tokenizer_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_vectors)

    p = sub.add_parser("similar", help="가장 비슷한 단어")
    p.add_argument("vectors", metavar="VECS", help="단어 벡터 (디렉터리 또는 word2vec 파일)")
    p.add_argument("word", metavar="WORD")
    p.add_argument("-k", type=int, default=10, help="보여 줄 단어 수 (기본 10)")
    add_common(p)
    p.set_defaults(func=_cmd_similar)

    p = sub.add_parser("analogy", help="유추: A : B = C : ?")
    p.add_argument("vectors", metavar="VECS")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("-k", type=int, default=5, help="후보 수 (기본 5)")
    add_common(p)
    p.set_defaults(func=_cmd_analogy)

    p = sub.add_parser("evaluate", help="단어 쌍 유사도와 유추로 단어 벡터 평가")
    p.add_argument("vectors", metavar="VECS")
    p.add_argument("--pairs", metavar="CSV", help="word1,word2,score (머리줄 포함) CSV")
    p.add_argument("--analogies", metavar="TXT", help="questions-words.txt 형식 (: 구역 줄)")
    p.add_argument("--restrict-vocab", type=int, default=300_000,
                   help="빈도 상위 몇 단어까지 쓸지 (기본 300000, gensim과 같음)")
    add_common(p)
    p.set_defaults(func=_cmd_evaluate)
