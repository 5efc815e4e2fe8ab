"""Number words (rewards/math_number_words.py): what reads as a number, and what stays text."""
from __future__ import annotations

from fractions import Fraction

import pytest

from rewards.math_number_words import number_latex, words_to_number


@pytest.mark.parametrize("text,value", [
    ("forty two", 42), ("Forty-Two.", 42), ("one hundred and five", 105), ("minus three", -3), ("twenty-one", 21),
    ("zero", 0), ("a thousand", 1000), ("two thousand and twenty-four", 2024), ("fifteen hundred", 1500),
    ("one million two hundred thousand", 1_200_000), ("negative seven", -7), ("three point one four", Fraction(157, 50)),
    ("one half", Fraction(1, 2)), ("a fifth", Fraction(1, 5)), ("three quarters", Fraction(3, 4)),
    ("two thirds", Fraction(2, 3)), ("two and a half", Fraction(5, 2)), ("third", 3), ("forty-second", 42),
    ("cuarenta y dos", 42), ("doscientos cinco", 205), ("mil doscientos", 1200), ("menos tres", -3),
    ("vingt et un", 21), ("soixante-dix-sept", 77), ("quatre-vingt-dix-neuf", 99), ("moins trois", -3),
    ("zweiundvierzig", 42), ("dreihundertfünf", 305), ("minus drei", -3),
])
def test_numbers_in_words(text, value):
    assert words_to_number(text) == Fraction(value)


@pytest.mark.parametrize("text", ["Alice", "One Direction", "the first one", "seven dwarfs", "two three",
                                  "twenty thirty", "owt ytrof", "no", "a", "and", "42", "one half apple", ""])
def test_not_a_number_in_words(text):
    assert words_to_number(text) is None


def test_number_latex():
    assert [number_latex(Fraction(v)) for v in (42, -3, Fraction(3, 4), Fraction(-5, 2))] == [
        "42", "-3", r"\frac{3}{4}", r"-\frac{5}{2}"]
