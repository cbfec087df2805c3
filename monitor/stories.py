"""Pure: syndicated copies of one story (AFP, AP, Reuters on many sites, with small edits).

MinHash signatures (datasketch) over 5-word shingles estimate how much two texts overlap;
LSH bands make candidates findable with an index lookup. A candidate is the same story only
when the estimated Jaccard similarity reaches THRESHOLD: truncated and lightly edited copies
pass, different stories on the same event that share a quote do not (tests/test_stories.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from monitor.matching.fold import fold

if TYPE_CHECKING:
    from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 5
BANDS, ROWS = 32, 4  # 32 x 4 = 128: candidates from a similarity of about 0.42 up
THRESHOLD = 0.5
MIN_WORDS = 40  # shorter texts (briefs, failed extractions) are stories of their own
_WORDS = re.compile(r"\w+")


@cache
def _template() -> tuple[MinHash, dict[str, str]]:
    """The 128 permutations depend only on the seed: drawn once, not for every article (0.33
    -> 0.21 ms a signature, benchmarks/README.md). The same scheme keeps the signatures
    identical. datasketch is imported on first use, not at start-up (it pulls in scipy)."""
    from datasketch import MinHash

    template = MinHash(num_perm=NUM_PERM, seed=1)
    scheme = {"scheme": template.scheme} if hasattr(template, "scheme") else {}  # datasketch 2
    return template, scheme


def shingles(text: str) -> set[bytes]:
    words = _WORDS.findall(fold(text))
    return {
        " ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)
    }


def signature(text: str | None) -> bytes | None:
    """The MinHash of a text, as bytes for the store; None when too short to compare."""
    if not text or len(_WORDS.findall(text)) < MIN_WORDS:
        return None
    template, scheme = _template()
    m = type(template)(num_perm=NUM_PERM, seed=1, permutations=template.permutations, **scheme)
    m.update_batch(list(shingles(text)))
    return m.hashvalues.astype(np.uint32).tobytes()


def band_keys(signatures: Sequence[bytes]) -> np.ndarray:
    """One 64-bit key per LSH band of each signature, shape (n, BANDS): signatures sharing a
    key agree on that band's ROWS values (or, rarely, collide: candidates are compared
    anyway). Keys live only in memory (monitor.store.story_index), never in the store, so
    they may change between versions."""
    if not signatures:
        return np.empty((0, BANDS), np.uint64)
    rows = np.frombuffer(b"".join(signatures), np.uint32).astype(np.uint64)
    rows = rows.reshape(len(signatures), BANDS, ROWS)
    key = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for r in range(ROWS):  # a polynomial over the band's values, wrapping modulo 2**64
        key = (key ^ rows[:, :, r]) * np.uint64(0x100000001B3 + 2 * r)
    return key


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    return float(np.mean(np.frombuffer(a, np.uint32) == np.frombuffer(b, np.uint32)))
