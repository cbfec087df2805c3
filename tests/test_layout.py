"""Rules that read the page's markup (``monitor.crawl.layout``), on pages we write, modelled
on what trafilatura left in real pages (benchmarks/realweb measures them on the real ones)."""

from __future__ import annotations

import lxml.html

from monitor.crawl.extract import extract_article
from monitor.crawl.layout import drop_author_note, drop_boxes, drop_links, standfirst

STORY = (
    "The regulator fined the company on Tuesday after a two-year inquiry into how its "
    "phones stored the location of their users."
)
END = "The company said it would appeal the decision in court."


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def links_dropped(text: str, body: str) -> tuple[str, list[str]]:
    kept, dropped = drop_links(text, lxml.html.fromstring(page(body)))
    return kept, [d.line for d in dropped]


RELATED = (
    "<ul><li><a href='/a/1'>Storm hits the coast as Facebook outage lingers</a></li>"
    "<li><a href='/a/2'>Markets fall after the Fed speaks</a></li>"
    "<li><a href='/a/3'>Kicker: <b>Police close the bridge</b></a></li></ul>"
)
RELATED_TEXT = (
    "- Storm hits the coast as Facebook outage lingers\n"
    "- Markets fall after the Fed speaks\n"
    "- Kicker: Police close the bridge"
)
OWN_LIST = (
    "- Facebook: fined 1.2 billion euros\n- Google: fined 500 million euros\n- Apple: under inquiry"
)


def test_a_list_of_other_headlines_goes_and_the_storys_own_list_stays() -> None:
    body = (
        f"<article><p>{STORY}</p><ul><li><b>Facebook</b>: fined 1.2 billion euros</li>"
        "<li><b>Google</b>: fined 500 million euros</li><li>Apple: under inquiry</li></ul>"
        f"{RELATED}<p>{END}</p></article><nav><a href='/facebook'>Facebook</a></nav>"
    )
    text = f"{STORY}\n{OWN_LIST}\n{RELATED_TEXT}\n{END}"
    kept, dropped = links_dropped(text, body)
    assert kept == f"{STORY}\n{OWN_LIST}\n{END}"
    assert dropped == RELATED_TEXT.split("\n")


def test_a_breadcrumb_goes_with_the_page_it_ends_on() -> None:
    body = (
        "<ul><li><a href='/'>News</a></li><li><a href='/local/'>Local</a></li>"
        "<li><a href='/local/bihar/'>Bihar</a></li><li>Police catch two thieves</li></ul>"
        f"<p>{STORY}</p>"
    )
    text = f"- News\n- Local\n- Bihar\n- Police catch two thieves\n{STORY}"
    assert links_dropped(text, body)[0] == STORY


def test_a_list_with_one_link_stays() -> None:
    body = (
        "<ul><li>Own research</li><li>example.com: <a href='https://example.com/x'>Report "
        "on the Russian fleet</a> (English)</li><li>Interviews with the crew</li></ul>"
    )
    text = (
        f"{STORY}\n- Own research\n- example.com: Report on the Russian fleet (English)\n"
        "- Interviews with the crew"
    )
    assert links_dropped(text, body) == (text, [])


SOURCES = (
    "<ul><li>Own research</li><li>example.com: <a href='https://example.com/x'>Report "
    "on the Russian fleet</a> (English)</li><li>Interviews with the crew</li></ul>"
)
SOURCES_TEXT = (
    "- Own research\n- example.com: Report on the Russian fleet (English)\n"
    "- Interviews with the crew"
)


def test_a_list_the_page_labels_as_its_sources_goes_whatever_it_links() -> None:
    for label in ("<div class='label'>Verwendete Quellen</div>", "<h3>Sources:</h3>"):
        body = f"<p>{STORY}</p><div class='box'>{label}{SOURCES}</div>"
        kept, dropped = links_dropped(f"{STORY}\n{SOURCES_TEXT}", body)
        assert kept == STORY
        assert dropped == SOURCES_TEXT.split("\n")
    # The label kept in the text goes with its list.
    kept, dropped = links_dropped(f"{STORY}\nQuellen:\n{SOURCES_TEXT}", f"<p>{STORY}</p>")
    assert kept == STORY and dropped[0] == "Quellen:"
    # A story's own list under a heading of its own stays.
    body = f"<p>{STORY}</p><h3>What the crew said</h3>{SOURCES}"
    text = f"{STORY}\nWhat the crew said\n{SOURCES_TEXT}"
    assert links_dropped(text, body) == (text, [])


def test_a_link_making_up_most_of_an_item_counts() -> None:
    body = (
        "<ul><li>example.com: V<a href='https://example.com/x'>enezuelan tanker evades the "
        "coast guard</a> (English)</li><li>example.org: <a href='https://example.org/y'>"
        "Behind the seized tanker, an island's secret lifeline</a> (English)</li></ul>"
    )
    text = (
        f"{STORY}\n- example.com: Venezuelan tanker evades the coast guard (English)\n"
        "- example.org: Behind the seized tanker, an island's secret lifeline (English)"
    )
    assert links_dropped(text, body)[0] == STORY


def test_jump_links_and_named_anchors_do_not_count() -> None:
    """A table of contents links the story's own subheadings, and a subheading may be a
    named anchor: the subheadings and the story's list stay."""
    body = (
        "<ul><li><a href='#one'>Why the regulator acted now</a></li>"
        "<li><a href='/this-page#two'>What the company says in reply</a></li></ul>"
        "<h2><a name='one'>Why the regulator acted now</a></h2>"
        "<h2><a name='two'>What the company says in reply</a></h2>"
    )
    text = (
        "- Why the regulator acted now\n- What the company says in reply\n"
        f"Why the regulator acted now\nWhat the company says in reply\n{STORY}"
    )
    assert links_dropped(text, body) == (text, [])


def test_teaser_cards_go_in_pairs_and_a_lone_linked_line_stays() -> None:
    """Two teaser headlines together (a card's link also holds its kicker) go; a story's
    own subheading that a rail elsewhere links (a live blog's entry) stays."""
    cards = (
        "<a href='/b/1'><span>Street poll</span><h3>Why young Berliners want no children "
        "now</h3></a><a href='/b/2'><h3>Birth rate in the city falls to a record low</h3></a>"
    )
    rail = "<aside><a href='/c/9'>Prince sends a message to his brother</a></aside>"
    text = (
        f"{STORY}\nWhy young Berliners want no children now\n"
        f"Birth rate in the city falls to a record low\n{STORY}\n"
        f"Prince sends a message to his brother\n{END}"
    )
    kept, dropped = links_dropped(text, cards + rail)
    assert kept == f"{STORY}\n{STORY}\nPrince sends a message to his brother\n{END}"
    assert dropped == [
        "Why young Berliners want no children now",
        "Birth rate in the city falls to a record low",
    ]


def test_a_linked_sentence_is_no_teaser_headline() -> None:
    body = (
        "<p><a href='/x'>The minister resigned on Friday.</a></p>"
        "<p><a href='/y'>Her deputy takes over the office</a></p>"
    )
    text = f"The minister resigned on Friday.\nHer deputy takes over the office\n{END}"
    assert links_dropped(text, body) == (text, [])


def test_a_text_without_lists_or_headlines_does_not_read_the_links() -> None:
    class NoTree:
        def iter(self, *args: object) -> object:
            raise AssertionError("the page's links were read")

    text = f"{STORY}\n{END}"
    assert drop_links(text, NoTree()) == (text, [])  # type: ignore[arg-type]


NOTE = (
    "Jane Doe is a reporter covering energy and the environment. She was based in Berlin "
    "until 2022."
)


def test_a_note_on_the_author_at_the_end_goes() -> None:
    text = f"{STORY}\n{END}\n{NOTE}"
    kept, dropped = drop_author_note(text, "Jane Doe")
    assert kept == f"{STORY}\n{END}"
    assert [d.line for d in dropped] == [NOTE]
    # after a feedback line, with a title before the name, one of two authors
    german = "Der Berliner Imam Jane Doe ist Gründer einer Stiftung in Deutschland."
    text = f"{STORY}\n{german}\nSchreiben Sie uns: briefe@example.com"
    assert drop_author_note(text, "John Roe; Jane Doe")[0] == (
        f"{STORY}\nSchreiben Sie uns: briefe@example.com"
    )


def test_the_author_in_the_story_stays() -> None:
    for last in (
        "Jane Doe said the ruling was overdue and that she would appeal.",
        "Asked about it, the minister replied that Jane Doe is wrong.",
    ):
        text = f"{STORY}\n{last}"
        assert drop_author_note(text, "Jane Doe") == (text, [])
    text = f"{NOTE}\n{STORY}\n{END}\n{END}"  # not among the last lines
    assert drop_author_note(text, "Jane Doe") == (text, [])
    text = f"{STORY}\n{NOTE}"
    for author in (None, "", "Doe", "https://example.com/authors/jane-doe"):
        assert drop_author_note(text, author) == (text, [])


DESCRIPTION = (
    "The former foreign minister takes up her post at the UN today. Does she have another "
    "career goal?"
)


def test_the_standfirst_comes_back_with_its_dateline() -> None:
    html = page(
        "<h1>Headline</h1><div class='lead'><span>Berlin.</span> <span>The former foreign "
        "minister takes up her post at the UN today. Does she have another career "
        f"goal?</span></div><article><p>{STORY}</p></article>"
    )
    assert standfirst(STORY, html.encode(), DESCRIPTION) == f"Berlin. {DESCRIPTION}"
    assert standfirst(STORY, html, DESCRIPTION) == f"Berlin. {DESCRIPTION}"  # str too


def test_no_standfirst_when_the_text_has_it_or_the_page_only_names_it() -> None:
    shown = page(f"<p class='lead'>{DESCRIPTION}</p><p>{STORY}</p>")
    assert standfirst(f"{DESCRIPTION}\n{STORY}", shown, DESCRIPTION) is None
    head = f'<meta name="description" content="{DESCRIPTION}">'
    hidden = page(f"<p>{STORY}</p><img alt='{DESCRIPTION}' src='x.jpg'>", head)
    assert standfirst(STORY, hidden, DESCRIPTION) is None
    assert standfirst(STORY, shown, None) is None
    assert standfirst(STORY, shown, "Example News") is None  # too short to be a standfirst


def test_no_standfirst_from_a_block_much_longer_than_the_description() -> None:
    """The description is the start of a long paragraph: that paragraph is the story's
    (trafilatura's business), not a standfirst."""
    long = f"{DESCRIPTION} " + "She said more. " * 20
    html = page(f"<div><p>{long}</p></div>")
    assert standfirst(STORY, html, DESCRIPTION) is None


def test_extract_article_puts_the_standfirst_once_and_drops_the_related_list() -> None:
    paras = "".join(
        f"<p>{STORY} Paragraph {i} adds more detail on the inquiry and its findings.</p>"
        for i in range(4)
    )
    html = (
        f"<html><head><title>Regulator fines phone maker</title>"
        f'<meta property="og:description" content="{DESCRIPTION}"></head><body>'
        "<header><h1>Regulator fines phone maker</h1><div class='lead'><span>Berlin.</span> "
        f"<span>{DESCRIPTION}</span></div></header><main><article>{paras}{RELATED}"
        f"<p>{END}</p></article></main></body></html>"
    )
    text = extract_article(html.encode(), "https://example.com/news/1").text
    assert text is not None
    assert text.count(DESCRIPTION) == 1 and text.count("Berlin.") == 1
    assert "Markets fall" not in text and END in text


def boxes_dropped(text: str, body: str) -> tuple[str, list[tuple[str, str]]]:
    kept, dropped = drop_boxes(text, lxml.html.fromstring(page(body)))
    return kept, [(d.line, d.rule) for d in dropped]


PITCH = (
    "Borders in Europe have been moved by force before. The Daily Example has reported on "
    "armament and the drums of war ever since. Not with us!",
    "Read the printed paper for two weeks: it comes to your letterbox for free, and the "
    "offer ends by itself.",
)


STORY_LINES = [f"{STORY} Paragraph {i} adds more detail on the inquiry." for i in range(3)]


def test_a_box_headed_by_an_offer_goes() -> None:
    """A subscription offer under the story: two paragraphs of prose, whose heading (a call
    to action) trafilatura drops, and a button."""
    story = "<article>" + "".join(f"<p>{p}</p>" for p in STORY_LINES) + "</article>"
    for heading in (
        "<p class='font-weight-bold'>2 Wochen kostenlos testen</p>",  # the first paragraph
        "<h3>Sign up to our newsletter</h3>",  # the element before the first paragraph
    ):
        box = (
            f"<div class='row'><div class='col bg-light'>{heading}<p>{PITCH[0]}</p>"
            f"<p>{PITCH[1]}</p><div class='btn'><a href='/abo/trial'>Order now</a></div>"
            "</div></div>"
        )
        kept, dropped = boxes_dropped("\n".join([*STORY_LINES, *PITCH]), story + box)
        assert kept == "\n".join(STORY_LINES)
        assert dropped == [(PITCH[0], "offer-box"), (PITCH[1], "offer-box")]


def test_paragraphs_under_a_heading_that_offers_nothing_stay() -> None:
    text = "\n".join([*STORY_LINES, *PITCH])
    story = "<article>" + "".join(f"<p>{p}</p>" for p in STORY_LINES) + "</article>"
    body = story + "<div><h3>The reactions</h3>" + "".join(f"<p>{p}</p>" for p in PITCH)
    assert boxes_dropped(text, body + "</div>") == (text, [])


def test_a_story_that_opens_with_a_call_to_action_keeps_its_paragraphs() -> None:
    """Its block is headed by an offer too, but its lines are the text: they are the story."""
    body = f"<div><p>Subscribe to our newsletter</p><p>{STORY}</p><p>{END}</p></div>"
    text = f"{STORY}\n{END}"
    assert boxes_dropped(text, body) == (text, [])


PORTRAIT = (
    "... is a senior fellow at the Example Security Forum. Before, he ran the foundation's "
    "offices in Kyiv and in the USA."
)


def fold_out(panel_id: str, heading: str, content: str) -> str:
    return (
        f"<h2><button type='button' aria-controls='{panel_id}' aria-expanded='true'>"
        f"<span>{heading}</span></button></h2><div id='{panel_id}'><p>{content}</p></div>"
    )


def test_a_fold_out_box_goes() -> None:
    """A portrait of a person the story quotes, opened by a button in a heading (an
    accordion), or a <details> element, in the middle of the text."""
    text = f"{STORY}\n{PORTRAIT}\n{END}"
    for box in (
        fold_out("bio-1", "John Doe ...", PORTRAIT),
        f"<details><summary>John Doe ...</summary><p>{PORTRAIT}</p></details>",
    ):
        body = f"<article><p>{STORY}</p>{box}<p>{END}</p></article>"
        assert boxes_dropped(text, body) == (f"{STORY}\n{END}", [(PORTRAIT, "fold-out")])


def test_tabs_and_an_faq_told_in_fold_outs_stay() -> None:
    """A tab (a button, but not in a heading, controls it) may show the story's own lines:
    its summary; fold-out panels holding most of the text are the story."""
    text = "\n".join(STORY_LINES)
    tabs = (
        "<div role='tablist'><button role='tab' aria-controls='summary'>Summary</button>"
        "<button role='tab' aria-controls='audio'>Listen</button></div>"
        f"<div id='summary' role='tabpanel'><p>{STORY_LINES[0]}</p></div>"
        "<div id='audio' role='tabpanel'><audio src='/a.mp3'></audio></div><article>"
        + "".join(f"<p>{p}</p>" for p in STORY_LINES)
        + "</article>"
    )
    assert boxes_dropped(text, tabs) == (text, [])
    text = f"{STORY}\n{END}"
    faq = fold_out("q1", "Why was it fined?", STORY) + fold_out("q2", "What now?", END)
    assert boxes_dropped(text, faq) == (text, [])


def test_extract_article_drops_a_fold_out_portrait() -> None:
    paras = "".join(
        f"<p>{STORY} Paragraph {i} adds more detail on the inquiry and its findings.</p>"
        for i in range(4)
    )
    html = (
        "<html><head><title>Regulator fines phone maker</title></head><body><main><article>"
        f"<h1>Regulator fines phone maker</h1>{paras}"
        f"{fold_out('bio-1', 'John Doe ...', PORTRAIT)}<p>{END}</p></article></main></body></html>"
    )
    text = extract_article(html.encode(), "https://example.com/news/1").text
    assert text is not None
    assert "USA" not in text and END in text and "Paragraph 3" in text
