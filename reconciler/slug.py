"""File names from campaign names: readable, stable, and the same on every operating system.

``slug("Весенняя распродажа / 2026")`` is ``vesennyaya-rasprodazha-2026``: lower case; Cyrillic
transliterated (UIS and Enswitch serve Russian-speaking markets), accents dropped (``é`` -> ``e``); other
letters and digits of any script kept; everything else a single ``-``; at most ``MAX_LENGTH`` characters.
``unique_names`` gives each of several campaigns its own name, adding ``-<id>`` where slugs collide.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

MAX_LENGTH = 60
FALLBACK = "campaign"
ACCENTS = re.compile(r"(?<=[a-z0-9])[\u0300-\u036f]+")
"""Combining accents left on a Latin letter (the dot of a case-folded ``İ``)."""
CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
     "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g", "u"], strict=True))


def slug(text: str) -> str:
    """A file-name stem for ``text`` (``campaign`` when nothing of it is left)."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", text).casefold())
    plain = ACCENTS.sub("", "".join(_latin(CYRILLIC.get(ch, ch)) for ch in folded))
    dashed = re.sub(r"[\W_]+", "-", plain).strip("-")
    if len(dashed) > MAX_LENGTH:
        cut = dashed[:MAX_LENGTH]
        dashed = (cut.rsplit("-", 1)[0] if "-" in cut else cut).strip("-")
    return dashed or FALLBACK


def _latin(text: str) -> str:
    """A Latin letter without its accents (``é`` -> ``e``); any other character as it is."""
    parts = unicodedata.normalize("NFKD", text)
    if not parts or not parts[0].isascii():
        return text
    return "".join(ch for ch in parts if not unicodedata.combining(ch))


def unique_names(stems: Mapping[str, str]) -> dict[str, str]:
    """id -> stem made unique: every member of a group sharing a stem gets ``-<id>`` added, until none do.

    The result depends only on the ids and stems given, not on their order.
    """
    names = dict(stems)
    while True:
        counts = Counter(names.values())
        clashing = {key for key, name in names.items() if counts[name] > 1}
        if not clashing:
            return names
        for key in clashing:
            names[key] = f"{names[key]}-{key}"
