"""Files on disk: atomic writes, named ``.npz`` arrays and a versioned JSON manifest.

A saved object is a directory::

    manifest.json   {"format": "hangul_dl", "version": 1, "kind": ..., "config": {...}, ...}
    weights.npz     arrays by dotted name, e.g. "encoder.lstm.Wx"
    vocab.txt, history.csv, ...   written by the object itself

No pickle anywhere: arrays load with ``allow_pickle=False`` and a pickle, a truncated or a
foreign file raises :class:`~hangul_dl.errors.FormatError` that names the file. Every write goes
to a temporary name in the same directory and is renamed into place, so a crash never leaves a
half-written file under the real name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from .backend import to_cpu
from .errors import FormatError, InputError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "atomic_directory",
    "atomic_open",
    "load_arrays",
    "read_manifest",
    "save_arrays",
    "write_csv",
    "write_json",
    "write_manifest",
    "write_text",
]

FORMAT = "hangul_dl"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_PICKLE_MAGIC = (b"\x80", b"(dp", b"(lp", b"cnumpy")


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no read-only query elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _final_mode(path: Path, default: int) -> int:
    """Permission bits for a file or directory about to be renamed onto ``path``.

    An existing ``path`` keeps its mode; a new one gets what ``open``/``mkdir`` would give,
    ``default`` (0o666 for files, 0o777 for directories) minus the umask, instead of the
    0o600/0o700 of ``tempfile``.
    """
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return default & ~_umask()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it to ``path`` (atomic).

    Text modes default to UTF-8 and ``\\n`` newlines. On an exception the temporary file is
    removed and ``path`` is untouched. The file ends with the mode a plain ``open(path, "w")``
    would give (an existing ``path`` keeps its mode).
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open writes whole files; mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "\n")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _final_mode(path, 0o666))  # mkstemp made it 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Atomically write UTF-8 text."""
    with atomic_open(path, "w") as f:
        f.write(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Atomically write ``obj`` as indented UTF-8 JSON (Korean kept readable, not escaped)."""
    try:
        text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False)
    except ValueError as exc:  # NaN/Infinity are not JSON; other tools would refuse the file
        raise InputError(f"{path}: {exc}; store None (null) instead of NaN or infinity") from None
    write_text(path, text + "\n")


def write_csv(frame: Any, path: str | os.PathLike) -> Path:
    """Atomically write a pandas DataFrame as UTF-8 CSV without its index."""
    path = Path(path)
    with atomic_open(path, "w") as f:
        frame.to_csv(f, index=False)
    return path


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Build a directory under a temporary name and swap it into place on success.

    Yields the temporary directory to write into. An existing ``path`` is replaced only after
    everything was written; on an exception it is left as it was. The directory ends with the
    mode ``mkdir`` would give (or the mode of the directory it replaces).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, _final_mode(path, 0o777))  # mkdtemp made it 0700
        if path.exists():
            if not path.is_dir():
                raise FileExistsError(f"{path} exists and is not a directory; choose another path")
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_arrays(path: str | os.PathLike, arrays: Mapping[str, Any], compressed: bool = False) -> None:
    """Save named arrays (NumPy or CuPy) to an ``.npz`` file, atomically."""
    host = {name: np.asarray(to_cpu(a)) for name, a in arrays.items()}
    for name, a in host.items():
        if a.dtype == object:
            raise TypeError(f"array {name!r} has dtype object, which would need pickle; refusing")
    saver = np.savez_compressed if compressed else np.savez
    with atomic_open(path, "wb") as f:
        saver(f, **host)


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` file written by :func:`save_arrays` (never unpickles)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: file not found; was the model saved completely?")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_PICKLE_MAGIC):
        raise FormatError(
            f"{path}: this is a Python pickle. hangul_dl never loads pickle files (they can run "
            "arbitrary code); save the object with hangul_dl to get an .npz file."
        )
    if not head.startswith(b"PK"):
        raise FormatError(f"{path}: not an .npz archive (it starts with {head[:4]!r}); "
                          "the file is foreign or corrupted")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except ValueError as exc:  # object arrays need pickle
        raise FormatError(f"{path}: contains pickled objects, which are refused ({exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise FormatError(f"{path}: truncated or corrupted .npz archive ({exc}); "
                          "save the model again") from None


def write_manifest(directory: str | os.PathLike, kind: str, config: Mapping[str, Any],
                   **extra: Any) -> dict[str, Any]:
    """Write ``manifest.json`` (format, version, kind, config, extras) into ``directory``."""
    manifest = {"format": FORMAT, "version": FORMAT_VERSION, "kind": kind,
                "config": dict(config), **extra}
    write_json(Path(directory) / MANIFEST, manifest)
    return manifest


def read_manifest(directory: str | os.PathLike, kind: str | None = None) -> dict[str, Any]:
    """Read and check ``manifest.json``; ``kind`` (when given) must match what was saved."""
    path = Path(directory) / MANIFEST
    if not Path(directory).is_dir():
        raise FormatError(f"{directory}: not a directory; expected a saved hangul_dl directory")
    if not path.is_file():
        raise FormatError(f"{path}: missing; {directory} is not a saved hangul_dl directory")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path}: not valid UTF-8 JSON ({exc}); the file is corrupted") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise FormatError(f"{path}: format is {found!r}, expected {FORMAT!r}; "
                          "this directory was not written by hangul_dl")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise FormatError(f"{path}: invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise FormatError(f"{path}: written by a newer hangul_dl (format version {version}; this "
                          f"one reads up to {FORMAT_VERSION}). Upgrade: pip install -U hangul-dl")
    if kind is not None and manifest.get("kind") != kind:
        raise FormatError(f"{path}: holds a {manifest.get('kind')!r}, not a {kind!r}")
    if not isinstance(manifest.get("config", {}), dict):
        raise FormatError(f"{path}: 'config' must be a JSON object")
    return manifest


# -- one field of a tab-separated line (vocab.txt, word lists, subword merges) ----------------
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape_field(text: str) -> str:
    """``text`` with backslash, tab, newline and carriage return escaped (``\\t`` ...), so it
    fits in one field of a tab-separated UTF-8 line; :func:`unescape_field` inverts it."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return "".join(_ESCAPES.get(c, c) for c in text)
    return text


def unescape_field(text: str, where: str) -> str:
    """Invert :func:`escape_field`; a bad escape raises ``FormatError`` naming ``where``
    (``file:line``)."""
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for c in chars:
        if c != "\\":
            out.append(c)
            continue
        nxt = next(chars, "")
        if nxt not in _UNESCAPES:
            bad = "\\" + nxt
            raise FormatError(f"{where}: invalid escape {bad!r} in {text!r}; "
                              "expected \\\\, \\t, \\n or \\r")
        out.append(_UNESCAPES[nxt])
    return "".join(out)
