"""Boilerplate rules on text we write, modelled on what trafilatura left in real pages
(benchmarks/realweb/boilerplate.py measures them on the real ones)."""

from __future__ import annotations

import pytest

from monitor.crawl.boilerplate import Dropped, clean, is_call_to_action, strip_boilerplate

STORY = (
    "Facebook said it would follow the ruling and change how it stores location data.\n"
    "The regulator had given the company until March to comply."
)


def dropped(text: str) -> list[str]:
    return [d.line for d in strip_boilerplate(text)[1]]


@pytest.mark.parametrize(
    "line",
    [
        # English: social, newsletter, app, teaser labels
        "Follow us on Twitter and Facebook",
        "Follow Newsbeat on Instagram, Facebook, YouTube and TikTok.",
        "Follow Metro.co.uk on Twitter and Facebook for the latest news updates. You can now "
        "also get Metro.co.uk articles sent straight to your device. Sign up for our daily "
        "push alerts here.",
        "Sign up for our morning newsletter",
        "Subscribe Now!",
        "Get the latest news from example.com in your inbox.",
        "Download our app for breaking news alerts",
        "CLICK HERE TO GET THE EXAMPLE NEWS APP",
        "Read more: Facebook gets questions over location tracking",
        "READ MORE:",
        "ALSO READ: Storm brings floods to the coast",
        "MORE : The daily cartoon",
        "Related stories",
        "Most read in Football",
        "Got a story? Get in touch with our news team by emailing us at news@example.com.",
        "Advertisement",
        "Share this article",
        "Share Facebook Twitter Email",
        # German
        "Folgen Sie uns auf Facebook und Instagram",
        "Folgst du schon 20 Minuten auf Whatsapp?",
        "Abonnieren Sie unseren Newsletter.",
        "Breaking News am Morgen: Abonniere den Whatsapp-Kanal und du bekommst Updates.",
        "Lesen Sie auch: Facebook muss Daten löschen",
        "Mehr zum Thema",
        "Auch interessant",
        "- Die Zeitung auch bei Social Media – ob WhatsApp, Instagram oder Facebook.",
        "Fehler gefunden? Jetzt melden.",
        "Mehr zur Lage lesen Sie in unserem Liveblog:",
        # French
        "Suivez-nous sur Facebook et Instagram",
        "Abonnez-vous à notre newsletter",
        "À lire aussi : Facebook condamné à une amende",
        "Lire aussi Facebook condamné à une amende",
        # Spanish
        "Síguenos en Facebook y Twitter",
        "Suscríbete a nuestro boletín",
        "Lee también: Facebook recibe una multa",
        "Noticia relacionada",
        # Russian
        "Подписывайтесь на наш Telegram-канал",
        "Читайте также: Facebook оштрафовали",
        "Следите за нами в Facebook",
        # Italian, Portuguese, Dutch
        "Seguici su Facebook",
        "Leggi anche: Facebook multata",
        "Siga-nos no Facebook",
        "Leia também: Facebook é multado",
        "Volg ons op Facebook",
        "Lees ook: Facebook krijgt boete",
        # Headline lists, consent placeholders, credits
        "Top stories | Facebook gets questions over location tracking | Storm hits the coast | "
        "Markets fall",
        "Externer Inhalt nicht verfügbar",
        "Deine Privatsphäre-Einstellungen verhindern das Laden und Anzeigen aller externen "
        "Inhalte (z.B. Youtube, Twitter, Facebook, Instagram etc.)",
        "Photo: Facebook / City Council",
        # a translator's credit (AFP's German fact checks)
        "Übersetzung und Adaptierung: AFP Deutschland",
        "Translation: Facebook Translate Team",
    ],
)
def test_boilerplate_line_is_dropped(line: str) -> None:
    text = STORY + "\n" + line
    assert clean(text) == STORY
    assert dropped(text) == [line]


@pytest.mark.parametrize(
    "line",
    [
        "Facebook said it would follow the ruling.",
        "Follow the money, the prosecutor told the jury on Tuesday.",
        "Police asked witnesses to follow the instructions on Facebook.",
        "Read more than 200 pages of the report and you will find no mention of it.",
        "More than 200 people signed up for the Facebook group within a day.",
        "Subscribers to the Facebook service will pay more from March.",
        'He ended the video with: "Subscribe to my channel."',
        "»Folgen Sie uns auf Instagram«, schrieb die Polizei.",
        "Weitere Artikel des Gesetzes regeln den Datenschutz bei Facebook.",
        "Jetzt melden sich die Gewerkschaften zu Wort.",
        "Hier geht es zum Beispiel um Daten von Facebook.",
        "Die Polizei sucht auf Facebook nach Zeugen | Hinweise an jede Dienststelle",
        "Facebook, Instagram and WhatsApp went down for six hours on Monday.",
        "Facebook Twitter",  # a heading of two platforms is not a share bar
        "Abbonati in calo per il servizio di Facebook.",
        "Lesen Sie auch " + "x " * 200,  # too long for a label line
        # News service: signing up for or downloading something else than the publisher's
        "Sign up for the scheme on the council's website before March 31.",
        "Sign up for flood alerts from the Environment Agency.",
        "Download the NHS app to book a vaccine.",
        "Create an account on the portal to apply for the grant.",
        "Laden Sie die Corona-Warn-App herunter, rät das Ministerium.",
        "Inscrivez-vous sur les listes électorales avant le 3 mai.",
        "Regístrate en la web del ministerio antes del viernes.",
        "Подпишитесь на петицию, призвали активисты.",
        # Phrases that open story sentences as well as teaser boxes
        "Pour aller plus loin, le gouvernement prévoit une loi sur les réseaux sociaux.",
        "Auch interessant ist, dass Facebook die Regeln schon 2019 geändert hatte.",
        "More news on the Facebook case is expected on Friday.",
        "Related articles of the treaty were never ratified.",
        "The video is not available in the UK, the company said.",
        "Follow the instructions on X-ray safety, the hospital said.",
        "Translation services for Facebook's moderators were cut, the union said.",
        "Die Übersetzung des Facebook-Vertrags liegt der Redaktion vor.",
    ],
)
def test_story_line_stays(line: str) -> None:
    text = STORY + "\n" + line
    assert clean(text) == text
    assert dropped(text) == []


def test_call_to_action_at_the_end_of_a_line_is_cut() -> None:
    bio = (
        "Steph Bazzle covers politics and theocracy, always aiming for a world free from "
        "extremism and authoritarianism. Follow Steph on Twitter @imjustasteph."
    )
    text, removed = strip_boilerplate(STORY + "\n" + bio)
    assert text == STORY + "\n" + bio.removesuffix(" Follow Steph on Twitter @imjustasteph.")
    assert removed == [Dropped("Follow Steph on Twitter @imjustasteph.", "call-to-action")]


def test_label_takes_the_list_under_it() -> None:
    text = "\n".join(
        [
            STORY,
            "Lesen Sie auch:",
            "- Facebook: Neue Regeln für Werbung",
            "- Instagram: Was sich für Nutzer ändert",
            "The hearing continues on Monday.",
            "- A story bullet after a paragraph stays.",
        ]
    )
    assert clean(text) == "\n".join(
        [STORY, "The hearing continues on Monday.", "- A story bullet after a paragraph stays."]
    )
    rules = [d.rule for d in strip_boilerplate(text)[1]]
    assert rules == ["label", "related-list", "related-list"]


def test_a_story_bullet_list_without_a_label_stays() -> None:
    bullets = "\n- Facebook: fined 1.2 billion euros\n- Instagram: fined 400 million euros"
    assert clean(STORY + bullets) == STORY + bullets
    # An advertisement marker is not a label of what follows it.
    assert clean(STORY + "\nAdvertisement" + bullets) == STORY + bullets


def test_short_lines_between_dropped_ones_stay() -> None:
    """No "trailing run" rule: a story may end with short lines between teasers."""
    tail = ["Read more: Storm hits the coast", "The trial continues.", "Read more: Markets fall"]
    assert clean("\n".join([STORY, *tail])) == STORY + "\nThe trial continues."


def test_twitter_embed_links_are_cut_out_of_lines() -> None:
    tweet = "Landspout tornado southwest of Akron pic.twitter.com/T8oQImgFp6"
    shared = "The ministry shared a video https://t.co/WcgraWqkiA on Monday."
    assert clean(STORY + "\n" + tweet + "\n" + shared) == (
        STORY
        + "\nLandspout tornado southwest of Akron"
        + "\nThe ministry shared a video on Monday."
    )


def test_call_to_action_after_a_list_mark_in_a_line() -> None:
    line = "What to know: - Sign up for our weekly politics newsletter."
    assert clean(STORY + "\n" + line) == STORY


def test_first_line_is_looked_at_too() -> None:
    assert clean("Follow us on Facebook\n" + STORY) == STORY
    assert clean("Read more: Storm hits the coast") == ""


def test_empty_and_clean_texts_come_back_unchanged() -> None:
    assert strip_boilerplate("") == ("", [])
    assert strip_boilerplate(STORY) == (STORY, [])


@pytest.mark.parametrize(
    ("last", "kept"),
    [
        (
            "Missiles hit the city on Monday. —Associated Press writer John Leicester in Paris "
            "contributed to this report.",
            "Missiles hit the city on Monday.",
        ),
        (
            "Peoples reported from New York and Thomson-DeVeaux from Washington. Associated "
            "Press writers Will Weissert in Johnstown, Pennsylvania, contributed to this report.",
            "",
        ),
        (
            "Reporting by Maya Gebeilly in Beirut and David Clarke in London; Writing by David "
            "Clarke; Editing by Daniel Flynn",
            "",
        ),
        ("Our Standards: The Thomson Reuters Trust Principles.", ""),
        (
            "“We need assistance,” Taylor said. Copyright © 2023 The Washington Times, LLC.",
            "“We need assistance,” Taylor said.",
        ),
        ("Copyright 2024 NPR. All rights reserved.", ""),
        (
            "Die Regierung beschloss das Paket am Abend. Mit Material von dpa",
            "Die Regierung beschloss das Paket am Abend.",
        ),
        ("mit dpa/AFP", ""),
    ],
)
def test_sign_offs_at_the_end_are_cut(last: str, kept: str) -> None:
    """Credits and copyright lines made "Paris", "London", "Washington" hits of stories that
    only say where a reporter sat."""
    text, removed = strip_boilerplate(STORY + "\n" + last)
    assert text == (STORY + "\n" + kept).rstrip()
    assert removed and {d.rule for d in removed} == {"sign-off"}


@pytest.mark.parametrize(
    "last",
    [
        "Police reported from the scene that two people were injured in Paris.",
        "He said the company contributed to this report on climate, which the ministry in "
        "Paris published on Monday and which was widely read.",
        "Reporting by the BBC and others in the weeks after the raid showed the scale of the "
        "damage, and the government in London came under pressure to act. It did not.",
        "The fund contributed 2 million euros to the project in Paris.",
    ],
)
def test_story_sentences_like_sign_offs_stay(last: str) -> None:
    assert clean(STORY + "\n" + last) == STORY + "\n" + last


def test_sign_offs_only_in_the_last_lines() -> None:
    """A credit-like sentence high in the text is story text (a correction, a quote)."""
    line = "Associated Press writer John Leicester in Paris contributed to this report."
    text = "\n".join([STORY, line, *(f"Paragraph {i} of the story goes on." for i in range(5))])
    assert clean(text) == text


def test_reporting_by_a_story_sentence_stays() -> None:
    line = (
        "Reporting by the BBC in the weeks after the raid showed the scale of the damage, and "
        "the government in London came under pressure to act."
    )
    assert clean(STORY + "\n" + line) == STORY + "\n" + line


def test_teaser_cards_go_with_their_heading() -> None:
    """The Nation's "More from The Nation": each card's headline twice (link text and
    title), then its standfirst."""
    cards = [
        "More from The Nation",
        "The GOP Primary Debate Was a Tedious Mess The GOP Primary Debate Was a Tedious Mess",
        "Ron DeSantis and Nikki Haley clearly despise each other, but neither emerged as the "
        "obvious number two behind Trump.",
        "Can the EU's Digital Services Act Inspire US Tech Regulation? Can the EU's Digital "
        "Services Act Inspire US Tech Regulation?",
        "The effect of these large, European digital laws is going to be felt well beyond the "
        "borders of Europe.",
    ]
    text, removed = strip_boilerplate("\n".join([STORY, *cards]))
    assert text == STORY
    assert [d.rule for d in removed] == ["label", "teaser", "teaser", "teaser", "teaser"]


@pytest.mark.parametrize(
    "line",
    [
        "More from the ministry came on Monday, officials said.",
        "More from NBC's TODAY:",  # quotes follow (The Gateway Pundit)
        "Nein, nein, das war es nicht. Nein, nein, das war es nicht.",  # a sentence said twice
        "It was a long, long day.",
    ],
)
def test_not_a_teaser(line: str) -> None:
    assert clean(STORY + "\n" + line + "\nThe end of the story.") == (
        STORY + "\n" + line + "\nThe end of the story."
    )


def test_a_doubled_line_keeps_a_story_paragraph_that_goes_on() -> None:
    doubled = "Storm warning for the coast Storm warning for the coast"
    paragraph = "The storm reached the coast on Monday night."
    text = "\n".join([STORY, doubled, paragraph, "The clean-up began on Tuesday morning."])
    assert clean(text) == "\n".join([STORY, paragraph, "The clean-up began on Tuesday morning."])


STORY_END = (
    "The court will hear the appeal in March.\n"
    "Both sides said they expected a ruling before the summer."
)


@pytest.mark.parametrize(
    "mark",
    [
        "Unabhängiger Journalismus braucht deine Unterstützung.",
        "Wie hat Ihnen dieser Artikel gefallen?",
        "Was this article helpful?",
        "Support independent journalism",
    ],
)
def test_the_pages_end_goes_from_its_rating_widget_or_plea(mark: str) -> None:
    """A rating widget or a plea for support ends the story: the promotion after it (which
    named Berlin in a court case of the publisher's own) goes with it."""
    tail = (
        f"{mark}\nDurchschnittliche Bewertung: 0,0\n"
        "Das Verwaltungsgericht Berlin hat entschieden und die Klage des Verlags abgewiesen.\n"
        "Darum: jetzt abonnieren für die Pressefreiheit!"
    )
    kept, dropped = strip_boilerplate(f"{STORY_END}\n{tail}")
    assert kept == STORY_END
    assert [d.line for d in dropped] == tail.split("\n")
    assert {d.rule for d in dropped} == {"end-furniture"}


def test_a_plea_is_no_end_far_from_the_end_or_in_a_sentence() -> None:
    story = "\n".join(f"Paragraph {n} of the story, in Berlin, goes on here." for n in range(12))
    far = f"Was this article helpful?\n{story}"
    assert clean(far) == far  # not in the last lines: the story goes on
    long_tail = "Support independent journalism\n" + "Berlin said more. " * 100
    assert clean(f"{STORY_END}\n{long_tail}") == f"{STORY_END}\n{long_tail}"
    said = f"{STORY_END}\nThe group said: support independent journalism in Berlin, now."
    assert clean(said) == said


@pytest.mark.parametrize(
    ("line", "offer"),
    [
        ("2 Wochen kostenlos testen", True),
        ("Newsletter: Jetzt kostenlos anmelden!", True),
        ("Sign up to our newsletter", True),
        ("John Doe ...", False),
        ("Two weeks of free testing for the new drug", False),
    ],
)
def test_a_box_heading_is_told_a_call_to_action(line: str, offer: bool) -> None:
    """What ``monitor.crawl.layout``'s offer-box rule asks of a box's heading."""
    assert is_call_to_action(line) is offer
