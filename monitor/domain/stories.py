"""Pure: syndicated copies of one story (AFP, AP, Reuters on many sites, with small edits).

MinHash signatures (datasketch's scheme, computed with numpy) over 5-word shingles estimate
how much two texts overlap; LSH bands make candidates findable with an index lookup. A
candidate is the same story only when the estimated Jaccard similarity reaches THRESHOLD:
truncated and lightly edited copies pass, different stories on the same event that share a
quote do not (tests/test_stories.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from hashlib import sha1
from typing import TYPE_CHECKING

from monitor.matching.fold import fold

if TYPE_CHECKING:  # numpy is imported by the functions that use it: a warm crawl,
    import numpy as np  # which signs nothing, does not load it (0.05-0.1 s, 13 MB)

NUM_PERM = 128
SEED = 1
SHINGLE = 5
BANDS, ROWS = 32, 4  # 32 x 4 = 128: candidates from a similarity of about 0.42 up
THRESHOLD = 0.5
MIN_WORDS = 40  # shorter texts (briefs, failed extractions) are stories of their own
_WORDS = re.compile(r"\w+")


def load_permutations() -> None:
    """Draw the permutations now (a process that forks workers shares them, and numpy's
    random module, with them)."""
    _permutations()


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch 2's "affine32" permutations for seed 1 (``MinHash._init_permutations``):
    h -> a * h + b modulo 2**32, ``a`` odd. They depend only on the seed: drawn once."""
    import numpy as np

    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, the pre-mix datasketch 2 applies to each shingle's hash."""
    import numpy as np

    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def shingles(text: str) -> set[bytes]:
    return _shingles(_WORDS.findall(fold(text)))


def _shingles(words: list[str]) -> set[bytes]:
    return {
        " ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)
    }


def signature(text: str | None) -> bytes | None:
    """The MinHash of a text, as bytes for the store; None when too short to compare.

    The same values as datasketch's ``MinHash(num_perm=128, seed=1)`` (scheme "affine32",
    sha1 of each shingle) updated with the shingles, which signed the stored articles
    (tests/test_stories.py compares them), computed with numpy alone: importing datasketch
    pulls in scipy (about 40 MB), too much for each extraction worker, where articles
    are signed (``monitor.crawl.extract``)."""
    import numpy as np

    words = _WORDS.findall(fold(text)) if text else []
    if len(words) < MIN_WORDS:
        return None
    found = _shingles(words)
    # The first 4 bytes of each shingle's sha1 as little-endian uint32s, read in one go.
    hv = np.frombuffer(b"".join([sha1(s).digest()[:4] for s in found]), "<u4")
    a, b = _permutations()
    values = np.full(NUM_PERM, 0xFFFFFFFF, np.uint32)  # datasketch's empty sketch
    if len(hv):
        values = np.minimum(values, (_fmix32(hv)[:, None] * a + b).min(axis=0))
    return values.tobytes()


def band_keys(signatures: Sequence[bytes]) -> np.ndarray:
    """One 64-bit key per LSH band of each signature, shape (n, BANDS): signatures sharing a
    key agree on that band's ROWS values (or, rarely, collide: candidates are compared
    anyway). Keys live only in memory (monitor.store.story_index), never in the store, so
    they may change between versions."""
    import numpy as np

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
    import numpy as np

    return float(np.mean(np.frombuffer(a, np.uint32) == np.frombuffer(b, np.uint32)))


def similarities(signature: bytes, others: Sequence[bytes]) -> np.ndarray:
    """``similarity`` of one signature with each of ``others`` (the same values), in one
    pass: a call per candidate cost more than the comparison."""
    import numpy as np

    mine = np.frombuffer(signature, np.uint32)
    if not others:
        return np.empty(0)
    rows = np.frombuffer(b"".join(others), np.uint32).reshape(len(others), mine.size)
    return np.count_nonzero(rows == mine, axis=1) / mine.size
