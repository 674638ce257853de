"""Folding: the ways a name is written that must compare equal, and the ones that must not."""

from __future__ import annotations

import pytest

from monitor.tag.fold import arabic_variants, fold_word, name_keys, words


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Salamé", "Salame"),
        ("Sabhā", "Sabha"),
        ("Da'esh", "Daesh"),
        ("Daʿesh", "Daesh"),
        ("Da’esh", "DAESH"),
        ("Haftar’s", "Haftar"),
        ("Haftar's", "haftar"),
        ("طُبْرُق", "طبرق"),  # diacritics
        ("حفـــتر", "حفتر"),  # tatweel
        ("أجدابيا", "اجدابيا"),  # alef with hamza above
        ("إبراهيم", "ابراهيم"),  # alef with hamza below
        ("مصراتة", "مصراته"),  # taa marbuta
        ("ليبيى", "ليبيي"),  # alef maqsura
        ("السراج", "سراج"),  # the article
    ],
)
def test_spellings_fold_to_one_key(a: str, b: str) -> None:
    assert fold_word(a) == fold_word(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("al-Sarraj", "Sarraj"),
        ("el-Sarraj", "Sarraj"),
        ("al Bunyan al Marsus", "Bunyan Marsus"),
        ("al-Bunyan al-Marsous", "Bunyan al-Marsous"),
        ("as-Sidra", "Sidra"),
        ("ash-Shwayrif", "Shwayrif"),
        ("Ras Lanuf–terminal", "Ras Lanuf terminal"),
    ],
)
def test_articles_and_joiners_do_not_count(a: str, b: str) -> None:
    assert name_keys(a) == name_keys(b)


def test_english_words_are_articles_only_with_a_hyphen() -> None:
    assert name_keys("as Sidra") == ("as", "sidra")
    assert name_keys("an-Nawfaliya") == ("nawfaliya",)
    assert name_keys("at Sirte") == ("at", "sirte")


def test_a_lone_article_is_a_word() -> None:
    assert name_keys("al") == ("al",)


def test_arabic_proclitics_are_tried_off() -> None:
    assert arabic_variants(fold_word("وسرت")) == ("سرت",)
    assert arabic_variants(fold_word("بسرت")) == ("سرت",)
    assert "جيش" in arabic_variants(fold_word("والجيش"))
    assert "جيش" in arabic_variants(fold_word("للجيش"))


def test_words_keep_offsets_and_leave_out_possessives() -> None:
    text = "Haftar’s forces, #Sirte_news"
    found = words(text)
    assert [(w.text, w.key) for w in found] == [
        ("Haftar", "haftar"),
        ("forces", "forces"),
        ("Sirte", "sirte"),
        ("news", "news"),
    ]
    assert all(text[w.start : w.end] == w.text for w in found)


def test_arabic_word_with_marks_is_one_word() -> None:
    assert [w.text for w in words("في طُبْرُق اليوم")] == ["في", "طُبْرُق", "اليوم"]
