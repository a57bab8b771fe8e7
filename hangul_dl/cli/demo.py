"""``hangul-dl demo``: the main job on the embedded corpus."""

from __future__ import annotations

import argparse

from .common import add_common

__all__ = ["register"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import run_demo

    result = run_demo(output=args.output, quick=args.quick, quiet=args.quiet, seed=args.seed,
                      device=args.device)
    print(f"데모 완료: {result.output}")
    for name, value in result.metrics.items():
        print(f"  {name:<28} {value:,.4f}" if value % 1 else f"  {name:<28} {value:,.0f}")
    for prompt, texts in result.generated.items():
        print(f"\n프롬프트 {prompt!r}:")
        for text in texts:
            print(f"  - {text}")
    print("\n만든 파일:")
    for path in result.files.values():
        print(f"  {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="기본 데모 실행 (내장 데이터)",
                       description="내장 데이터로 전체 흐름을 보여 주는 데모를 실행합니다.")
    p.add_argument("-o", "--output", default="hangul_dl_demo", help="결과 폴더 (기본 hangul_dl_demo)")
    p.add_argument("--quick", action="store_true", help="1분 안에 끝나는 축소판 (스모크 테스트용)")
    add_common(p)
    p.set_defaults(func=_cmd_demo)
