"""Export word vectors to the word2vec text/binary format or to TSV for the TensorBoard projector.

The input is a saved :class:`~hangul_dl.embeddings.vectors.WordVectors` directory, a saved
vector stage (``hangul-dl vectors -o DIR``, ``PPMISVD``/``Word2Vec`` ``save``) or a word2vec
file::

    python scripts/export_vectors.py vecs/ -o vecs.txt                  # word2vec text
    python scripts/export_vectors.py vecs/ -o vecs.bin                  # binary (.bin)
    python scripts/export_vectors.py vecs/ -o projector/ --format tsv --limit 5000

``--format tsv`` writes ``vectors.tsv`` and ``metadata.tsv`` into the output folder; load both
at https://projector.tensorflow.org. A thin wrapper over :func:`hangul_dl.batch.export_vectors`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hangul_dl.batch import export_vectors
from hangul_dl.batch.tools import EXPORT_FORMATS
from hangul_dl.cli.script import run_script


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    p = argparse.ArgumentParser(
        prog="export_vectors.py",
        description="단어 벡터를 word2vec 텍스트/바이너리 형식이나 TensorBoard 프로젝터용 TSV "
                    "(vectors.tsv + metadata.tsv)로 내보냅니다.")
    p.add_argument("input", metavar="VECS",
                   help="단어 벡터 폴더 (hangul-dl vectors -o의 출력) 또는 word2vec 파일")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="출력 파일 (word2vec) 또는 폴더 (tsv)")
    p.add_argument("--format", choices=EXPORT_FORMATS, default=None,
                   help="word2vec(텍스트), word2vec-binary, tsv; 기본: OUT이 .bin이면 바이너리, "
                        "아니면 텍스트")
    p.add_argument("--limit", type=int, default=None, help="빈도가 높은 앞쪽 N개 단어만")
    p.add_argument("--quiet", "-q", action="store_true", help="요약 출력 끄기")
    p.add_argument("--verbose", "-v", action="count", default=0, help="자세한 기록 (-v, -vv)")
    return p


def _run(args: argparse.Namespace) -> int:
    paths = export_vectors(args.input, args.output, format=args.format, limit=args.limit)
    if not args.quiet:
        print("내보내기 완료: " + ", ".join(str(p) for p in paths))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; returns the exit status (2 on bad input, 130 after Ctrl-C)."""
    return run_script(build_parser(), _run, argv)


if __name__ == "__main__":
    sys.exit(main())
