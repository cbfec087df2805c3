"""An article's language (ISO 639-1): detected from its text with py3langid, cross-checked
with what the page declares (``<html lang>``, meta tags, Content-Language).

Media Cloud does the same and prefers the detection: CMS templates declare one language for
a whole multilingual site, so a declaration that disagrees with a confident detection on a
text long enough is a default, not a fact. On short texts (a feed summary, a stub) the
detector guesses and the declaration is the better witness.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

#: Letters in a text before its detection overrules the page's declaration.
MIN_LETTERS = 200
#: Letters before the detection is trusted at all (with no declaration to fall back on).
MIN_DETECT = 20
#: Characters of the text the detector reads: its CPU grows with them (3.0 ms a real page at
#: 3,000, 1.7 ms at 1,500, 1.3 at 1,000). On the real-page corpus 700, 1,000 and 1,500 judge
#: every page as 3,000 does, with the page's declaration and without it (benchmarks/README.md,
#: "Real pages, real speed" and "session 12").
SAMPLE = 1000
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")

#: PostgreSQL's text search configurations by language: the stemmers it ships. Others
#: fall back to 'simple' (the words as written, lower-cased). Kept in migration 0008 too,
#: which must not change when this does.
PG_CONFIGS: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
# ISO 639-2/3 codes pages sometimes declare, for the languages above and a few common ones.
_THREE = {
    "ara": "ar", "deu": "de", "ger": "de", "eng": "en", "spa": "es", "fra": "fr", "fre": "fr",
    "ita": "it", "nld": "nl", "dut": "nl", "por": "pt", "rus": "ru", "ukr": "uk", "pol": "pl",
    "tur": "tr", "fas": "fa", "per": "fa", "zho": "zh", "chi": "zh", "jpn": "ja",
}  # fmt: skip
# Codes that name one language twice (Norwegian Bokmål is "no" to PostgreSQL and py3langid).
_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi"}


def normalize(tag: str | None) -> str | None:
    """The ISO 639-1 code of a language tag (``de-AT``, ``en_US``, ``deu``), or None."""
    if not tag:
        return None
    m = _TAG.match(tag.split(",")[0])
    if not m:
        return None
    code = m.group(1).lower()
    code = _THREE.get(code, code) if len(code) == 3 else code
    code = _ALIASES.get(code, code)
    return code if len(code) == 2 else None


_model: LanguageIdentifier | None = None


def _identifier() -> LanguageIdentifier:
    # Loaded once a process (0.5-0.7 s: py3langid decompresses its model), unless given
    # (``use_model``); normalized probabilities for the confidence.
    global _model
    if _model is None:
        _model = read_model()
    return _model


def read_model() -> LanguageIdentifier:
    """py3langid's detector from its model file, with normalized probabilities."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_model() -> None:
    """Load the detector now (a process that forks workers shares it with them)."""
    _identifier()


def use_model(identifier: LanguageIdentifier) -> None:
    """Detect with ``identifier`` (``read_model``'s, kept unpacked: monitor.crawl.langcache)."""
    global _model
    _model = identifier


def detect(text: str, letters: int | None = None) -> tuple[str | None, float]:
    """py3langid's language of ``text`` and its probability; (None, 0) for too little text
    (``letters``: those of its sample, when counted already)."""
    if letters is None:
        letters = len(_LETTERS.findall(text[:SAMPLE]))
    if letters < MIN_DETECT:
        return None, 0.0
    lang, prob = _identifier().classify(text[:SAMPLE])
    return normalize(str(lang)), float(prob)


def choose(text: str | None, declared: str | None) -> str | None:
    """The article's language: the detected one when the text is long enough and the
    detector confident, else the declared one, else the detection of a short text."""
    declared = normalize(declared)
    body = text or ""
    letters = len(_LETTERS.findall(body[:SAMPLE]))
    found, prob = detect(body, letters)
    if found is None:
        return declared
    if declared is None or declared == found:
        return found
    return found if letters >= MIN_LETTERS and prob >= 0.9 else declared


def pg_config(lang: str | None) -> str:
    """The PostgreSQL text search configuration for a language ('simple' without one)."""
    return PG_CONFIGS.get(lang or "", "simple")
