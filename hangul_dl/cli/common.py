"""Helpers shared by the ``hangul-dl`` subcommand modules: common options and line I/O."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import select
import sys
import typing
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

__all__ = ["EXIT_BROKEN_PIPE", "TOKENIZERS", "ArgumentParser", "HelpFormatter", "add_command", "add_common",
           "alias", "and_particle", "check_paths", "check_tokenizer", "cli_words", "fraction", "given",
           "library_arg", "network_options", "os_error_message", "pad", "pair_file_options",
           "positive_float", "positive_int", "read_lines", "report_skipped", "run_command", "scheduler_spec",
           "script_options", "skip_bad_option", "stdout_reader_gone", "text_encoder", "tokenizer_help",
           "tokenizer_options", "tokenizing_where", "training_options", "where_options", "width",
           "write_lines"]

#: Exit status after the reader of stdout went away, as a shell reports death by SIGPIPE.
EXIT_BROKEN_PIPE = 141


#: Tokenizer names for ``--tokenizer``, as ``get_tokenizer`` knows them (it checks the value).
TOKENIZERS = ("okt", "komoran", "kkma", "hannanum", "mecab", "char", "jamo", "whitespace", "word",
              "subword")

#: Library advice worded for the Python API, and the same advice in command-line words.
_CLI_WORDS = (("pass errors='skip' to skip such lines (they are counted in corpus.stats and "
               "reported)", "pass --skip-bad-lines to skip such lines (they are counted and "
               "reported)"),
              ("pass errors='skip'", "pass --skip-bad-lines"),
              ("API: a reader with errors='skip', skip_empty=True", "API: errors='skip'"),
              ("test first with `word in wv`", "try another spelling or a word seen in training"),
              ("cached_tokenize expects a path or an iterable of lines", "check the input path"))


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: Hangul and other wide characters take two,
    combining marks none (``width("국회") == 4``, ``width("GPU") == 3``)."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``columns`` terminal columns (see :func:`width`), on the
    right (``"<"``) or the left (``">"``), so that Korean words line up in a table."""
    fill = " " * max(0, columns - width(text))
    return text + fill if align == "<" else fill + text


def and_particle(word: str) -> str:
    """The particle 와/과 that ``word``'s last syllable takes: 과 after a final consonant
    (대통령과), 와 after a vowel (국회와); ``와(과)`` after anything else (GPU와(과))."""
    last = word[-1:]
    if not "가" <= last <= "힣":
        return "와(과)"
    return "과" if (ord(last) - ord("가")) % 28 else "와"


def cli_words(message: str) -> str:
    """A library message with its Python-API advice said in command-line words."""
    for api, cli in _CLI_WORDS:
        message = message.replace(api, cli)
    return message


def os_error_message(exc: OSError) -> str:
    """One line for a file-system error: what failed, on which path, and what to do."""
    import errno

    path = exc.filename if exc.filename is not None else ""
    if exc.filename2 is not None:
        path = f"{path} -> {exc.filename2}"
    where = f"{path}: " if path != "" else ""
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return (f"{where}no space left on the device (disk full or quota reached); free some "
                "space or write the output elsewhere (-o)")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"{where}permission denied ({exc.strerror or 'not writable'}); choose a path "
                "you may read or write, or change its permissions")
    if code == errno.EEXIST:
        return f"{where}already exists; remove it or choose another output path"
    if code == errno.ENOENT:
        return f"{where}no such file or directory"
    if code == errno.ENOTDIR:
        return f"{where}a part of this path is a file, not a folder"
    if code == errno.EISDIR:
        return f"{where}is a folder; a file was expected"
    return f"{where}{exc.strerror or exc}"


class ArgumentParser(argparse.ArgumentParser):
    """``argparse`` with the one error line of every command: ``hangul-dl: error: ...``."""

    def error(self, message: str) -> typing.NoReturn:
        top = self.prog.split()[0]
        command = " ".join(self.prog.split()[1:])
        where = f"{command}: " if command else ""
        self.exit(2, f"{top}: error: {where}{message} (see {self.prog} --help)\n")


class HelpFormatter(argparse.HelpFormatter):
    """Help text where ``{default}`` shows the library's default of the option's parameter
    (``library_default = (class name, parameter)`` on the action), read only when help is
    printed, so a changed library default cannot leave the help out of date."""

    def _expand_help(self, action: argparse.Action) -> str:
        text = super()._expand_help(action)
        ref = getattr(action, "library_default", None)
        if ref and "{default}" in text:
            text = text.replace("{default}", _library_default(*ref[:2], none=ref[2]))
        return text


def _library_default(class_names: str, param: str, none: str = "자동") -> str:
    """The default of ``param`` in the constructor of each class of ``"A|B"``, as help shows it."""
    import inspect

    import hangul_dl

    shown = {}
    for name in class_names.split("|"):
        try:  # a public class of the package, by name (resolved lazily)
            value = inspect.signature(getattr(hangul_dl, name).__init__).parameters[param].default
        except (AttributeError, ImportError, KeyError):  # renamed: help must still print
            value = None
        shown[name] = (none if value is None else
                       str(value).lower() if isinstance(value, bool) else str(value))
    if len(set(shown.values())) == 1:
        return next(iter(shown.values()))
    return ", ".join(f"{name} {value}" for name, value in shown.items())


def add_command(sub: argparse._SubParsersAction, name: str, help: str | None,
                description: str | None = None, **kwargs: Any) -> ArgumentParser:
    """A subcommand parser with the shared error line and help formatter (``help=None``: a
    hidden alias, left out of the command list)."""
    extra = {"help": help} if help is not None else {}
    return sub.add_parser(name, description=description or help, formatter_class=HelpFormatter,
                          **extra, **kwargs)


def library_arg(p: Any, *flags: str, default_of: tuple[str, str], aliases: Sequence[str] = (),
                none: str = "자동", **kwargs: Any) -> argparse.Action:
    """An option whose default (``None``) means the library's default for the parameter
    ``default_of = (class name, parameter)``; ``{default}`` in its help shows that value
    (``none`` where the library's default is ``None``). ``aliases`` are older spellings,
    accepted but left out of the help."""
    kwargs.setdefault("default", None)
    action = p.add_argument(*flags, **kwargs)
    action.library_default = (*default_of, none)  # type: ignore[attr-defined]
    same = {k: kwargs[k] for k in ("type", "action") if k in kwargs}
    for old in aliases:
        alias(p, old, action.dest, **same)
    return action


def network_options(group: Any, class_name: str) -> None:
    """Sizes shared by the recurrent models (``LanguageModel``, ``Translator``): the same names,
    old spellings and checks in every command; defaults from ``class_name``."""
    lib = (class_name,)
    library_arg(group, "--num-layers", type=positive_int, default_of=(*lib, "num_layers"),
                aliases=("--layers",), help="순환 층 수 (기본 {default})")
    library_arg(group, "--embedding-size", type=positive_int, default_of=(*lib, "embedding_size"),
                aliases=("--embedding",), help="임베딩 크기 (기본 {default})")
    library_arg(group, "--hidden-size", type=positive_int, default_of=(*lib, "hidden_size"),
                aliases=("--hidden",), help="은닉 크기 (기본 {default})")
    library_arg(group, "--dropout", type=fraction, default_of=(*lib, "dropout"),
                help="드롭아웃 비율, 0 이상 1 미만 (기본 {default})")
    library_arg(group, "--min-count", type=positive_int, default_of=(*lib, "min_count"),
                help="어휘에 넣을 최소 빈도 (기본 {default})")
    library_arg(group, "--max-vocab", type=positive_int, default_of=(*lib, "max_vocab"),
                none="제한 없음", aliases=("--max-size",),
                help="어휘 최대 크기, 특수 토큰 포함 (기본 {default})")


def training_options(group: Any, class_name: str) -> None:
    """Epochs, batch size and clipping, named and checked alike for every trained model."""
    lib = (class_name,)
    library_arg(group, "--max-epoch", type=positive_int, default_of=(*lib, "max_epoch"),
                aliases=("--epochs",),
                help="전체 에폭 수, --resume 때도 처음부터 센 전체 수 (기본 {default})")
    library_arg(group, "--batch-size", type=positive_int, default_of=(*lib, "batch_size"),
                help="미니배치 크기 (기본 {default})")
    library_arg(group, "--max-grad", type=positive_float, default_of=(*lib, "max_grad"),
                none="클리핑 없음", help="기울기 클리핑 노름 (기본 {default})")


def alias(p: Any, old: str, dest: str, **kwargs: Any) -> None:
    """An older spelling of an option, accepted but left out of the help."""
    p.add_argument(old, dest=dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kwargs)


def given(args: argparse.Namespace, **names: str) -> dict[str, Any]:
    """``{parameter: value}`` for the options the user gave (``None`` = library default is
    left out): ``given(args, hidden_size="hidden_size", max_epoch="max_epoch")``."""
    return {param: getattr(args, dest) for param, dest in names.items()
            if getattr(args, dest, None) is not None}


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ {minimum}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ {minimum}, got {value}")
    return value


def positive_int(text: str) -> int:
    """``type=`` for counts and sizes: a whole number ≥ 1."""
    return _whole_number(text, 1)


def non_negative_int(text: str) -> int:
    """``type=`` for a count that may be 0 (e.g. ``--ngram-buckets 0``: none)."""
    return _whole_number(text, 0)


def _number(text: str, ok: Callable[[float], bool], expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
    return value


def positive_float(text: str) -> float:
    """``type=`` for rates: a finite number > 0."""
    return _number(text, lambda v: 0 < v < float("inf"), "a finite number > 0")


def fraction(text: str) -> float:
    """``type=`` for rates in [0, 1): dropout, held-out fractions."""
    return _number(text, lambda v: 0 <= v < 1, "a number in [0, 1)")


def check_paths(args: argparse.Namespace) -> None:
    """Check the command's input and output paths before any work: the parser's defaults
    ``check_inputs`` (dests that name files or folders to read: they must exist) and
    ``check_outputs`` (dest → ``"dir"``/``"file"``, or a function of ``args`` giving one: they
    must be writable as that)."""
    from ..recipes import check_input_path, check_output_path

    for dest in getattr(args, "check_inputs", ()):
        for path in _as_list(getattr(args, dest, None)):
            check_input_path(path, _flag(dest))
    for dest, kind in getattr(args, "check_outputs", {}).items():
        path = getattr(args, dest, None)
        if path is not None:
            check_output_path(path, kind(args) if callable(kind) else kind, _flag(dest))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _flag(dest: str) -> str:
    """How the user wrote the argument stored in ``dest``: a positional's metavar or the flag."""
    positional = {"input": "IN", "inputs": "IN", "_text": "IN", "model": "DIR",
                  "model_dir": "DIR", "directory": "DIR", "vectors": "VECS", "output": "-o"}
    return positional.get(dest, "--" + dest.replace("_", "-"))


def run_command(parser: argparse.ArgumentParser, command: Callable[[argparse.Namespace], int],
                argv: Sequence[str] | None = None,
                reword: Callable[[str], str] | None = None) -> int:
    """Parse ``argv``, set up logging (``--quiet``/``-v``) and BLAS threads (``--threads``),
    check the paths the command names, and run ``command(args)``: the one error policy of
    ``hangul-dl`` and ``scripts/*.py``.

    Every :class:`~hangul_dl.errors.HangulDLError` and every file-system error (missing file,
    read-only folder, full disk, a path that exists already, ...) becomes one line
    ``PROG: error: ...`` on stderr, in command-line words (``reword`` may adapt them further),
    and exit status 2; so do running out of memory and input nested too deeply to read
    (``-vv`` logs the full traceback of any of them). Ctrl-C gives 130 (with the interrupt's
    message, e.g. how to resume); a reader of stdout that went away (``... | head -1``) gives
    141, silently.
    """
    from ..errors import HangulDLError

    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", 0)
    level = logging.ERROR if getattr(args, "quiet", False) else (
        logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    progress_logger = logging.getLogger("hangul_dl.progress")
    progress_level = progress_logger.level
    if getattr(args, "quiet", False):  # no bar and no progress line from any stage
        progress_logger.setLevel(logging.WARNING)
    prog = parser.prog

    def fail(message: str) -> int:
        logging.getLogger("hangul_dl.cli").debug("the error in full (-vv):", exc_info=True)
        message = cli_words(" ".join(message.split()) if "\n" not in message else message)
        print(f"{prog}: error: {reword(message) if reword else message}", file=sys.stderr)
        return 2

    try:
        from ..threads import set_blas_threads

        workload = getattr(args, "workload", None)
        set_blas_threads(getattr(args, "threads", None),
                         workload(args) if callable(workload) else None)
        check_paths(args)
        status = command(args)
        sys.stdout.flush()  # a full disk or a closed pipe on stdout is reported here, not at exit
        return status
    except HangulDLError as exc:
        return fail(str(exc))
    except KeyboardInterrupt as exc:  # a message says what was kept and how to go on
        print(f"{prog}: interrupted{f': {exc}' if str(exc) else ''}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not stdout_reader_gone():
            raise
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # every file-system error: missing, read-only, full disk, exists
        if exc.filename is None and _stdout_failed():
            exc.filename = "<stdout>"
        return fail(os_error_message(exc))
    except MemoryError:
        return fail("not enough memory for this input and these settings; use smaller sizes "
                    "(--max-vocab, --batch-size, --hidden-size) or a smaller input")
    except RecursionError:
        return fail("an input file is nested too deeply to read (a damaged or hostile file?); "
                    "run with -vv to see where")
    finally:
        progress_logger.setLevel(progress_level)  # main() called in a process that goes on


def _stdout_failed() -> bool:
    """After an OSError: does stdout fail to flush (a full disk behind ``> out.txt``)? If so,
    stdout is pointed at ``os.devnull`` so that the flush at exit cannot fail again."""
    try:
        sys.stdout.flush()
        return False
    except OSError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (AttributeError, OSError, ValueError):
            pass
        return True


def add_common(parser: argparse.ArgumentParser) -> None:
    """``--quiet``, ``--device``, ``--seed``, ``--threads`` and ``-v``: every command has them."""
    parser.add_argument("--quiet", "-q", action="store_true", help="진행 표시줄과 안내 출력 끄기")
    parser.add_argument("--device", default=None, choices=["cpu", "gpu", "auto"],
                        help="계산 장치 (기본: HANGUL_DL_DEVICE 환경 변수, 없으면 cpu)")
    parser.add_argument("--seed", type=int, default=0, help="난수 시드 (기본 0)")
    parser.add_argument("--threads", metavar="N", default=None,
                        help="BLAS 스레드 수 (숫자 또는 auto; 기본: HANGUL_DL_THREADS 환경 변수, "
                             "없으면 auto = 행렬이 크고 코어가 비어 있을 때만 여러 개, 아니면 1)")
    parser.add_argument("--verbose", "-v", action="count", default=0,
                        help="자세한 기록 (-v: 정보, -vv: 디버그)")


def skip_bad_option(p: Any) -> None:
    """``--skip-bad-lines``: the same option on every command and script that reads text
    (``--skip-bad``, the scripts' old spelling, is accepted too)."""
    p.add_argument("--skip-bad-lines", action="store_true",
                   help="잘못된 줄(UTF-8 아님, NUL 문자)을 오류 대신 건너뛰고 개수를 보고")
    alias(p, "--skip-bad", "skip_bad_lines", action="store_true")


def script_options(p: argparse.ArgumentParser) -> None:
    """``--quiet``, ``-v`` and ``--threads`` for ``scripts/*.py`` (which run through
    :func:`run_command` too)."""
    p.add_argument("--quiet", "-q", action="store_true", help="진행 표시줄과 요약 끄기")
    p.add_argument("--threads", metavar="N", default=None,
                   help="BLAS 스레드 수 (숫자 또는 auto; 기본: HANGUL_DL_THREADS, 없으면 auto)")
    p.add_argument("--verbose", "-v", action="count", default=0, help="자세한 기록 (-v, -vv)")


def pair_file_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--src``/``--tgt`` (aligned files) and ``--tsv`` (two columns): translator data."""
    p.add_argument("--src", metavar="F", help="원문 파일 (한 줄에 한 문장)")
    p.add_argument("--tgt", metavar="F", help="번역문 파일 (--src와 줄 수가 같아야 함)")
    p.add_argument("--tsv", metavar="F", help="두 열(원문<TAB>번역문)의 TSV 파일")


def tokenizer_help(default: str | None = "okt") -> str:
    """The help of a ``--tokenizer`` option: every name once, the default marked."""
    names = ", ".join(f"{n}(기본)" if n == default else n for n in TOKENIZERS)
    return f"토크나이저: {names}; 옵션은 \"okt:pos=true\"처럼"


def tokenizer_options(p: argparse.ArgumentParser, default: str = "okt") -> None:
    """``--tokenizer``, ``--jobs``/``--scheduler``, ``--no-cache`` and ``--skip-bad-lines`` for
    commands that tokenize text."""
    p.add_argument("--tokenizer", default=default, help=tokenizer_help(default))
    where_options(p)
    p.add_argument("--no-cache", action="store_true",
                   help="토큰화 캐시(HANGUL_DL_CACHE)를 쓰지도 만들지도 않음")
    skip_bad_option(p)


def scheduler_spec(text: str) -> str:
    """``type=`` for ``--scheduler``: ``local:N`` or a Dask scheduler address, checked for its
    form only (nothing is imported or reached here)."""
    from ..distributed import where
    from ..errors import InputError

    try:
        where(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).partition(": ")[2] or str(exc)) from None
    return text


def where_options(p: Any) -> None:
    """``--jobs N`` (threads or worker processes on this machine) and ``--scheduler ADDRESS|local:N`` (a
    Dask cluster): the one way every command that tokenizes or counts names where it runs."""
    group = p.add_argument_group("작업 위치 (토큰화·빈도 세기)")
    group.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                       help="이 컴퓨터에서 나눠 토큰화할 수 "
                            "(Okt: 한 JVM의 스레드, 그 밖: 작업 프로세스; 기본 1)")
    group.add_argument("--scheduler", type=scheduler_spec, default=None,
                       metavar="ADDRESS|local:N",
                       help="Dask 클러스터에서 실행: 스케줄러 주소(tcp://10.0.0.5:8786) 또는 "
                            "local:N(이 컴퓨터에 작업 프로세스 N개인 클러스터를 띄움); "
                            'pip install ".[dask]" 필요. 주면 --jobs는 쓰지 않음')


@contextlib.contextmanager
def tokenizing_where(args: argparse.Namespace) -> Iterator[Any]:
    """The executor ``--scheduler``/``--jobs`` name, for the ``with`` block: reached (or
    started) on entry, before any work, so a missing Dask or an unreachable scheduler is one
    line and nothing is written. With ``--scheduler``, every encoder in the block tokenizes on
    the cluster (the encoders models build inside ``fit`` too; without it they run ``--jobs``
    processes as the command passes them ``n_jobs``); a cluster started here stops at the end."""
    from ..distributed import where
    from ..text.encoder import tokenizing_on

    scheduler = getattr(args, "scheduler", None)
    executor = where(scheduler, jobs=getattr(args, "jobs", 1) or 1)
    with executor, tokenizing_on(executor if scheduler else None):
        yield executor


def text_encoder(args: argparse.Namespace, tokenizer: Any = None, **params: Any) -> Any:
    """A :class:`~hangul_dl.text.encoder.TextEncoder` as the tokenizer options say
    (``--tokenizer``, ``--jobs``, ``--no-cache``, ``--skip-bad-lines``, ``--quiet``): the one
    text → tokens path of every command. ``params``: vocabulary settings."""
    from ..text.encoder import TextEncoder

    return TextEncoder(tokenizer if tokenizer is not None else check_tokenizer(args.tokenizer),
                       n_jobs=args.jobs, cache=not args.no_cache, quiet=args.quiet,
                       errors="skip" if args.skip_bad_lines else "raise", **params)


def exit_status_of_training(trainer: Any, resume_from: Any = None) -> int:
    """0, or 130 after Ctrl-C stopped ``trainer`` (the command saved what it had learned): then
    one line on stderr says so and, with a checkpoint, how to go on (``--resume``)."""
    if not getattr(trainer, "interrupted", False):
        return 0
    hint = f" 이어서 학습: 같은 명령에 --resume {resume_from}" if resume_from else ""
    print(f"학습이 중단되었습니다. 지금까지의 모델을 저장했습니다.{hint}", file=sys.stderr)
    return 130


def report_skipped(path: str, count: int) -> None:
    """The count of bad lines skipped in ``path`` (each was logged once, with file:line)."""
    if count:
        print(f"경고: {path}에서 잘못된 줄 {count}개를 건너뛰었습니다.", file=sys.stderr)


def check_tokenizer(spec: str, option: str = "--tokenizer") -> Any:
    """The tokenizer ``spec`` names, built (no JVM yet) so that a wrong name or option is
    reported before any work, with the names allowed."""
    from ..errors import InputError
    from ..text.tokenizers import get_tokenizer

    try:
        tokenizer = get_tokenizer(spec)
    except InputError as exc:
        if str(exc).startswith("unknown tokenizer"):
            name = str(spec).partition(":")[0]
            raise InputError(f"{option} {spec!r}: unknown tokenizer {name!r}; allowed: "
                             f"{', '.join(TOKENIZERS)}") from None
        raise InputError(f"{option} {spec!r}: {exc}") from None
    backend = tokenizer.get_params().get("backend")
    if backend is not None and backend not in TOKENIZERS:
        raise InputError(f"{option} {spec!r}: unknown KoNLPy backend {backend!r}; allowed: "
                         f"{', '.join(TOKENIZERS[:5])}")
    return tokenizer


def write_lines(lines: Iterable[str], output: str | None) -> int:
    """Write lines to ``output`` atomically (or to stdout); returns how many were written."""
    from ..io import atomic_open

    count = 0
    if output is None:
        for line in lines:
            sys.stdout.write(line + "\n")
            count += 1
        return count
    with atomic_open(output, "w") as f:
        for line in lines:
            f.write(line + "\n")
            count += 1
    return count


def read_lines(path: str, skip_bad: bool = False, skip_empty: bool = True) -> list[str]:
    """Sentences of a text file/directory (.gz too); bad lines are fatal unless ``skip_bad``,
    in which case the reader logs each one (file:line: reason) and their count goes to stderr."""
    from ..text.corpus import TextCorpus

    corpus = TextCorpus(path, errors="skip" if skip_bad else "raise", skip_empty=skip_empty,
                        strip=skip_empty)
    lines = list(corpus)
    report_skipped(path, corpus.stats.skipped)
    return lines


def stdout_reader_gone() -> bool:
    """After a ``BrokenPipeError``: was it stdout's reader that went away (``... | head -1``)?

    If so, stdout is pointed at ``os.devnull`` so that the final flush at exit cannot raise
    again (the recipe of the Python docs, "Note on SIGPIPE"), and the caller should exit
    quietly with :data:`EXIT_BROKEN_PIPE`. ``False`` means the broken pipe is another one (a
    worker process died, say): a real error to raise.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by an in-memory stream
        return False
    if hasattr(select, "poll"):  # not on Windows: there, trust the exception
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        events = dict(poller.poll(0)).get(fd, 0)
        if not events & (select.POLLERR | select.POLLHUP):
            return False  # stdout still has a reader
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return True
