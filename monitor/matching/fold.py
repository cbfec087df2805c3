"""Length-preserving text folding: casefold and strip diacritics one character for one.

Keeping the length means an offset in the folded text is the same offset in the original, so
hits point at the original text without an offset map. A character whose folded form is not
one character (ß -> ss) keeps its lower case instead.

Speed matters (every field of every article is folded): ASCII text is just lower-cased; other
text has the few characters that need more than ``str.lower`` (accented letters, ligatures,
Arabic variants, full-width forms) replaced by one regex pass, then is lower-cased.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic-script letters that Persian and Arabic write differently: ي/ی, ى/ی, ك/ک.
_EXTRA = {"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"}
# Where characters needing more than lower() live: Latin, Greek, Cyrillic, Hebrew, Arabic and
# the other alphabetic scripts, letter-like symbols, ligatures, presentation and full-width
# forms. Outside these, folding is lower().
_RANGES = ((0x80, 0x3000), (0xFB00, 0xFFF0))


def _full_fold(c: str) -> str:
    if c in _EXTRA:
        return _EXTRA[c]
    decomposed = unicodedata.normalize("NFKD", c.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if len(stripped) == 1:
        return _EXTRA.get(stripped, stripped)
    lower = c.lower()
    return lower if len(lower) == 1 else c


def _special() -> dict[str, str]:
    table = {}
    for lo, hi in _RANGES:
        for cp in range(lo, hi):
            c = chr(cp)
            folded = _full_fold(c)
            lower = c.lower()
            if len(lower) != 1 or folded != lower:
                table[c] = folded
    return table


_SPECIAL = _special()
_SPECIAL_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(_SPECIAL)) + "]")


def fold_char(c: str) -> str:
    """The folded form of one character (the definition ``fold`` implements fast)."""
    got = _SPECIAL.get(c)
    if got is not None:
        return got
    lower = c.lower()
    return lower if len(lower) == 1 else c


def _replace(m: re.Match[str]) -> str:
    return _SPECIAL[m.group()]


def fold(text: str) -> str:
    """The folded text, exactly as long as ``text``."""
    if text.isascii():
        return text.lower()
    return _SPECIAL_RE.sub(_replace, text).lower()


def is_word_char(c: str) -> bool:
    """Matches Python's ``\\w``: letters and digits of any script, and underscore."""
    return c.isalnum() or c == "_"
