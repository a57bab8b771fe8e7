"""Toy-task batches: string pairs -> padded (src, tgt) ID arrays."""

import numpy as np
import pytest

from hangul_dl.errors import InputError
from hangul_dl.seq2seq.data import encode_pairs, fit_vocabularies


def test_encode_pairs_layout():
    pairs = [("16+75", "91"), ("2+3", "5"), ("이천십구년", "2019")]
    src_vocab, tgt_vocab = fit_vocabularies(pairs)
    src, tgt = encode_pairs(pairs, src_vocab, tgt_vocab)
    assert src.dtype == tgt.dtype == np.int32
    assert src.shape == (3, 5) and tgt.shape == (3, 6)
    assert src_vocab.decode(src[1][:3]) == ["2", "+", "3"] and (src[1, 3:] == 0).all()
    assert tgt[0].tolist()[:1] == [tgt_vocab.bos_id]
    assert tgt_vocab.decode(tgt[0], skip_specials=True) == ["9", "1"]
    assert tgt[0, 3] == tgt_vocab.eos_id and (tgt[0, 4:] == 0).all()
    unknown, _ = encode_pairs([("x", "1")], src_vocab, tgt_vocab)
    assert unknown[0, 0] == src_vocab.unk_id


def test_bad_pairs():
    with pytest.raises(InputError, match="pair 1"):
        fit_vocabularies([("a", "b"), ("only one",)])
    with pytest.raises(InputError, match="pair 0"):
        encode_pairs([("a", 3)], *fit_vocabularies([("a", "b")]))
