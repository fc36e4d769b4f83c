"""File names for imported campaigns: readable, stable, unique."""

from __future__ import annotations

import pytest

from reconciler.slug import MAX_LENGTH, slug, unique_names


@pytest.mark.parametrize(("name", "expected"), [
    ("Spring sale", "spring-sale"),
    ('Promo / "Summer" 2026', "promo-summer-2026"),
    ("Весенняя распродажа", "vesennyaya-rasprodazha"),
    ("Объявления: съёмка", "obyavleniya-semka"),
    ("Café au lait", "cafe-au-lait"),
    ("İstanbul", "istanbul"),
    ("Straße", "strasse"),
    ("東京 キャンペーン", "東京-キャンペーン"),
    ("snake_case_name", "snake-case-name"),
    ("***", "campaign"),
    ("", "campaign"),
])
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_a_long_name_is_cut_at_a_word() -> None:
    cut = slug("word " * 30)
    assert len(cut) <= MAX_LENGTH and cut.endswith("word") and not cut.endswith("-")


def test_colliding_names_all_get_their_id_whatever_the_order() -> None:
    stems = {"7": "twin", "8": "twin", "9": "other"}
    assert unique_names(stems) == {"7": "twin-7", "8": "twin-8", "9": "other"}
    assert unique_names(dict(reversed(stems.items()))) == unique_names(stems)


def test_an_added_id_that_collides_again_is_resolved() -> None:
    names = unique_names({"5": "sale", "6": "sale", "7": "sale-5"})
    assert len(set(names.values())) == 3 and names["6"] == "sale-6"
