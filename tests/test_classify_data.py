"""The generated review corpus: same seed same reviews, balanced labels, the hard cases present
(negation, mixed reviews, ㅋㅋ/ㅠㅠ/emoji in both classes, spacing errors, a long tail of rare
words and long reviews), and a difficulty a bag of words cannot fully solve — a unigram naive
Bayes classifier lands well above chance but clearly below 100%."""

import numpy as np
import pytest

from hangul_dl.classify.data import sentiment_reviews, write_reviews_tsv
from hangul_dl.errors import InputError


@pytest.fixture(scope="module")
def reviews():
    return sentiment_reviews(3000, seed=0)


def test_same_seed_same_reviews_other_seed_other_reviews(reviews):
    assert sentiment_reviews(3000, seed=0) == reviews
    assert sentiment_reviews(100, seed=0) == reviews[:100]  # a longer corpus extends a shorter
    assert sentiment_reviews(50, seed=1) != reviews[:50]
    assert sentiment_reviews(0) == []


def test_labels_are_balanced_and_the_share_is_a_setting(reviews):
    labels = np.array([y for y, _ in reviews])
    assert set(labels.tolist()) == {0, 1}
    assert 0.45 < labels.mean() < 0.55
    skewed = np.array([y for y, _ in sentiment_reviews(1000, seed=0, positive_share=0.8,
                                                        label_noise=0.0)])
    assert 0.75 < skewed.mean() < 0.85


def test_hard_cases_are_present_in_both_classes(reviews):
    def share(pred, label):
        texts = [t for y, t in reviews if y == label]
        return np.mean([pred(t) for t in texts])

    def negated(t):
        return "지 않" in t or "안 좋" in t or "별로 안" in t or "진 않" in t

    for label in (0, 1):
        assert share(negated, label) > 0.05  # "좋지 않다" (0) and "지루하지 않다" (1)
        assert share(lambda t: "ㅋㅋ" in t or "ㅎㅎ" in t, label) > 0.1
        assert share(lambda t: "ㅠㅠ" in t or "ㅜㅜ" in t, label) > 0.03
        assert share(lambda t: any(ord(c) > 0x1F000 for c in t), label) > 0.03  # emoji
        assert share(lambda t: "근데" in t or "지만" in t or "하지만" in t, label) > 0.1
    texts = [t for _, t in reviews]
    assert any("안 좋" in t for y, t in reviews if y == 0)
    assert any("나쁘지 않" in t or "지루하지 않" in t for y, t in reviews if y == 1)
    assert any("점" in t and "만점에" in t for t in texts)  # scores
    assert any("진짜" in t for t in texts) and any("완전" in t for t in texts)


def test_length_distribution_of_short_reviews(reviews):
    words = np.array([len(t.split()) for _, t in reviews])
    chars = np.array([len(t) for _, t in reviews])
    assert (chars > 0).all() and chars.max() <= 140  # NSMC's review box
    assert 5 <= np.median(words) <= 10  # about 12 Okt tokens (Okt splits particles off)
    assert np.percentile(words, 99) >= 2.5 * np.median(words)  # a long tail
    assert (words == 1).mean() > 0.01  # one-word reviews ("최악", "꿀잼")
    assert all(t == t.strip() and "\t" not in t and "\n" not in t for _, t in reviews)


def test_zipfian_vocabulary_with_many_singletons(reviews):
    counts = {}
    for _, t in reviews:
        for w in t.split():
            counts[w] = counts.get(w, 0) + 1
    freq = np.array(sorted(counts.values(), reverse=True))
    assert (freq == 1).mean() > 0.4  # titles, names, typos, words glued by missing spaces
    assert freq[0] > 50 * np.median(freq)


def unigram_naive_bayes(train, test):
    """Multinomial naive Bayes on whitespace tokens, add-one smoothing; returns accuracy."""
    vocab = {w: i for i, w in enumerate(sorted({w for _, t in train for w in t.split()}))}
    counts = np.ones((2, len(vocab)))
    prior = np.zeros(2)
    for y, t in train:
        prior[y] += 1
        np.add.at(counts[y], [vocab[w] for w in t.split()], 1)
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    log_prior = np.log(prior / prior.sum())
    correct = 0
    for y, t in test:
        ids = [vocab[w] for w in t.split() if w in vocab]
        correct += int((log_prior + log_p[:, ids].sum(axis=1)).argmax() == y)
    return correct / len(test)


def test_a_bag_of_words_is_well_above_chance_but_far_from_perfect(reviews):
    clean_test = sentiment_reviews(1500, seed=7, label_noise=0.0)
    accuracy = unigram_naive_bayes(reviews, clean_test)
    assert 0.7 < accuracy < 0.92, accuracy
    noisy = unigram_naive_bayes(reviews, sentiment_reviews(1500, seed=8))
    assert noisy < accuracy  # the 5% flipped labels cost what they must


def test_write_tsv_with_header(tmp_path, reviews):
    path = write_reviews_tsv(tmp_path / "sub" / "train.tsv", reviews[:20])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label\ttext" and len(lines) == 21
    assert [tuple(line.split("\t")) for line in lines[1:]] == [(str(y), t) for y, t in reviews[:20]]
    with pytest.raises(InputError, match="review 1 contains a tab"):
        write_reviews_tsv(tmp_path / "bad.tsv", [(1, "좋다"), (0, "별로\t다")])
    assert not (tmp_path / "bad.tsv").exists()


@pytest.mark.parametrize("kwargs", [dict(n=-1), dict(n=5, label_noise=0.5),
                                    dict(n=5, positive_share=1.5)])
def test_bad_settings_raise(kwargs):
    with pytest.raises(InputError):
        sentiment_reviews(**kwargs)
