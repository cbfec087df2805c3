"""monitor.crawl.langcache: py3langid's model kept unpacked in the user's cache folder, the
same detector as the one read from py3langid's file (issue #19)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from py3langid.langid import LanguageIdentifier

from monitor.crawl import langcache
from monitor.domain import language

TEXTS = [
    "Die Delegation aus Teheran traf am Montag in Genf ein; über die Gespräche wurde "
    "Stillschweigen vereinbart.",
    "Drone strikes hit the port overnight, officials said, and the talks were put off.",
    "La délégation iranienne est arrivée lundi à Genève, a indiqué un porte-parole.",
    "Делегация из Тегерана прибыла в понедельник в Женеву.",
    "Delegacja z Teheranu przybyła w poniedziałek do Genewy.",
    "代表团星期一抵达日内瓦",
    "short",
]


@pytest.fixture
def model() -> Iterator[None]:
    """Each test sets the process's detector: the one before comes back after it."""
    before = language._model
    yield
    language._model = before


@pytest.fixture(scope="module")
def fresh() -> LanguageIdentifier:
    return language.read_model()


def test_the_cached_detector_judges_as_the_models(
    tmp_path: Path, model: None, fresh: LanguageIdentifier
) -> None:
    language.use_model(fresh)
    expected = [language.choose(t, "en") for t in TEXTS]
    langcache.load(tmp_path)  # reads py3langid's file, writes the cache
    assert len(list(tmp_path.glob("py3langid-*.npz"))) == 1
    language.use_model(fresh)
    langcache.load(tmp_path)  # from the cache now
    cached = language._identifier()
    assert cached is not fresh
    assert [cached.classify(t) for t in TEXTS] == [fresh.classify(t) for t in TEXTS]
    assert [language.choose(t, "en") for t in TEXTS] == expected


def test_a_cached_model_is_not_read_from_py3langids_file(
    tmp_path: Path, model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    langcache.load(tmp_path)

    def unpack(*args: object, **kwargs: object) -> None:
        raise AssertionError("py3langid's file was read")

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", unpack)
    langcache.load(tmp_path)
    assert language.detect(TEXTS[0])[0] == "de"


def test_a_torn_cache_is_made_again(tmp_path: Path, model: None) -> None:
    langcache.load(tmp_path)
    (path,) = tmp_path.glob("py3langid-*.npz")
    path.write_bytes(path.read_bytes()[: 1 << 20])  # a crawl killed while writing
    langcache.load(tmp_path)
    assert language.detect(TEXTS[2])[0] == "fr"
    assert path.stat().st_size > 1 << 20  # whole again
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_that_cannot_be_written_leaves_the_model_read(tmp_path: Path, model: None) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        langcache.load(folder)
        assert language.detect(TEXTS[1])[0] == "en"
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o700)


def test_a_file_where_the_folder_should_be_leaves_the_model_read(
    tmp_path: Path, model: None
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    langcache.load(blocked)
    assert language.detect(TEXTS[1])[0] == "en"


def test_an_older_releases_file_goes(tmp_path: Path, model: None) -> None:
    old = tmp_path / "py3langid-0.0.1-1-1-1.npz"
    old.write_bytes(b"old")
    langcache.load(tmp_path)
    assert not old.exists()
    assert len(list(tmp_path.glob("py3langid-*.npz"))) == 1
