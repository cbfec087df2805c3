"""Pure: syndicated copies of one story (AFP, AP, Reuters on many sites, with small edits).

MinHash signatures (datasketch) over 5-word shingles estimate how much two texts overlap;
LSH bands make candidates findable with an index lookup. A candidate is the same story only
when the estimated Jaccard similarity reaches THRESHOLD: truncated and lightly edited copies
pass, different stories on the same event that share a quote do not (tests/test_stories.py).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any

from monitor.matching.fold import fold

NUM_PERM = 128
SHINGLE = 5
BANDS, ROWS = 32, 4  # 32 x 4 = 128: candidates from a similarity of about 0.42 up
THRESHOLD = 0.5
MIN_WORDS = 40  # shorter texts (briefs, failed extractions) are stories of their own
_WORDS = re.compile(r"\w+")


@cache
def _template() -> tuple[Any, dict[str, str]]:
    """The 128 permutations depend only on the seed: drawn once, not for every article (0.33
    -> 0.21 ms a signature, benchmarks/README.md). The same scheme keeps the signatures
    identical. Imported on first use: datasketch pulls in scipy (about 0.5 s and 40 MB),
    which a crawl that signs no article (a warm cycle, the extraction workers sign) skips."""
    from datasketch import MinHash

    template = MinHash(num_perm=NUM_PERM, seed=1)
    scheme = {"scheme": template.scheme} if hasattr(template, "scheme") else {}  # datasketch >= 2
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
    import numpy as np
    from datasketch import MinHash

    template, scheme = _template()
    m = MinHash(num_perm=NUM_PERM, seed=1, permutations=template.permutations, **scheme)
    m.update_batch(list(shingles(text)))
    return m.hashvalues.astype(np.uint32).tobytes()


def bands(sig: bytes) -> list[int]:
    """One signed 64-bit key per LSH band (fits a BIGINT column)."""
    size = len(sig) // BANDS
    out = []
    for i in range(BANDS):
        digest = hashlib.blake2b(
            bytes([i]) + sig[i * size : (i + 1) * size], digest_size=8
        ).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return out


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    import numpy as np

    return float(np.mean(np.frombuffer(a, np.uint32) == np.frombuffer(b, np.uint32)))
