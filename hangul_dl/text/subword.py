"""Target-side tokenizers for other languages: words and punctuation, and byte-pair subwords.

Two tokenizers for the other side of a translator (book ch.7-8 works on characters; real
Korean–English pairs need words or subwords), following the front end's protocol
(:mod:`hangul_dl.text.tokenizer`) and round trip (:mod:`hangul_dl.text.markers`): the first
token of every space-separated word carries the marker ``▁``, so
``detokenize(tokenize(s)) == normalize_text(s)``.

:class:`WordTokenizer` (``get_tokenizer("word")``) splits each word into runs of letters/digits
and single punctuation marks or symbols::

    >>> WordTokenizer().tokenize("Hello, world! 서울에 갔다.")
    ['▁Hello', ',', '▁world', '!', '▁서울에', '▁갔다', '.']

:class:`SubwordTokenizer` (``get_tokenizer("subword:vocab_size=8000")``) is byte-pair encoding
(Sennrich et al., 2016) in the style of minbpe: the text is first split like
:class:`WordTokenizer`, then each piece is split into characters and the most frequent adjacent
pair is merged, ``vocab_size`` types in all. It must be fitted (``fit(texts)``, alias
``train``)::

    >>> bpe = SubwordTokenizer(vocab_size=60).fit(["the cat sat on the mat"] * 10)
    >>> bpe.encode("the cats")
    ['▁the', '▁cat', 's']
    >>> bpe.decode(_)
    'the cats'

Every token is a substring of its word (plus the word-initial marker), so the round trip holds
for any text, unseen characters and emoji included; characters never seen in ``fit`` stay
single-character tokens (the vocabulary then maps them to ``<unk>``).

Saved form (``save(dir)``: ``manifest.json`` + ``subword.txt``), versioned plain text a person
can read: a header line, the base alphabet (one symbol per line) and the merges in order (left
``<TAB>`` right); backslash, tab, newline and carriage return are escaped as in ``vocab.txt``::

    #hangul_dl-bpe	version=1	alphabet=3	merges=2
    e
    h
    ▁t
    h	e
    ▁t	he

(``SubwordTokenizer(vocab_size=5).fit(["the the"])``.)
"""

from __future__ import annotations

import heapq
import itertools
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar

from ..errors import FormatError, InputError
from ..io import atomic_open, escape_field, unescape_field
from ..progress import progress
from .markers import MARKER, escape
from .normalize import Normalizer
from .tokenizer import Tokenizer

__all__ = ["SubwordTokenizer", "WordTokenizer"]

logger = logging.getLogger(__name__)

_PIECE = re.compile(r"\w+|[^\w\s]")
_DOUBLE = MARKER * 2
BPE_FILE = "subword.txt"
BPE_VERSION = 1
_MAGIC = "#hangul_dl-bpe"


def _word_tokens(text: str) -> list[str]:
    """Marked word/punctuation tokens of normalized ``text`` (single spaces, stripped)."""
    out: list[str] = []
    if not text:
        return out
    for word in text.split(" "):
        for i, piece in enumerate(_PIECE.findall(word) or [word]):
            piece = escape(piece)  # a literal ▁ is written ▁▁
            out.append(MARKER + piece if i == 0 else piece)
    return out


class WordTokenizer(Tokenizer):
    """Words and punctuation: ``"Hello, world!"`` -> ``['▁Hello', ',', '▁world', '!']``.

    Runs of letters and digits (``\\w+``, any script) stay together; every other non-space
    character (punctuation, symbols, emoji) is a token of its own. Round-trips exactly.
    """

    def __init__(self, normalizer: bool | dict | Normalizer = True):
        self.normalizer = normalizer

    def _tokenize_words(self, text: str) -> list[str]:
        return _word_tokens(text)


def _symbols(token: str) -> list[str]:
    """A marked word token as BPE base symbols: characters, an escaped ``▁▁`` kept whole, and
    the word-initial marker glued to the first symbol (so pieces concatenate back exactly)."""
    lead = ""
    run = len(token) - len(token.lstrip(MARKER))
    if run % 2:
        lead, token = MARKER, token[1:]
    out, i = [], 0
    while i < len(token):
        step = 2 if token.startswith(_DOUBLE, i) else 1
        out.append(token[i:i + step])
        i += step
    if out:
        out[0] = lead + out[0]
    elif lead:
        out.append(lead)
    return out


def _merge(symbols: list[str], pair: tuple[str, str], new: str) -> list[str]:
    """Replace non-overlapping occurrences of ``pair``, left to right."""
    out, i, n = [], 0, len(symbols)
    a, b = pair
    while i < n:
        if i < n - 1 and symbols[i] == a and symbols[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def _pairs(symbols: list[str]) -> Iterator[tuple[str, str]]:
    return itertools.pairwise(symbols)


def _learn_merges(words: Counter, n_merges: int, min_frequency: int, quiet: bool
                  ) -> list[tuple[str, str]]:
    """The first ``n_merges`` BPE merges of ``words`` ({word token: count}).

    Pair counts are updated incrementally (only the words holding the merged pair are
    revisited) and the best pair comes from a heap with lazy deletion; ties go to the
    smallest pair in string order, so the result is deterministic.
    """
    split = [_symbols(w) for w in words]
    freqs = list(words.values())
    counts: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for wi, (syms, f) in enumerate(zip(split, freqs)):
        for pair in _pairs(syms):
            counts[pair] += f
            where[pair].add(wi)
    heap = [(-c, pair) for pair, c in counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[str, str]] = []
    bar = progress(n_merges, quiet, desc="BPE merges", unit="merge", leave=False)
    try:
        while heap and len(merges) < n_merges:
            neg, pair = heapq.heappop(heap)
            count = counts.get(pair, 0)
            if count != -neg:
                continue  # stale heap entry
            if count < min_frequency:
                break
            merges.append(pair)
            bar.update(1)
            new = pair[0] + pair[1]
            delta: Counter = Counter()
            for wi in where.pop(pair):
                syms, f = split[wi], freqs[wi]
                merged = _merge(syms, pair, new)
                if len(merged) == len(syms):
                    continue  # stale index entry: the pair left this word earlier
                for p in _pairs(syms):
                    delta[p] -= f
                for p in _pairs(merged):
                    delta[p] += f
                    where[p].add(wi)
                split[wi] = merged
            for p, d in delta.items():
                if d:
                    counts[p] += d
                    if counts[p] > 0:
                        heapq.heappush(heap, (-counts[p], p))
            counts.pop(pair, None)
    finally:
        bar.close()
    return merges


class SubwordTokenizer(Tokenizer):
    """Byte-pair-encoding subwords over word/punctuation pieces (see the module docstring).

    Parameters
    ----------
    vocab_size : int
        Number of subword types to reach: the base alphabet (characters seen in ``fit``, with
        and without the word marker) plus the learned merges.
    min_frequency : int
        A pair seen fewer times than this is never merged (training may stop early).
    normalizer : True, False, dict or Normalizer
        Normalization applied first, as for every tokenizer.

    Learned attributes: ``alphabet_`` (base symbols) and ``merges_`` (list of pairs, in order).
    """

    requires_fit = True
    round_trips: ClassVar[bool] = True
    _CACHE_SIZE = 200_000

    def __init__(self, vocab_size: int = 8000, min_frequency: int = 2,
                 normalizer: bool | dict | Normalizer = True):
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.normalizer = normalizer

    # -- training ------------------------------------------------------------------------
    def fit(self, data: Iterable[str], quiet: bool = True) -> SubwordTokenizer:
        """Learn merges from ``data`` (an iterable of texts, read once); returns ``self``."""
        for name in ("vocab_size", "min_frequency"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"SubwordTokenizer({name}={value!r}): expected a positive integer")
        if isinstance(data, str):
            raise InputError("fit expects an iterable of texts, got one str; wrap it in a list")
        words: Counter = Counter()
        for i, text in enumerate(data):
            if not isinstance(text, str):
                raise InputError(f"fit expects texts (str), got {type(text).__name__} at item {i}")
            words.update(_word_tokens(self.normalize_text(text)))
        if not words:
            raise InputError("SubwordTokenizer.fit: the training texts are empty; "
                             "give it some sentences")
        alphabet: dict[str, None] = {}
        for word in words:
            alphabet.update(dict.fromkeys(_symbols(word)))
        n_merges = max(0, self.vocab_size - len(alphabet))
        if n_merges == 0:
            logger.warning("SubwordTokenizer: vocab_size=%d is not larger than the %d base "
                           "symbols; no merges learned (tokens are characters)",
                           self.vocab_size, len(alphabet))
        merges = _learn_merges(words, n_merges, self.min_frequency, quiet)
        if len(merges) < n_merges:
            logger.info("SubwordTokenizer: stopped at %d merges (%d types): no pair is seen "
                        "%d times or more", len(merges), len(alphabet) + len(merges),
                        self.min_frequency)
        self._set_state(sorted(alphabet), merges)
        return self

    def train(self, texts: Iterable[str], quiet: bool = True) -> SubwordTokenizer:
        """minbpe's name for :meth:`fit`."""
        return self.fit(texts, quiet=quiet)

    def _set_state(self, alphabet: list[str], merges: list[tuple[str, str]]) -> None:
        self.alphabet_ = list(alphabet)
        self.merges_ = [tuple(m) for m in merges]
        self._ranks = {m: i for i, m in enumerate(self.merges_)}
        self._cache: dict[str, list[str]] = {}

    @property
    def vocab_(self) -> list[str]:
        """Every subword type: the alphabet, then one new type per merge."""
        self.check_fitted()
        return [*self.alphabet_, *(a + b for a, b in self.merges_)]

    # -- encoding ------------------------------------------------------------------------
    def _bpe(self, word: str) -> list[str]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        syms = _symbols(word)
        ranks = self._ranks
        while len(syms) > 1:
            best = min(_pairs(syms), key=lambda p: ranks.get(p, 1 << 62))
            if best not in ranks:
                break
            syms = _merge(syms, best, best[0] + best[1])
        if len(self._cache) >= self._CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = syms
        return syms

    def tokenize(self, text: str) -> list[str]:
        """Subword tokens of one text; the word-initial ones start with ``▁``."""
        self.check_fitted()
        return super().tokenize(text)

    def _tokenize_words(self, text: str) -> list[str]:
        out: list[str] = []
        for word in _word_tokens(text):
            out.extend(self._bpe(word))
        return out

    def encode(self, text: str) -> list[str]:
        """minbpe's name for :meth:`tokenize` (tokens as strings; IDs come from a Vocabulary)."""
        return self.tokenize(text)

    def decode(self, tokens: Iterable[str]) -> str:
        """minbpe's name for :meth:`detokenize`."""
        return self.detokenize(tokens)

    def pipe(self, texts: Iterable[str], batch_size: int = 256, n_jobs: int = 1,
             timeout: float | None = None, on_timeout: str = "fallback",
             quiet: bool = False) -> Iterator[list[str]]:
        """Tokenize a stream in this process (BPE is fast; ``n_jobs`` and ``timeout`` are not
        used: worker processes would have to receive the merges and are not worth it)."""
        self.check_fitted()
        return super().pipe(texts, batch_size=batch_size, quiet=quiet)

    def __repr__(self) -> str:
        base = super().__repr__()
        if not self.is_fitted:
            return base
        return f"{base} [{len(self.alphabet_)} symbols + {len(self.merges_)} merges]"

    # -- files ---------------------------------------------------------------------------
    def _save_state(self, directory: Path) -> None:
        path = directory / BPE_FILE
        with atomic_open(path, "w") as f:
            f.write(f"{_MAGIC}\tversion={BPE_VERSION}\talphabet={len(self.alphabet_)}"
                    f"\tmerges={len(self.merges_)}\n")
            f.writelines(f"{escape_field(s)}\n" for s in self.alphabet_)
            f.writelines(f"{escape_field(a)}\t{escape_field(b)}\n" for a, b in self.merges_)

    def _load_state(self, directory: Path) -> None:
        path = directory / BPE_FILE
        if not path.is_file():
            raise FormatError(f"{path}: missing; the saved SubwordTokenizer is incomplete")
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except UnicodeDecodeError as exc:
            raise FormatError(f"{path}: not valid UTF-8 ({exc.reason}); the file is corrupted"
                              ) from None
        if lines[-1] != "":
            raise FormatError(f"{path}:{len(lines)}: last line has no newline; the file is "
                              "truncated. Save the tokenizer again")
        header = lines[0].split("\t")
        fields = dict(f.partition("=")[::2] for f in header[1:])
        try:
            if header[0] != _MAGIC:
                raise ValueError
            version, n_alpha, n_merges = (int(fields[k]) for k in ("version", "alphabet", "merges"))
        except (ValueError, KeyError):
            raise FormatError(f"{path}:1: expected the header '{_MAGIC}<TAB>version=..<TAB>"
                              f"alphabet=..<TAB>merges=..', found {lines[0][:60]!r}") from None
        if version > BPE_VERSION:
            raise FormatError(f"{path}:1: subword format version {version}; this hangul_dl reads "
                              f"up to {BPE_VERSION}. Upgrade: pip install -U hangul-dl")
        body = lines[1:-1]
        if len(body) != n_alpha + n_merges:
            raise FormatError(f"{path}: the header announces {n_alpha} symbols and {n_merges} "
                              f"merges but {len(body)} lines follow; the file is damaged")
        alphabet = [unescape_field(s, f"{path}:{i + 2}") for i, s in enumerate(body[:n_alpha])]
        merges = []
        for i, line in enumerate(body[n_alpha:], n_alpha + 2):
            left, sep, right = line.partition("\t")
            if not sep or not left or not right or "\t" in right:
                raise FormatError(f"{path}:{i}: expected 'left<TAB>right', found {line[:60]!r}")
            merges.append((unescape_field(left, f"{path}:{i}"), unescape_field(right, f"{path}:{i}")))
        self._set_state(alphabet, merges)
