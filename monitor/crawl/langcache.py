"""py3langid's language model, kept unpacked between crawls.

py3langid ships its model xz-compressed (17 MB) and unpacks it whenever a process loads it:
0.5-0.7 s of CPU (decompressing 67 MB, then reading the arrays), which every crawl that
fetches pages spent in the extraction workers' fork server, before the first worker could
start (``monitor.crawl.preload``): a daemon pays it each such cycle. Kept in the user's
cache directory as the arrays py3langid's detector is made of, uncompressed, the model
loads in about 0.12 s (benchmarks/README.md, session 14).

The cache is named after py3langid's version and its model file's size and time, and holds
the detector's arrays as py3langid's constructor takes them (``LanguageIdentifier``: the
feature tables, the classes, the tokenizer's automaton). A file that cannot be read, or
gives a detector that differs from the model's (checked on a sample each time it is
written), is replaced by a fresh one; a directory that cannot be written leaves the model
read from py3langid's file, as before.
"""

from __future__ import annotations

import logging
import os
import tempfile
from array import array
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.domain import language

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

log = logging.getLogger(__name__)

#: Our layout of the cached arrays; a change makes a new file.
LAYOUT = 1
#: Texts the cached detector must judge as the model's does (and with the same certainty).
SAMPLES = (
    "The talks in Geneva resumed on Monday after a week of delays.",
    "Die Gespräche in Genf wurden am Montag nach einer Woche wieder aufgenommen.",
    "Les pourparlers ont repris lundi à Genève après une semaine de retard.",
    "Переговоры в Женеве возобновились в понедельник после недели задержек.",
    "استؤنفت المحادثات في جنيف يوم الاثنين بعد أسبوع من التأخير",
)


def cache_dir() -> Path:
    """The user's cache directory ($XDG_CACHE_HOME on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("news-monitor", appauthor=False))


def cache_file(folder: Path) -> Path:
    """The file for this py3langid and its model file (a new release: a new file)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    model = Path(MODEL_DIR) / MODEL_FILE
    st = model.stat()
    name = f"py3langid-{version('py3langid')}-{st.st_size}-{st.st_mtime_ns}-{LAYOUT}.npz"
    return folder / name


def load(folder: Path | None = None) -> None:
    """The language detector for this process (``monitor.domain.language``): from the
    cache in ``folder`` (default ``cache_dir``), else from py3langid's file, then cached."""
    try:
        path = cache_file(folder or cache_dir())
    except (OSError, ImportError) as exc:  # no model file where py3langid says: its error
        log.debug("language model cache unusable: %s", exc)
        language.load_model()
        return
    cached = _read(path)
    if cached is not None:
        language.use_model(cached)
        return
    fresh = language.read_model()
    language.use_model(fresh)
    _write(path, fresh)


def _arrays(identifier: LanguageIdentifier) -> dict[str, Any]:
    import numpy as np

    return {
        "ptc": identifier.nb_ptc,
        "pc": identifier.nb_pc,
        "classes": np.array(identifier.nb_classes),
        "nextmove": np.frombuffer(identifier.tk_nextmove, dtype=f"u{_size('I')}"),
        "row": np.frombuffer(identifier.tk_row, dtype=f"u{_size('H')}"),
        "output": np.array(identifier.tk_output, dtype=np.int64),
    }


def _size(typecode: str) -> int:
    return array(typecode).itemsize


def _identifier(data: Any) -> LanguageIdentifier:
    from py3langid.langid import LanguageIdentifier

    nextmove, row = array("I"), array("H")
    nextmove.frombytes(data["nextmove"].tobytes())
    row.frombytes(data["row"].tobytes())
    return LanguageIdentifier(
        data["ptc"],
        data["pc"],
        data["classes"].tolist(),
        nextmove,
        data["output"].tolist(),
        norm_probs=True,
        tk_row=row,
    )


def _read(path: Path) -> LanguageIdentifier | None:
    import numpy as np

    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return _identifier(data)
    except Exception as exc:  # a torn or foreign file: made again from the model
        log.warning("language model cache %s unreadable (%s); reading the model", path, exc)
        return None


def _write(path: Path, identifier: LanguageIdentifier) -> None:
    """Write the cache beside its final name, check it, then move it there (two crawls may
    write it at once: each move is whole)."""
    import numpy as np

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    except OSError as exc:
        log.debug("language model cache not written: %s", exc)
        return
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **_arrays(identifier))
        with np.load(tmp, allow_pickle=False) as data:
            copy = _identifier(data)
        if [copy.classify(t) for t in SAMPLES] != [identifier.classify(t) for t in SAMPLES]:
            raise ValueError("the cached detector judges otherwise")
        os.replace(tmp, path)
        for old in path.parent.glob("py3langid-*.npz"):  # other releases' files
            if old != path:
                old.unlink(missing_ok=True)
    except Exception as exc:
        log.warning("language model cache not written to %s: %s", path, exc)
    finally:
        Path(tmp).unlink(missing_ok=True)
