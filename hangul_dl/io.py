"""Files on disk: atomic writes, named ``.npz`` arrays, a versioned JSON manifest, safe loading.

A saved object is a directory::

    manifest.json   {"format": "hangul_dl", "version": 2, "kind": ..., "config": {...}, ...}
    weights.npz     arrays by dotted name, e.g. "encoder.lstm.Wx"
    vocab.txt, history.csv, ...   written by the object itself

**Writing.** Every file is written under a temporary name beside its target and renamed into
place (:func:`atomic_open`); a directory is built beside the old one and swapped in
(:func:`atomic_directory`) so that at every instant the path holds the old or the new folder,
or — between the two renames of a swap — the old one waits under ``.NAME.old-HOST-PID-XXXX``,
a name that says what it is and who moved it; the next save or load of the path puts it back
(:func:`recover`). Temporary names carry the writer's host and process id: a later run removes
those whose process is gone (or that are older than a day), never those of a live process.

**Reading** treats a folder as a claim to be checked. :func:`read_manifest` parses
``manifest.json`` strictly (size, nesting depth, types of ``format``/``version``/``kind``/
``config``; anything else is a :class:`~hangul_dl.errors.FormatError` naming the file and
key), refuses symbolic links and special files anywhere in the folder, and recovers an
interrupted swap. :func:`safe_path` keeps every path a manifest names inside its folder.
:func:`array_headers` reads the shapes of the arrays in an ``.npz`` without loading them and
checks them against the archive's real sizes, so callers compare shapes before allocating.
No pickle anywhere: arrays load with ``allow_pickle=False``. A training history
(``history.csv``) is read with the folder and parsed by pandas only when it is used
(:class:`CsvFrame`), so loading a model to use it does not import pandas.

Format versions: 2 (this one) names classes by their registered name
(:mod:`hangul_dl.registry`); folders of version 1 load the same way (their class names are the
built-in ones), and a version-1 folder that cannot load says how to save it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import shutil
import socket
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format

from .backend import to_cpu
from .errors import FormatError, InputError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "CsvFrame",
    "array_headers",
    "atomic_directory",
    "atomic_open",
    "check_tree",
    "csv_frame",
    "load_arrays",
    "read_manifest",
    "recover",
    "safe_path",
    "save_arrays",
    "write_csv",
    "write_json",
    "write_manifest",
    "write_text",
]

logger = logging.getLogger(__name__)

FORMAT = "hangul_dl"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
_PICKLE_MAGIC = (b"\x80", b"(dp", b"(lp", b"cnumpy")

#: Bounds on what a folder may claim (far above anything hangul_dl writes).
MAX_MANIFEST_BYTES = 64 << 20
MAX_JSON_DEPTH = 32
MAX_TREE_ENTRIES = 200_000
MAX_TREE_DEPTH = 16
MAX_ARRAYS = 100_000
_MAX_DEFLATE_RATIO = 1100  # deflate cannot expand more than ~1032:1; a larger claim is a bomb
STALE_AGE = 24 * 3600  # seconds after which a leftover of a live-looking process is stale
_RECOVER_WAIT = 2.0  # seconds a load waits for a live process that is between two renames


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


# -- temporary names and their owners ---------------------------------------------------------
# A temporary name is ".TARGET.TAG-HOST-PID-RANDOM[.tmp]": TAG "new" (being written), "old" (the
# previous folder, moved aside during a swap) or "trash" (the previous folder, being deleted).
_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_LEFTOVER = re.compile(r"\.(?P<target>.+)\.(?P<tag>new|old|trash)-(?P<host>[0-9a-f]{8})-"
                       r"(?P<pid>\d{1,10})-[A-Za-z0-9_]{1,32}(?:\.tmp)?")
_swept: set[str] = set()  # directories whose file leftovers this process already removed


def _owner_tag() -> str:
    return f"{_HOST}-{os.getpid()}-"


def _owner_gone(host: str, pid: int, mtime: float) -> bool:
    """True when the process that named a leftover is surely gone (never for a live one)."""
    old = time.time() - mtime > STALE_AGE  # a long-dead run whose pid was reused, or another host
    if host != _HOST or os.name != "posix":
        return old
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: alive, another user's
        return old
    return old


def _remove(path: str | os.PathLike) -> None:
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def _sweep(directory: Path, target: str | None = None) -> None:
    """Remove stale temporary files and folders in ``directory`` and put back an old folder
    whose swap was interrupted (its target missing). ``target``: only leftovers of that name.

    Errors (a read-only folder) are ignored: sweeping is housekeeping, never a reason to fail.
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    olds: dict[str, list[tuple[float, str]]] = {}
    for entry in entries:
        match = _LEFTOVER.fullmatch(entry.name)
        if match is None or (target is not None and match["target"] != target):
            continue
        try:
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if not _owner_gone(match["host"], int(match["pid"]), mtime):
            continue
        if match["tag"] == "old":
            olds.setdefault(match["target"], []).append((mtime, entry.path))
        else:
            logger.info("removing %s, left by a run that was killed", entry.path)
            _remove(entry.path)
    for name, found in olds.items():
        found.sort(reverse=True)
        path = directory / name
        if not os.path.lexists(path):
            try:
                os.replace(found[0][1], path)
                logger.warning("%s: restored the previous folder that an interrupted save had "
                               "moved aside (%s)", path, os.path.basename(found[0][1]))
                found = found[1:]
            except OSError:
                continue
        for _, leftover in found:
            logger.info("removing %s, left by a save that was killed", leftover)
            _remove(leftover)


def recover(path: str | os.PathLike) -> bool:
    """Put back a folder that a killed save left moved aside; True when ``path`` exists after.

    Called by :func:`read_manifest` when a folder is missing and by every save. A live process
    in the middle of its swap is waited for (briefly), never interfered with.
    """
    path = Path(path)
    parent = path.parent
    deadline = time.monotonic() + _RECOVER_WAIT
    while True:
        _sweep(parent, path.name)
        if os.path.lexists(path):
            return True
        live = [e.name for e in _scandir(parent)
                if (m := _LEFTOVER.fullmatch(e.name)) and m["target"] == path.name
                and m["tag"] == "old"]
        if not live or time.monotonic() > deadline:
            return False
        time.sleep(0.05)  # another process is between its two renames


def _scandir(directory: Path) -> list[os.DirEntry]:
    try:
        return list(os.scandir(directory))
    except OSError:
        return []


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- atomic writes ------------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it to ``path`` (atomic).

    Text modes default to UTF-8 and ``\\n`` newlines. On an exception the temporary file is
    removed and ``path`` is untouched. The file ends with the mode a plain ``open(path, "w")``
    would give (an existing ``path`` keeps its mode). Temporary files that killed runs left in
    the folder are removed (once per folder and process).
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open writes whole files; mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    parent = os.path.abspath(path.parent)
    if parent not in _swept:
        _swept.add(parent)
        _sweep(path.parent)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "\n")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.new-{_owner_tag()}", suffix=".tmp",
                               dir=path.parent)
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


class _SavedCsv(bytes):
    """The bytes of a saved CSV file, not parsed yet (see :class:`CsvFrame`)."""


def csv_frame(path: str | os.PathLike) -> _SavedCsv | None:
    """A saved CSV (a training history) to assign to a :class:`CsvFrame` attribute: its bytes,
    read now, parsed by pandas on first access; None when the file does not exist."""
    path = Path(path)
    return _SavedCsv(path.read_bytes()) if path.is_file() else None


class CsvFrame:
    """A DataFrame attribute (``history_``) that loading sets from :func:`csv_frame`: pandas
    parses the bytes when the attribute is first read. A command that loads a model to use it
    (``generate``, ``translate``, ``classify predict``) then never imports pandas (~0.3 s).
    Any other value is stored and returned as it is."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        try:
            value = obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(f"{type(obj).__name__!r} object has no attribute "
                                 f"{self.name!r}") from None
        if isinstance(value, _SavedCsv):
            import io

            import pandas as pd

            value = obj.__dict__[self.name] = pd.read_csv(io.BytesIO(value))
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value


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

    The swap is two renames — ``path`` to ``.NAME.old-HOST-PID-XXXX``, then the new folder to
    ``path`` — so a process killed between them leaves ``path`` missing and the complete old
    folder under that name; the next :func:`read_manifest` or save of ``path`` puts it back
    (:func:`recover`). Leftovers of killed saves are removed by the next save.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    _sweep(path.parent, path.name)
    tag = _owner_tag()
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-{tag}", dir=path.parent))
    moved: Path | None = None
    try:
        yield tmp
        os.chmod(tmp, _final_mode(path, 0o777))  # mkdtemp made it 0700
        if os.path.lexists(path):
            if not path.is_dir():
                raise FileExistsError(f"{path} exists and is not a directory; choose another path")
            suffix = tmp.name.rpartition("-")[2]
            moved = path.with_name(f".{path.name}.old-{tag}{suffix}")
            os.replace(path, moved)  # from here until the next rename, `moved` is the old folder
            os.replace(tmp, path)
            trash = path.with_name(f".{path.name}.trash-{tag}{suffix}")
            os.replace(moved, trash)  # no longer a copy to restore
            moved = None
            _fsync_directory(path.parent)
            _remove(trash)
        else:
            os.replace(tmp, path)
            _fsync_directory(path.parent)
    except BaseException:
        if moved is not None and not os.path.lexists(path):
            with contextlib.suppress(OSError):
                os.replace(moved, path)  # roll back: the old folder is the path again
        _remove(tmp)
        raise


# -- arrays -------------------------------------------------------------------------------------
def save_arrays(path: str | os.PathLike, arrays: Mapping[str, Any], compressed: bool = False) -> None:
    """Save named arrays (NumPy or CuPy) to an ``.npz`` file, atomically."""
    host = {name: np.asarray(to_cpu(a)) for name, a in arrays.items()}
    for name, a in host.items():
        if a.dtype == object:
            raise TypeError(f"array {name!r} has dtype object, which would need pickle; refusing")
    saver = np.savez_compressed if compressed else np.savez
    with atomic_open(path, "wb") as f:
        saver(f, **host)


def _check_npz_file(path: Path) -> int:
    """Size of ``path`` after checking it is a regular file holding a zip archive (no pickle)."""
    try:
        info = os.stat(path)
    except OSError:
        raise FormatError(f"{path}: file not found; was the model saved completely?") from None
    if not stat.S_ISREG(info.st_mode):
        raise FormatError(f"{path}: not a regular file; expected an .npz archive")
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
    return info.st_size


def array_headers(path: str | os.PathLike) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """``{name: (shape, dtype)}`` of the arrays in an ``.npz``, read from the ``.npy`` headers
    without loading any data (cheap for any file size).

    Each member's declared shape × item size must be exactly the bytes the archive holds for it
    (and a compressed member cannot claim more than deflate can give), so the shapes are safe to
    allocate from. Object (pickled) arrays, encrypted or foreign members, and a truncated or
    corrupted archive raise :class:`FormatError` naming the file and member.
    """
    path = Path(path)
    size = _check_npz_file(path)
    headers: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARRAYS:
                raise FormatError(f"{path}: {len(members):,} members; an .npz written by "
                                  f"hangul_dl holds at most {MAX_ARRAYS:,} arrays")
            for info in members:
                name = info.filename
                where = f"{path}: array {name[:-4] if name.endswith('.npy') else name!r}"
                if not name.endswith(".npy") or name.count("/") or info.flag_bits & 0x1:
                    raise FormatError(f"{path}: member {name!r} is not a plain .npy array; "
                                      "the file was not written by hangul_dl")
                _check_member_size(info, size, where)
                with archive.open(info) as member:
                    shape, dtype = _read_npy_header(member, where)
                    offset = member.tell()
                count = math.prod(shape)
                if offset + count * dtype.itemsize != info.file_size:
                    raise FormatError(f"{where} declares shape {shape} of {dtype} "
                                      f"({count * dtype.itemsize:,} bytes) but the archive holds "
                                      f"{info.file_size - offset:,} bytes for it; the file is "
                                      "corrupted or forged")
                headers[name[:-4]] = (shape, dtype)
    except FormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise FormatError(f"{path}: truncated or corrupted .npz archive ({exc}); "
                          "save the model again") from None
    return headers


def _check_member_size(info: zipfile.ZipInfo, archive_size: int, where: str) -> None:
    if info.header_offset + info.compress_size > archive_size:
        raise FormatError(f"{where} claims {info.compress_size:,} bytes, more than the file "
                          f"holds ({archive_size:,}); the file is truncated")
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise FormatError(f"{where}: stored member sizes disagree ({info.compress_size:,} "
                              f"and {info.file_size:,} bytes); the file is corrupted")
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        if info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 4096:
            raise FormatError(f"{where} claims to expand from {info.compress_size:,} to "
                              f"{info.file_size:,} bytes, more than deflate can; refusing it")
    else:
        raise FormatError(f"{where} uses zip compression method {info.compress_type}; "
                          "expected an archive written by numpy.savez")


def _read_npy_header(member: IO[bytes], where: str) -> tuple[tuple[int, ...], np.dtype]:
    try:
        version = npy_format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = npy_format.read_array_header_1_0(member)
        elif version in ((2, 0), (3, 0)):
            shape, _, dtype = npy_format.read_array_header_2_0(member)
        else:  # pragma: no cover - read_magic accepts only 1.0 .. 3.0
            raise ValueError(f"unknown .npy version {version}")
    except (ValueError, OSError, EOFError, SyntaxError) as exc:
        raise FormatError(f"{where}: bad .npy header ({exc}); the file is corrupted") from None
    if dtype.hasobject or dtype.kind not in "biufc":
        raise FormatError(f"{where} has dtype {dtype}; hangul_dl saves only numbers (an object "
                          "array would need pickle, which is refused)")
    return tuple(int(n) for n in shape), dtype


def load_arrays(path: str | os.PathLike,
                expected: Mapping[str, tuple[int, ...]] | None = None) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` file written by :func:`save_arrays` (never unpickles).

    The headers are checked first (:func:`array_headers`); with ``expected`` (``{name:
    shape}``) the names and shapes must match before any data is read.
    """
    path = Path(path)
    headers = array_headers(path)
    if expected is not None:
        check_shapes(headers, expected, str(path))
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except ValueError as exc:  # object arrays need pickle
        raise FormatError(f"{path}: contains pickled objects, which are refused ({exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise FormatError(f"{path}: truncated or corrupted .npz archive ({exc}); "
                          "save the model again") from None


def check_shapes(headers: Mapping[str, tuple[tuple[int, ...], Any]],
                 expected: Mapping[str, tuple[int, ...]], source: str) -> None:
    """Raise :class:`FormatError` unless the arrays named in ``headers`` are exactly
    ``expected`` (names and shapes), naming the first difference."""
    missing = sorted(set(expected) - set(headers))
    unexpected = sorted(set(headers) - set(expected))
    if missing or unexpected:
        raise FormatError(f"{source}: arrays do not match: missing {missing[:10] or 'none'}, "
                          f"unexpected {unexpected[:10] or 'none'}; was it saved with another "
                          "config?")
    for name, shape in expected.items():
        found = tuple(headers[name][0])
        if found != tuple(shape):
            raise FormatError(f"{source}: {name!r} has shape {found}, the model expects "
                              f"{tuple(shape)}; was it saved with another config?")


# -- paths a manifest names -----------------------------------------------------------------------
def safe_path(directory: str | os.PathLike, relative: Any, where: str) -> Path:
    """``directory / relative`` after checking that a manifest's path stays inside the folder.

    ``relative`` must be a non-empty relative string without ``..`` (POSIX or Windows), naming
    something below ``directory`` (not the folder itself) that is not a symbolic link and does
    not resolve outside. ``where`` (``"DIR/manifest.json: stages[2].path"``) names the key in
    the message.
    """
    directory = Path(directory)
    if not isinstance(relative, str) or not relative or "\x00" in relative \
            or len(relative) > 1000:
        raise FormatError(f"{where} must be a relative path inside the folder, found "
                          f"{type(relative).__name__} {_short(relative)}")
    posix, windows = PurePosixPath(relative), PureWindowsPath(relative)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or windows.root \
            or ".." in posix.parts or ".." in windows.parts:
        raise FormatError(f"{where} is {relative!r}, which leaves the folder; a saved folder "
                          "names only paths inside itself (no '..', no absolute paths)")
    parts = [p for p in posix.parts if p not in ("", ".")]
    if not parts:
        raise FormatError(f"{where} is {relative!r}, the folder itself; a step must live in a "
                          "sub-folder (the manifest is damaged)")
    path = directory.joinpath(*parts)
    probe = directory
    for part in parts:
        probe = probe / part
        if probe.is_symlink():
            raise FormatError(f"{probe}: is a symbolic link; a saved folder must hold its own "
                              "files (copy the target in and save again)")
    try:
        inside = path.resolve().is_relative_to(directory.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise FormatError(f"{where} is {relative!r}, which resolves outside {directory}")
    return path


def check_tree(directory: str | os.PathLike) -> None:
    """Refuse symbolic links, special files (FIFOs, devices) and absurdly large or deep trees
    anywhere below ``directory`` (``directory`` itself may be a link the user named)."""
    root = Path(directory)
    stack = [(root, 0)]
    seen = 0
    while stack:
        folder, depth = stack.pop()
        for entry in _scandir_or_fail(folder):
            seen += 1
            if seen > MAX_TREE_ENTRIES:
                raise FormatError(f"{root}: more than {MAX_TREE_ENTRIES:,} files; this is not a "
                                  "folder saved by hangul_dl")
            if entry.is_symlink():
                raise FormatError(f"{entry.path}: is a symbolic link; a saved folder must hold "
                                  "its own files (copy the target in and save again)")
            if entry.is_dir(follow_symlinks=False):
                if depth + 1 > MAX_TREE_DEPTH:
                    raise FormatError(f"{entry.path}: folders nested deeper than "
                                      f"{MAX_TREE_DEPTH}; this is not a folder saved by hangul_dl")
                stack.append((Path(entry.path), depth + 1))
            elif not entry.is_file(follow_symlinks=False):
                raise FormatError(f"{entry.path}: not a regular file (a FIFO, socket or device); "
                                  "a saved folder holds only files and folders")


def _scandir_or_fail(folder: Path) -> list[os.DirEntry]:
    try:
        return list(os.scandir(folder))
    except OSError as exc:
        raise FormatError(f"{folder}: cannot be listed ({exc.strerror or exc})") from None


# -- manifests --------------------------------------------------------------------------------------
def write_manifest(directory: str | os.PathLike, kind: str, config: Mapping[str, Any],
                   **extra: Any) -> dict[str, Any]:
    """Write ``manifest.json`` (format, version, kind, config, extras) into ``directory``."""
    manifest = {"format": FORMAT, "version": FORMAT_VERSION, "kind": kind,
                "config": dict(config), **extra}
    write_json(Path(directory) / MANIFEST, manifest)
    return manifest


def read_manifest(directory: str | os.PathLike, kind: str | None = None) -> dict[str, Any]:
    """Read and check ``manifest.json``; ``kind`` (when given) must match what was saved.

    Returns the manifest with ``config`` always a dict. Before parsing, an interrupted save is
    recovered (:func:`recover`) and the folder is checked for links and special files
    (:func:`check_tree`). Any malformed content raises :class:`FormatError` naming the file and
    the key.
    """
    directory = Path(directory)
    if not directory.is_dir() and not (recover(directory) and directory.is_dir()):
        aside = [e.name for e in _scandir(directory.parent)
                 if (m := _LEFTOVER.fullmatch(e.name)) and m["target"] == directory.name
                 and m["tag"] == "old"]
        if aside:
            raise FormatError(f"{directory}: missing while a save that is still running (or "
                              f"whose process id was reused) has the folder moved aside as "
                              f"{aside[0]}; wait for it, or if no save is running rename that "
                              "folder back")
        raise FormatError(f"{directory}: not a directory; expected a saved hangul_dl directory")
    _sweep(directory.parent, directory.name)
    path = directory / MANIFEST
    if path.is_symlink() or not path.is_file():
        what = "a symbolic link" if path.is_symlink() else "missing"
        raise FormatError(f"{path}: {what}; {directory} is not a saved hangul_dl directory")
    check_tree(directory)
    manifest = _parse_manifest(path)
    if kind is not None and manifest["kind"] != kind:
        raise FormatError(f"{path}: holds a {manifest['kind']!r}, not a {kind!r}")
    return manifest


class _Refused(ValueError):
    pass


def _parse_manifest(path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    if size > MAX_MANIFEST_BYTES:
        raise FormatError(f"{path}: {size:,} bytes; a manifest is at most "
                          f"{MAX_MANIFEST_BYTES:,} bytes (this one is damaged or forged)")
    raw = path.read_bytes()
    try:
        manifest = _strict_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not valid UTF-8 JSON ({exc}); the file is corrupted") from None
    except RecursionError:
        raise FormatError(f"{path}: not valid UTF-8 JSON (nested deeper than "
                          f"{MAX_JSON_DEPTH} levels); the file is damaged or forged") from None
    except _Refused as exc:
        raise FormatError(f"{path}: {exc}; the file is damaged or forged") from None
    except ValueError as exc:  # json.JSONDecodeError, too many digits
        raise FormatError(f"{path}: not valid UTF-8 JSON ({exc}); the file is corrupted") from None
    if not isinstance(manifest, dict):
        raise FormatError(f"{path}: format is {type(manifest).__name__!r}, expected a JSON object "
                          f"with \"format\": {FORMAT!r}; this directory was not written by "
                          "hangul_dl")
    if manifest.get("format") != FORMAT:
        raise FormatError(f"{path}: format is {_short(manifest.get('format'))}, expected "
                          f"{FORMAT!r}; this directory was not written by hangul_dl")
    version = manifest.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FormatError(f"{path}: invalid format version {_short(version)}; expected an "
                          f"integer 1..{FORMAT_VERSION}")
    if version > FORMAT_VERSION:
        raise FormatError(f"{path}: written by a newer hangul_dl (format version {version}; this "
                          f"one reads up to {FORMAT_VERSION}). Upgrade: pip install -U hangul-dl")
    if "kind" not in manifest:
        raise FormatError(f"{path}: key 'kind' is missing; it names the saved class (e.g. "
                          "\"Vocabulary\")")
    kind = manifest["kind"]
    if not isinstance(kind, str) or not kind or len(kind) > 200 or not kind.isprintable():
        raise FormatError(f"{path}: key 'kind' must be a class name (a short string), found "
                          f"{type(kind).__name__} {_short(kind)}")
    config = manifest.setdefault("config", {})
    if not isinstance(config, dict):
        raise FormatError(f"{path}: key 'config' must be a JSON object, found "
                          f"{type(config).__name__} {_short(config)}")
    return manifest


def _strict_json(text: str) -> Any:
    """``json.loads`` refusing duplicate keys, NaN/Infinity and nesting deeper than
    :data:`MAX_JSON_DEPTH` (checked before the parser could recurse that deep)."""
    _check_depth(text)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise _Refused(f"key {key!r} appears twice in one object")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise _Refused(f"{name} is not a JSON number")

    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise _Refused(f"the number {text[:30]} is out of range")
        return value

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant,
                      parse_float=number)


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _check_depth(text: str) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise _Refused(f"nested deeper than {MAX_JSON_DEPTH} levels")
        elif token in "]}":
            depth -= 1


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
