"""``hangul-dl demo``: the main job (the bundled recipe ``pipelines/demo.toml``)."""

from __future__ import annotations

import argparse

from .common import add_command, add_common

__all__ = ["register"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..backend import resolve_device
    from ..demo import run_demo
    from .run import print_result

    resolve_device(args.device)  # a missing GPU is reported before any work
    result = run_demo(output=args.output, quick=args.quick, quiet=args.quiet, seed=args.seed,
                      device=args.device, threads=args.threads)
    print_result(result)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "demo", "기본 데모 실행 (내장 데이터, pipelines/demo.toml)",
                    "내장 말뭉치로 단어 벡터(PPMI+SVD, word2vec)와 LSTM 언어 모델을 학습하고 "
                    "보고서(report.md)를 만듭니다.")
    p.add_argument("-o", "--output", default="hangul_dl_demo", help="결과 폴더 (기본 hangul_dl_demo)")
    p.add_argument("--quick", action="store_true", help="1분 안에 끝나는 축소판 (스모크 테스트용)")
    add_common(p)
    p.set_defaults(func=_cmd_demo, seed=None, check_outputs={"output": "dir"})
