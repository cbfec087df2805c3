"""The proper-noun rule: a query word written with a capital first letter matches only where
the text capitalises that letter too.

Folding decides which words are the same (case and accents: Irán is Iran); this rule then
rejects the matches of a capitalised query word whose text starts in lower case, because
there the word is usually not the name: Spanish "no irán a prisión" (they will not go),
"roast turkey", "fine bone china" (issue "Detection you can trust").

- ``Iran`` matches Iran, IRAN, Irán, Iran's; not "irán". ``iran``, written in lower case,
  matches any case. ``NATO`` counts as capitalised: NATO and Nato, not "nato".
- Only the first letter of each query word counts: ``"White House"`` needs White and House
  capitalised (WHITE HOUSE too), not "White house"; ``Russia*`` matches Russian, not
  "russian"; ``#Iran`` is capitalised, ``iPhone``, ``c++`` and ``9/11`` are not.
- Cased scripts follow the rule (Latin, Cyrillic, Greek, Armenian...): ``Иран`` does not
  match "иран". Scripts without case (Arabic, Persian, Hebrew, CJK...) have no capitals, so
  their words are never restricted: ``ایران`` matches as before.
- ``case:`` terms are exact anyway and do not use this rule.
- Accepted limitation: a common word capitalised at the start of a sentence or in a Title
  Case headline ("Turkey sandwiches are...") still matches ``Turkey``; telling those apart
  needs a language model, not a rule.

Folding keeps the length, so the first letter of a query word sits at the same offset in the
matched text as in the query word: the check is one character look-up per matched word.
"""

from __future__ import annotations

from collections.abc import Sequence


def is_capital(c: str) -> bool:
    """An upper-case or title-case letter (ǅ)."""
    return c.isupper() or c.istitle()


def capital_offset(word: str) -> int | None:
    """Where the first letter of a query word is, if it is written as a capital; None if
    the word is not restricted (lower-case first letter, a caseless script, no letter)."""
    for i, c in enumerate(word):
        if c.isalpha():
            return i if is_capital(c) else None
    return None


def keeps_rule(words: Sequence[str], text: str, folded: str, start: int) -> bool:
    """Whether the match of a term's query ``words`` at ``start`` in ``text`` is capitalised
    where the query words are. ``folded`` is ``fold(text)``: there the words of a phrase are
    separated by whitespace (in ``text`` possibly by a character that folds to a space)."""
    pos = start
    for i, word in enumerate(words):
        if i:
            while folded[pos].isspace():
                pos += 1
        offset = capital_offset(word)
        if offset is not None and not is_capital(text[pos + offset]):
            return False
        pos += len(word)
    return True
