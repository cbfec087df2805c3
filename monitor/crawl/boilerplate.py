"""Boilerplate out of an article's extracted text, before it is stored and matched.

trafilatura leaves some page furniture inside the main text: "Follow us on Twitter and
Facebook" lines, newsletter and app promotions, "Read more:" / "Lesen Sie auch" teasers,
lists of other headlines, placeholders of blocked embeds. They made watchlist hits on words
the story never says ("Facebook" on every page of a site that asks you to follow it there).

The rules are line-based and conservative: a line goes when it is short and mostly a call to
action or a teaser, never for a word it merely contains. Most rules look at how a line (or a
sentence) starts: its first word picks the few patterns worth trying (``_TABLE``), and a few
scans of the whole text find the lines that start with such a word, so the other lines cost
nothing. Rules (``Dropped.rule`` names them):

- ``label``: a teaser label opening a line of at most MAX_LABEL_LINE characters ("Read more:",
  "Lesen Sie auch", "À lire aussi", "Lee también", "Читайте также", ...) with the headline
  after it, or alone; the heading of a teaser box ("Most read", "Auch interessant"); an
  advertisement marker. Labels that can also open a story sentence ("Read more than ...",
  "Weitere Artikel des Gesetzes ...") count only before a colon, a bar or the line's end.
- ``call-to-action``: sentences opening with a call to action (follow us / follow X on
  <platform>, subscribe, sign up for our newsletter, download our app, join our channel,
  share this article, "Got a story?"; in English, German, French, Spanish, Russian, Italian,
  Portuguese, Dutch) make up at least CTA_SHARE of a line of at most MAX_CTA_LINE
  characters: the line goes. Signing up, registering or downloading an app count only when
  the offer is the publisher's ("our", a newsletter): "Sign up for the scheme on the
  council's website" and "Download the NHS app" are news service and stay.
  Otherwise only such sentences at the end of a line are cut (an author's bio ending in
  "Follow Steph on Twitter @..."). A call to action must open its sentence with a capital
  letter, not inside quotes: "He ended with: "Subscribe to my channel."" stays, and
  "Facebook said it would follow the ruling" has none.
- ``headline-list``: three or more parts of at most MAX_HEADLINE characters separated by
  " | ", " • ", " · " (a newsletter's "... | Facebook gets questions over ... | ...").
- ``share-bar``: a short line of share words and platform names only.
- ``consent``: the placeholder of an embed blocked by privacy settings ("Externer Inhalt
  nicht verfügbar", "Deine Privatsphäre-Einstellungen verhindern ... (z.B. Youtube,
  Twitter, Facebook, Instagram etc.)").
- ``credit``: a short "Photo:" / "Foto:" / "Image:" / "Фото:" credit line (singular: a
  magazine's "Fotos:"/"Styling:" credits of a shoot are part of its feature), and a
  translator's ("Übersetzung und Adaptierung: AFP Deutschland", "Translation: ...").
- ``related-list``: bullet lines ("- ...") right under a dropped label that ends its line
  ("Lesen Sie auch:", "Ähnliche:").

- ``teaser``: a headline written twice in one line (a teaser card's link text and title),
  and the short standfirst line under it when another card follows.
- ``sign-off``: in the last SIGNOFF_LINES lines of the text only, sentences that end a line
  and credit the reporting or claim the copyright: "Associated Press writer John Leicester
  in Paris contributed to this report.", "Reporting by ...; Writing by ...; Editing by ...",
  AP's "Peoples reported from New York and ... from Washington." after its "___" rule,
  "Copyright © 2023 The Washington Times, LLC.", "Our Standards: The Thomson Reuters Trust
  Principles.", "Mit Material von dpa". They made "Paris", "London" and "Washington" hits of
  stories that only name where a reporter sat. A line made only of them goes.

- ``end-furniture``: in the last END_LINES lines, a rating widget's question ("Wie hat
  Ihnen dieser Artikel gefallen?", "Was this article helpful?") or a plea for support
  ("Unabhängiger Journalismus braucht deine Unterstützung", "Support independent
  journalism") as a line of its own ends the story: it and what follows go (the page's
  appeals and promotions), when that is at most MAX_END_TAIL characters.

Twitter's embed links (``pic.twitter.com/...``, ``https://t.co/...``) are cut out of lines:
never prose, they made a "Twitter" hit of every embedded tweet.

Pure functions, no I/O; every pattern compiled once, at import.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, pairwise

#: A longer line is story text, whatever it starts with (labels, credits, consent).
MAX_LABEL_LINE = 250
#: A call to action takes a whole line only up to this length (two or three sentences).
MAX_CTA_LINE = 400
#: Parts of a headline list, bullets of a related list, credit lines: at most this long.
MAX_HEADLINE = 150
#: A line goes when its call-to-action sentences are at least this share of its characters.
CTA_SHARE = 0.4
#: Sign-offs (credits, copyright) are looked for in this many last lines of the text.
SIGNOFF_LINES = 4
#: A sign-off sentence is at most this long.
MAX_SIGNOFF = 300

#: The page's end (a rating widget, a plea for support) is looked for in this many last lines
END_LINES = 8
#: ... and what follows it goes only up to this many characters.
MAX_END_TAIL = 1500

# What may precede a line's first word: list marks and arrows ("- ", "• ", ">> ", "» ").
_LEAD_CHARS = " \t-–—•·*>»›→▶►■▪|"
_QUOTES = "\"'“”„‟«»‹›‚‘’「『"
_PLATFORM = (
    r"(?:facebook|twitter|x(?=[\s.,;:!?)]|$)|instagram|youtube|tiktok|whatsapp|telegram|"
    r"threads|bluesky|linkedin|snapchat|pinterest|mastodon|flipboard|google\s+news|google|apple\s+news|"
    r"vk|vkontakte|вконтакте|одноклассниках|дзене?|rutube|viber|signal|reddit)\b"
)
# What makes a sign-up or subscription the publisher's own offer.
_PROMO = r"(?:our|newsletters?|briefing|inbox|breaking\s+news|podcast|channel)"
# After a label that could also open a sentence: a colon, a bar, an arrow or the line's end.
_SEP = r"\s*(?:[:|»›>→▶–—-]|$)"
# The end of a line that is a marker or a heading only ("Advertisement", "Related stories:").
_END = r"[\s.:!]*$"
_HEADING = r"[\s:]*$"

_LABEL, _BARE, _CTA, _CONSENT, _CREDIT = "label", "bare", "call-to-action", "consent", "credit"
_SIGNOFF_RULE = "sign-off"

# (first words, kind, the pattern the rest of the line or sentence must start with). The first
# word is lower-cased, without the list marks before it; a word of digits is "#".
# One rule a row: the table is kept as written.
# fmt: off
_TABLE: list[tuple[str, str, str]] = [
    # -- teaser labels and box headings
    # English
    ("read", _LABEL, r"\s+(?:also|next|this\s+next)\b|\s+more" + _SEP),
    ("also", _LABEL, r"\s+read\b"),
    ("further", _LABEL, r"\s+reading" + _SEP),
    ("you", _LABEL, r"\s+(?:may|might)\s+also\s+(?:like|enjoy|be\s+interested)\b"),
    # (a heading: no sentence after it; "More news on the case is expected Friday." stays)
    ("recommended", _LABEL, r"\s+(?:for\s+you|reading|stories|articles|videos?)\b[^.!?]{0,60}"
     + _HEADING + "|" + _SEP),
    ("related", _LABEL, r"\s+(?:articles?|stories|story|content|coverage|news|reading|links|"
     r"topics|posts)\b[^.!?]{0,80}" + _HEADING + "|" + _SEP),
    # ("More from The Nation", a heading; not "More from NBC's TODAY:", which quotes follow)
    ("more", _LABEL, _SEP + r"|\s+(?:stories|articles|news|coverage|reading)\s+(?:from|on|"
     r"about|like\s+this)\b[^.!?]{0,60}" + _HEADING + r"|\s+from\s+(?:the\s+)?[^.!?:]{1,40}$"),
    ("most", _LABEL, r"\s+(?:read|popular|viewed|shared)(?:\s+(?:in|on|now|today|stories|"
     r"articles)\b[^.!?]{0,40})?" + _HEADING),
    ("trending", _BARE, r"(?:\s+(?:now|stories|today))?" + _END),
    ("story", _BARE, r"\s+continues\s+below\b"),
    ("advertisement", _BARE, _END + r"|.{0,40}?story\s*continues\s+below\b"),
    ("sponsored", _BARE, r"(?:\s+content)?" + _END),
    ("share", _BARE, r"(?:\s+(?:this(?:\s+(?:article|story|post|page))?|on\s+\S+|via\s+\S+))?"
     + _END),
    # German
    ("lesen", _LABEL, r"\s+sie\s+(?:auch|mehr|hier|dazu|zudem|außerdem|ebenfalls)\b"),
    ("mehr", _LABEL, r"\s+zum\s+thema\b|\s+(?:artikel|themen|news|nachrichten)\s+(?:zum\s+thema|"
     r"aus|auf|zu|von)\b|" + _SEP),
    ("auch", _LABEL, r"\s+(?:interessant|lesenswert)" + _SEP),  # not "Auch interessant ist ..."
    ("das", _LABEL, r"\s+könnte\s+(?:sie|dich)\s+(?:auch\s+)?interessieren\b"),
    ("weitere verwandte passende", _LABEL,
     r"\s+(?:artikel|beiträge|themen|nachrichten|meldungen)(?:\s+zum\s+thema)?" + _SEP),
    ("ähnliche", _LABEL, r"(?:\s+(?:artikel|beiträge|themen|nachrichten|meldungen))?" + _SEP),
    ("zum", _LABEL, r"\s+(?:artikel|weiterlesen)" + _SEP),
    ("passend", _LABEL, r"\s+(?:dazu|zum\s+thema)" + _SEP),
    ("meistgelesen meistgelesene lesetipp lesetipps weiterlesen newsletter", _LABEL, _SEP),
    ("anzeige werbung", _BARE, _END),
    ("teilen", _BARE, _END),
    # French
    ("à a", _LABEL, r"\s+(?:lire|voir|découvrir)\s+(?:aussi|également|egalement)\b"),
    ("lire", _LABEL, r"\s+(?:aussi|également|egalement|la\s+suite)\b"),
    ("voir", _LABEL, r"\s+aussi\b"),
    ("sur", _LABEL, r"\s+le\s+même\s+sujet\b"),
    ("pour", _LABEL, r"\s+aller\s+plus\s+loin" + _SEP),  # not "Pour aller plus loin, le ..."
    ("article articles contenu contenus", _LABEL,
     r"\s+(?:liés?|similaires|associés|recommandés)\b"),
    ("les", _LABEL, r"\s+plus\s+lus\b|\s+(?:også|ogsa|mer)\b"),  # French; Norwegian "Les også"
    ("en", _LABEL, r"\s+savoir\s+plus" + _SEP),
    ("publicité partager", _BARE, _END),
    ("passer", _BARE, r"\s+la\s+publicité" + _END),
    # Spanish
    ("lee lea leer", _LABEL, r"\s+(?:también|tambien|además)\b"),
    ("leer", _LABEL, r"\s+más" + _SEP),
    ("te le", _LABEL, r"\s+(?:puede|podría)\s+interesar\b"),
    ("también", _LABEL, r"\s+(?:te|le)\s+puede\s+interesar\b"),
    ("noticia noticias", _LABEL, r"\s+relacionadas?\b"),
    ("contenido artículo artículos", _LABEL, r"\s+relacionados?\b"),
    ("ver", _LABEL, r"\s+también\b"),
    ("lo", _LABEL, r"\s+más\s+leído\b"),
    ("más", _LABEL, r"\s+información" + _SEP),
    ("publicidad compartir", _BARE, _END),
    # Russian
    ("читайте", _LABEL, r"\s+(?:также|еще|ещё|тоже)\b"),
    ("смотрите", _LABEL, r"\s+также\b"),
    ("читать", _LABEL, r"\s+(?:также|далее)\b"),
    ("материалы новости еще ещё", _LABEL, r"\s+по\s+теме\b"),
    ("по", _LABEL, r"\s+теме" + _SEP),
    ("подробнее", _LABEL, _SEP),
    ("самое", _LABEL, r"\s+читаемое\b"),
    ("реклама поделиться", _BARE, _END),
    # Italian
    ("leggi", _LABEL, r"\s+(?:anche|pure)\b"),
    ("potrebbe", _LABEL, r"\s+(?:anche\s+)?interessarti\b"),
    ("ti", _LABEL, r"\s+potrebbe\s+(?:anche\s+)?interessare\b"),
    ("articoli", _LABEL, r"\s+correlati\b"),
    ("guarda", _LABEL, r"\s+anche\b"),
    ("per", _LABEL, r"\s+approfondire" + _SEP),
    ("pubblicità condividi", _BARE, _END),
    # Portuguese
    ("leia veja", _LABEL, r"\s+(?:também|tambem|mais)\b"),
    ("notícias artigos", _LABEL, r"\s+relacionad[oa]s\b"),
    ("saiba", _LABEL, r"\s+mais" + _SEP),
    ("você", _LABEL, r"\s+(?:também\s+)?pode\s+gostar\b"),
    ("publicidade compartilhe", _BARE, _END),
    # Dutch
    ("lees", _LABEL, r"\s+(?:ook|meer|verder)\b"),
    ("bekijk", _LABEL, r"\s+ook\b"),
    ("gerelateerd gerelateerde", _LABEL, r"(?:\s+(?:artikelen|berichten|nieuws))?" + _SEP),
    ("meer", _LABEL, r"\s+(?:over|lezen)" + _SEP),
    ("advertentie delen", _BARE, _END),
    # Danish, Swedish, Polish, isiZulu (seen in the real-page corpus)
    ("læs läs", _LABEL, r"\s+(?:også|också|mer)\b"),
    ("czytaj", _LABEL, r"\s+(?:więcej|też|także)\b"),
    ("zobacz", _LABEL, r"\s+(?:też|także)\b"),
    ("funda", _LABEL, r"\s+olunye\s+udaba\b"),
    # -- consent placeholders of blocked embeds
    ("externer", _CONSENT, r"\s+inhalt\s+nicht\s+verfügbar\b"),
    ("externe", _CONSENT, r"\s+inhalte\s+(?:aktivieren|laden|anzeigen)\b"),
    ("deine ihre", _CONSENT, r"\s+(?:privatsphäre|datenschutz|cookie)-?einstellungen\s+"
     r"verhindern\b"),
    ("zur", _CONSENT, r"\s+anzeige\s+aktiviere\b"),
    ("empfohlener", _CONSENT, r"\s+redaktioneller\s+inhalt\b"),
    ("an", _CONSENT, r"\s+dieser\s+stelle\s+finden\s+sie\s+einen\s+von\s+unseren\s+redakteuren\b"),
    ("ich", _CONSENT, r"\s+bin\s+damit\s+einverstanden,\s+dass\s+mir\s+(?:der\s+)?externe\b"),
    ("ein", _CONSENT, r"\s+klick\s+für\s+den\s+datenschutz\b"),
    # (not "The video is not available in the UK, the company said")
    ("this", _CONSENT, r"\s+(?:content|embed)\s+(?:is\s+not\s+available|cannot\s+be\s+(?:shown|"
     r"displayed)|is\s+blocked)\b"),
    ("enable accept allow", _CONSENT, r"\s+(?:\w+\s+)?cookies\s+to\s+(?:view|see|watch|display)\b"),
    ("ce", _CONSENT, r"\s+contenu\s+(?:n['’]est\s+pas\s+disponible|est\s+bloqué)\b"),
    ("este", _CONSENT, r"\s+contenido\s+(?:no\s+está\s+disponible|está\s+bloqueado)\b"),
    ("этот", _CONSENT, r"\s+(?:контент|материал)\s+(?:недоступен|заблокирован)\b"),
    # -- credits ("Photo credit:" too)
    ("image photo picture foto bild фото credit imagen immagine afbeelding crédit", _CREDIT,
     r"(?:\s+credit)?\s*:"),
    # a translator's credit ("Übersetzung und Adaptierung: AFP Deutschland")
    ("übersetzung translation traduction traducción traduzione перевод", _CREDIT,
     r"(?:\s+(?:und|and|et|y|e|и)\s+\w+)?\s*:"),
    # -- calls to action, at the start of any sentence. Signing up, downloading an app or
    # registering for something else is news service ("Sign up for the scheme on the
    # council's website", "Download the NHS app"): only the publisher's own offers count.
    # English
    ("follow", _CTA, rf"\s+us\b|\s+(?:\S+\s+){{1,3}}?on\s+{_PLATFORM}"),
    ("sign", _CTA, rf"\s+up\b(?=.{{0,80}}?\b(?:{_PROMO}|sign\s+in)\b)"),
    ("subscribe", _CTA, rf"(?:\s+(?:now|here|today))?[\s.!]*$|(?=.{{0,80}}?\b{_PROMO}\b)"),
    ("download install get", _CTA, r"\s+our\s+(?:\S+\s+){0,3}?app\b"),
    ("get", _CTA, r"\s+(?:the\s+latest|daily|breaking|our)\b.{0,80}?\b(?:news|newsletters?|"
     r"inbox|updates|alerts|stories|app)\b|\s+in\s+touch\s+with\s+(?:our|the)\s+news"),
    ("click", _CTA, r"\s+here\s+to\s+(?:get|download|subscribe|sign\s+up|follow|join)\b"),
    ("join", _CTA, r"\s+our\s+(?:\S+\s+){0,2}?(?:community|commenting|newsletter|channel|"
     rf"mailing)|\s+(?:us|the\s+conversation)\s+on\s+{_PLATFORM}"),
    ("like", _CTA, r"\s+us\s+on\b"),
    ("share", _CTA, r"\s+(?:this\s+(?:article|story|post|page)|on\s+\S+)\b"),
    ("for", _CTA, r"\s+more\s+stories\s+like\s+this\b|\s+the\s+latest\b.{0,80}?\b(?:sign\s+up|"
     r"follow|subscribe|newsletters?|download)\b"),
    ("got", _CTA, r"\s+a\s+(?:story|news\s+tip|tip)\b"),
    ("do", _CTA, r"\s+you\s+have\s+a\s+(?:story|news\s+tip|tip)\b"),
    ("be", _CTA, r"\s+in\s+touch\s+with\s+(?:our|the)\s+news"),
    ("log sign", _CTA, r"\s+in\s+(?:or\s+(?:create|register|sign\s+up)|to\s+(?:continue|comment|"
     r"read\s+(?:more|the\s+full)))\b"),
    ("create", _CTA, r"\s+a\s+free\s+account\b"),
    ("please", _CTA, r"\s+(?:bookmark|sign\s+up|subscribe|follow\s+us|download|share\s+this|"
     r"read\s+our\s+comment)\b"),
    # German
    ("folgen", _CTA, rf"\s+sie\s+(?:uns\b|(?:\S+\s+){{1,3}}?auf\s+{_PLATFORM})"),
    ("folge folgt", _CTA, rf"\s+(?:uns\b|(?:\S+\s+){{1,3}}?auf\s+{_PLATFORM})"),
    ("folgst", _CTA, rf"\s+du\s+(?:schon\s+|jetzt\s+)?(?:\S+\s+){{1,3}}?auf\s+{_PLATFORM}"),
    ("abonnieren", _CTA, r"\s+sie\b"),
    ("abonniere", _CTA, r"\b"),
    ("melden", _CTA, r"\s+sie\s+sich\s+.{0,40}?\bnewsletter\b"),
    ("melde", _CTA, r"\s+dich\s+.{0,40}?\bnewsletter\b"),
    # "Jetzt melden." (not "Jetzt melden sich die Gewerkschaften")
    ("jetzt", _CTA, r"\s+(?:kostenlos\s+)?(?:anmelden|registrieren|herunterladen|testen|"
     r"abonnieren|melden)(?=\s*[.!]|\s*$)"),
    ("#", _CTA, r"\s+(?:wochen|tage|monate)\s+(?:gratis|kostenlos)\s+(?:testen|lesen)\b"),
    ("fehler", _CTA, r"\s+gefunden\s*\?"),
    ("hier", _CTA, r"\s+geht(?:'s|’s|\s+es)\s+zu[mr]?\s+(?:\S+\s+){0,3}?\S*(?:app|newsletter|"
     r"anmeldung|abo|liveblog|podcast|kanal)\b"),
    ("laden", _CTA, r"\s+sie\s+(?:jetzt\s+)?unsere\s+.{0,30}?app\b"),
    ("lade", _CTA, r"\s+dir\s+(?:jetzt\s+)?unsere\s+.{0,30}?app\b"),
    ("holen", _CTA, r"\s+sie\s+sich\s+(?:jetzt\s+)?unsere\s+.{0,30}?app\b"),
    ("teilen", _CTA, r"\s+sie\s+(?:diesen|den)\s+(?:artikel|beitrag)\b"),
    ("die", _CTA, r"\s+\S+\s+(?:auch|jetzt)\s+(?:bei|auf)\s+social\s+media\b"),
    # French
    ("suivez-nous abonnez-vous rejoignez-nous retrouvez-nous", _CTA, r""),
    ("inscrivez-vous", _CTA, r"\s+(?:(?:à|a)\s+(?:notre|nos|la\s+newsletter)|gratuitement)\b"),
    ("suivez retrouvez", _CTA, rf"\s+(?:\S+\s+){{1,3}}?sur\s+{_PLATFORM}"),
    ("téléchargez", _CTA, r"\s+(?:gratuitement\s+)?notre\s+(?:\S+\s+){0,2}?app"),
    ("partagez", _CTA, r"\s+(?:cet|cette|l['’])\s*(?:article|info)\b"),
    # Spanish
    ("síguenos suscríbete suscríbase suscribete", _CTA, r""),
    ("apúntate regístrate", _CTA, r"\s+(?:gratis|ahora|a\s+nuestr|en\s+nuestr)"),
    ("sigue", _CTA, rf"\s+(?:a\s+)?(?:\S+\s+){{1,3}}?en\s+{_PLATFORM}"),
    ("descarga descargue", _CTA, r"\s+nuestra\s+app\b"),
    ("únete", _CTA, r"\s+a\s+(?:nuestr[oa]s?|el\s+canal|la\s+comunidad)\b"),
    ("comparte", _CTA, r"\s+(?:este|esta)\s+(?:artículo|noticia)\b"),
    # Russian
    ("подписывайтесь подпишитесь", _CTA, rf"\s+на\s+(?:нас|наш|нашу|наши|канал|рассылку|"
     rf"{_PLATFORM})"),  # not "Подпишитесь на петицию"
    ("подписаться", _CTA, _END),
    ("присоединяйтесь", _CTA, r"\s+к\s+нам\b"),
    ("следите", _CTA, r"\s+за\s+(?:нами|новостями)\b"),
    ("читайте", _CTA, rf"\s+(?:нас|\S+)\s+(?:в|на)\s+{_PLATFORM}"),
    ("скачайте", _CTA, r"\s+наше\s+приложение\b"),
    # Italian
    ("seguici", _CTA, r""),
    ("segui seguiteci", _CTA, rf"\s+(?:\S+\s+){{0,3}}?su\s+{_PLATFORM}"),
    ("iscriviti abbonati", _CTA, r"\s+(?:ora|subito|gratis)\b|\s+(?:a|al|alla|alle)\s+"
     r"(?:nostr[aoie]|newsletter|canale)\b"),  # not "Abbonati in calo ..." (subscribers)
    ("scarica", _CTA, r"\s+la\s+nostra\s+app\b"),
    # Portuguese
    ("siga-nos", _CTA, r""),
    ("inscreva-se cadastre-se", _CTA, r"\s+(?:já|agora|gratuitamente|(?:em|na|no)\s+(?:noss[oa]|"
     r"newsletter))\b"),
    ("siga", _CTA, rf"\s+(?:o\s+|a\s+)?(?:\S+\s+){{0,3}}?n[oa]\s+{_PLATFORM}"),
    ("assine", _CTA, r"\s+(?:já|agora|nossa|nosso|a\s+newsletter)\b"),
    ("baixe", _CTA, r"\s+(?:o\s+)?nosso\s+app\b"),
    # Dutch
    ("volg", _CTA, rf"\s+(?:ons\b|(?:\S+\s+){{1,3}}?op\s+{_PLATFORM})"),
    ("abonneer", _CTA, r"\s+(?:je|u|nu)\b"),
    ("schrijf", _CTA, r"\s+je\s+(?:nu\s+)?in\s+(?:voor\s+)?(?:onze|de\s+nieuwsbrief)\b"),
    ("meld", _CTA, r"\s+je\s+(?:nu\s+)?aan\s+(?:voor\s+)?(?:onze|de\s+nieuwsbrief)\b"),
    ("download", _CTA, r"\s+onze\s+app\b"),
]
# fmt: on


def _compile(table: Iterable[tuple[str, str, str]]) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    rules: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for words, kind, rest in table:
        for word in words.split():
            rules.setdefault(word, []).append((kind, re.compile(rest, re.IGNORECASE)))
    return rules


def _trie(words: Iterable[str]) -> str:
    """A regex alternation of the words shaped as a trie: it fails on the first letter that
    no word has, where a flat alternation would try every word in turn."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


_RULES = _compile(_TABLE)
_SHARE_WORDS = frozenset(
    "facebook twitter x instagram youtube tiktok whatsapp telegram threads bluesky linkedin "
    "snapchat pinterest reddit flipboard messenger viber vk share teilen partager partagez "
    "compartir comparte поделиться condividi compartilhe compartilhar delen deel e-mail email "
    "mail print drucken imprimer imprimir copy link kopieren copier copiar sms tweet".split()
)
_SHARE_VERBS = frozenset(
    "share teilen partager partagez compartir comparte поделиться condividi compartilhe "
    "compartilhar delen deel tweet".split()
)
# Calls to action looked for after a line's first sentence too; "Die WAZ auch bei Social
# Media" only opens a line ("die" opens too many sentences to look at each).
_LATER_CTA_WORDS = {w for words, kind, _ in _TABLE if kind == _CTA for w in words.split()} - {
    "#",
    "die",
}
_WORD_END = r"(?=[\s:;,.!?|]|$)"

# A line's first word (letters, with inner hyphens and apostrophes) or number.
_FIRST = re.compile(r"[\s\-–—•·*>»›→▶►■▪|]*(?:([^\W\d_][\w'’-]*?)" + _WORD_END + r"|(\d+))")
# Where a rule may apply, found by scans of the whole text that start with a literal (which
# the regex engine finds fast): lines (after the first) that open with a word some rule starts
# with, and later sentences that open with a call-to-action word. Other lines cost nothing.
_LINE_OPENER = re.compile(
    r"\n[\s\-–—•·*>»›→▶►■▪|]*(?i:"
    + _trie((set(_RULES) | _SHARE_WORDS) - {"#"})
    + _WORD_END
    + r"|\d)"
)
_LATER_CTA = tuple(
    re.compile(re.escape(end) + r"[ \-–—•·]+(?i:(" + _trie(_LATER_CTA_WORDS) + "))" + _WORD_END)
    for end in ".!?:"
)
_SENTENCE_END = re.compile(r"[.!?:]\s+")
# "... lesen Sie in unserem Liveblog:" at the end of a short line.
_LIVEBLOG = re.compile(
    r"(?:lesen|finden|hören|sehen)\s+sie\s+(?:\S+\s+){0,3}?in\s+unserem\s+(?:liveblog|newsblog|"
    r"live-?ticker|dossier|podcast)\s*[:.]$",
    re.IGNORECASE,
)
# After "Reporting by": names, places and the credit's own words only ("Reporting by the BBC
# showed the scale of the damage" is a story's sentence).
_NAMES_ONLY = (
    r"(?-i:(?![^.!?]*\b(?!(?:in|and|the|from|with|for|at|of|by|on|de|van|von|der|al|el|la|le|"
    r"du|writing|editing|additional|reporting|compiled|produced)\b)[a-z]{2,}))"
)
# Sign-offs: a sentence that credits the reporting or claims the copyright, whole.
_SIGNOFF = re.compile(
    r"[\s\-–—_]*(?:"
    r"[^.!?]{0,200}?\b(?:contributed|contributing)\b[^.!?]{0,40}?\b(?:to\s+)?(?:this\s+)?"
    r"(?:report|reporting|story|article|coverage)\b[^.!?]{0,40}"
    r"|(?:(?:additional|further)\s+)?(?:reporting|writing|editing)\s+by\b"
    + _NAMES_ONLY
    + r"[^.!?]{0,250}"
    r"|[^.!?]{0,150}?\breported\s+from\s+(?![^.!?]*\b(?:that|when|where|how)\b)[^.!?]{0,120}"
    r"|(?:copyright|©|\(c\))\s*(?:©\s*)?(?:\d{4}[\s,-]*)+[^.!?]{0,100}?"
    r"(?:\.\s*(?:all\s+rights\s+reserved|alle\s+rechte\s+vorbehalten|tous\s+droits\s+"
    r"réservés|todos\s+los\s+derechos\s+reservados))?"
    r"|our\s+standards:\s*the\s+thomson\s+reuters\s+trust\s+principles"
    r"|(?:mit\s+material\s+(?:von|der\s+nachrichtenagenturen?)|mit\s+agenturmaterial|"
    r"avec\s+(?:l['’]\s*)?(?:afp|reuters|ap)\b|con\s+información\s+de)\b[^.!?]{0,80}"
    r"|mit\s+(?:dpa|afp|ap|reuters|epd|kna|dts)(?:[\s,/]+(?:dpa|afp|ap|reuters|epd|kna|dts))*"
    r")[.!]?\s*$",
    re.IGNORECASE,
)
_SIGNOFF_HINT = re.compile(
    r"contribut|reported\s+from|(?:reporting|writing|editing)\s+by|copyright|©|\(c\)\s*\d|"
    r"our\s+standards|mit\s+(?:material|agentur|dpa|afp|ap|reuters|epd|kna|dts)\b|avec\s+(?:l['’]\s*)?(?:afp|reuters|ap)\b|"
    r"con\s+información\s+de",
    re.IGNORECASE,
)
_END_MARK = re.compile(
    r"(?:wie hat ihnen (?:dieser|der) (?:artikel|beitrag) gefallen"
    r"|wie gef[äa]llt ihnen (?:dieser|der) (?:artikel|beitrag)"
    r"|(?:was|is) this (?:article|story) (?:helpful|useful)"
    r"|did you find this (?:article|story) (?:helpful|useful)"
    r"|(?:how would you )?rate this (?:article|story)"
    r"|cet article vous a-t-il (?:été utile|plu)"
    r"|¿?te ha (?:resultado útil|gustado) (?:este artículo|esta noticia)"
    r"|оцените (?:эту )?статью"
    r"|unabhängiger journalismus braucht (?:deine|ihre|eure) unterstützung"
    r"|(?:please )?support (?:independent|our) journalism"
    r"|soutenez (?:le journalisme indépendant|notre journalisme)"
    r")[\s.!?:]*$",
    re.IGNORECASE,
)
_HEADLINE_SEP = re.compile(r"\s+[|•·¦]\s+")
_SHARE_SPLIT = re.compile(r"[\s|•·/,;]+")
_TWITTER_LINK = re.compile(r"\s*(?:\bpic\.(?:twitter|x)\.com/\w+|\bhttps?://t\.co/\w+)")
_BULLET = re.compile(r"\s*[-–—•·*▪■]\s+\S")
_LABEL_REST = " :：|-–—»›>→"


@dataclass(frozen=True)
class Dropped:
    """A line (or the end of one) taken out of the text, and the rule that took it."""

    line: str
    rule: str


def clean(text: str) -> str:
    """The text without its boilerplate."""
    return strip_boilerplate(text)[0]


def strip_boilerplate(text: str) -> tuple[str, list[Dropped]]:
    """The text without its boilerplate, and what was taken out, in text order."""
    lines = text.split("\n")
    look = _lines_to_examine(text, lines)
    twitter = "t.co/" in text or "twitter.com/" in text or "x.com/" in text
    signoffs = _signoffs(text, lines)
    end = _page_end(lines)
    if not look and not twitter and not signoffs and end is None and not _has_doubled(lines):
        return text, []  # the fast path: nothing in the text starts like boilerplate
    rules: list[str | None] = [None] * len(lines)
    ctas: dict[int, list[int]] = {}
    for i, later in look.items():
        rules[i], starts = _classify(lines[i], later)
        if starts:
            ctas[i] = starts
    _related_lists(lines, rules)
    _teaser_cards(lines, rules)
    if end is not None:
        rules[end:] = ["end-furniture"] * (len(lines) - end)
    dropped: list[Dropped] = []
    out: list[str] = []
    for i, line in enumerate(lines):
        rule = rules[i]
        if rule is None and i in signoffs:
            at = signoffs[i]
            if at == 0:
                rule = _SIGNOFF_RULE
            else:
                dropped.append(Dropped(line[at:].strip(), _SIGNOFF_RULE))
                line = line[:at].rstrip()
        if rule is not None:
            dropped.append(Dropped(line, rule))
            continue
        if i in ctas:
            line, cut = _trim_cta(line, ctas[i])
            if cut:
                dropped.append(Dropped(cut, _CTA))
        if twitter and ("t.co/" in line or "twitter.com/" in line or "x.com/" in line):
            line = _TWITTER_LINK.sub("", line)
        out.append(line)
    if not dropped and not twitter:
        return text, []
    return "\n".join(out).strip(), dropped


def is_call_to_action(line: str) -> bool:
    """Whether the line is a call to action: its sentences that open with one make up at
    least CTA_SHARE of it (``call-to-action`` above), whatever a label rule says of its
    start. A box's heading: "2 Wochen kostenlos testen", "Newsletter: Jetzt anmelden!"."""
    if not line or len(line) > MAX_CTA_LINE:
        return False
    first = _first_word(line, 0)
    starts = [0] if first and _cta_at(line, 0, first) else []
    for pattern in _LATER_CTA:
        starts += [
            m.start(1)
            for m in pattern.finditer(line)
            if _cta_at(line, m.start(1), _first_word(line, m.start(1)))
        ]
    return bool(starts) and _cta_share(line, sorted(starts)) >= CTA_SHARE


def _page_end(lines: list[str]) -> int | None:
    """Where the page's end furniture starts (``end-furniture``): its first mark in the
    last lines, or None."""
    start, tail = None, 0
    for i in range(len(lines) - 1, max(0, len(lines) - 1 - END_LINES), -1):  # never line 0
        line = lines[i].strip(_LEAD_CHARS)
        if len(line) <= MAX_HEADLINE and _END_MARK.match(line):
            start = i
        tail += len(lines[i]) + 1
        if tail > MAX_END_TAIL:
            break
    return start


def _signoffs(text: str, lines: list[str]) -> dict[int, int]:
    """For each of the last lines that ends in sign-off sentences, where they start (0: the
    whole line is sign-offs)."""
    tail = len(text) - sum(len(line) + 1 for line in lines[-SIGNOFF_LINES:])
    if not _SIGNOFF_HINT.search(text, max(0, tail)):
        return {}
    found: dict[int, int] = {}
    n = 0
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if not line.strip():
            continue
        n += 1
        if n > SIGNOFF_LINES:
            break
        if not _SIGNOFF_HINT.search(line):
            continue
        bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(line))]
        cut = len(line)
        while True:  # the nearest start whose sentences up to the cut are one sign-off
            start = next(
                (b for b in reversed(bounds) if b < cut and _SIGNOFF.match(line, b, cut)), None
            )
            if start is None or cut - start > MAX_SIGNOFF:
                break
            cut = start
        if cut < len(line):
            found[i] = cut
    return found


def _lines_to_examine(text: str, lines: list[str]) -> dict[int, list[int]]:
    """The lines some rule may drop or cut, each with where a later sentence of it opens
    with a call-to-action word: found by a few scans of the whole text."""
    offsets = list(accumulate((len(line) + 1 for line in lines), initial=0))
    look: dict[int, list[int]] = {}
    if _LINE_OPENER.match("\n" + lines[0][:100]):
        look[0] = []
    for m in _LINE_OPENER.finditer(text):
        look.setdefault(bisect_right(offsets, m.end()) - 1, [])
    for pattern in _LATER_CTA:
        for m in pattern.finditer(text):
            i = bisect_right(offsets, m.start(1)) - 1
            look.setdefault(i, []).append(m.start(1) - offsets[i])
    if "|" in text or "•" in text or "·" in text or "¦" in text:
        for i, line in enumerate(lines):
            if _might_be_list(line):
                look.setdefault(i, [])
    if "unserem" in text:  # "... lesen Sie in unserem Liveblog:"
        for i, line in enumerate(lines):
            if "unserem" in line:
                look.setdefault(i, [])
    return look


def _classify(line: str, later: list[int]) -> tuple[str | None, list[int]]:
    """The rule that drops the line, if any, and where its call-to-action sentences start
    (``later``: where later sentences open with a call-to-action word)."""
    n = len(line)
    if not n:
        return None, []
    first = _first_word(line, 0)
    kind = _line_start_rule(line, first) if first and n <= MAX_CTA_LINE else None
    if kind is not None:
        return kind, []
    if _might_be_list(line) and _is_headline_list(line):
        return "headline-list", []
    starts = [0] if first and _cta_at(line, 0, first) else []
    starts += [p for p in sorted(later) if _cta_at(line, p, _first_word(line, p))]
    if n <= MAX_CTA_LINE:
        if starts and _cta_share(line, starts) >= CTA_SHARE:
            return _CTA, []
        if n <= 200 and line[-1] in ":." and _LIVEBLOG.search(line, max(0, n - 80)):
            return _CTA, []
    return None, starts


def _first_word(line: str, pos: int) -> tuple[str, int] | None:
    """The lower-cased word at ``pos`` (after list marks; "#" for a number), and its end."""
    m = _FIRST.match(line, pos)
    if m is None:
        return None
    return (m.group(1).lower() if m.group(1) else "#"), m.end()


def _line_start_rule(line: str, first: tuple[str, int]) -> str | None:
    """The label, consent, credit or share-bar rule the line's start matches."""
    n = len(line)
    word, end = first
    for kind, pattern in _RULES.get(word, ()):
        if kind == _CTA or (kind != _CONSENT and n > MAX_LABEL_LINE):
            continue
        if kind == _CREDIT and n > MAX_HEADLINE:
            continue
        if pattern.match(line, end):
            return _LABEL if kind == _BARE else kind
    if n <= 100 and word in _SHARE_WORDS and _is_share_bar(line):
        return "share-bar"
    return None


def _cta_at(line: str, pos: int, first: tuple[str, int] | None) -> bool:
    """Whether a call to action opens the sentence at ``pos``: a rule's pattern, a capital
    letter (a sentence, not a clause inside one) and no quote (a story quoting one)."""
    if first is None or line[pos : pos + 1] in _QUOTES:
        return False
    word, end = first
    if not any(kind == _CTA and p.match(line, end) for kind, p in _RULES.get(word, ())):
        return False
    letter = line[end - len(word) : end - len(word) + 1]
    return letter.isupper() or not letter.isalpha()


def _might_be_list(line: str) -> bool:
    return "|" in line or "•" in line or "·" in line or "¦" in line


def _is_headline_list(line: str) -> bool:
    parts = _HEADLINE_SEP.split(line)
    return len(parts) >= 3 and all(0 < len(p.strip()) <= MAX_HEADLINE for p in parts)


def _is_share_bar(line: str) -> bool:
    words = _SHARE_SPLIT.split(line.lower().strip(_LEAD_CHARS))
    if len(words) < 2 or not all(w in _SHARE_WORDS for w in words):
        return False
    return len(words) >= 3 or any(w in _SHARE_VERBS for w in words)


def _sentences(line: str, starts: list[int]) -> list[tuple[int, int, bool]]:
    """The line's sentences (start, end), each with whether a call to action opens it (one
    of ``starts``, after nothing but list marks)."""
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(line)), len(line)]
    return [
        (a, b, any(a <= s < b and not line[a:s].strip(_LEAD_CHARS) for s in starts))
        for a, b in pairwise(bounds)
        if b > a
    ]


def _cta_share(line: str, starts: list[int]) -> float:
    return sum(b - a for a, b, cta in _sentences(line, starts) if cta) / len(line)


def _trim_cta(line: str, starts: list[int]) -> tuple[str, str]:
    """The line without the calls to action that end it, and what was cut."""
    spans = _sentences(line, starts)
    keep = len(spans)
    while keep > 1 and spans[keep - 1][2]:
        keep -= 1
    if keep == len(spans):
        return line, ""
    cut = spans[keep][0]
    return line[:cut].rstrip(), line[cut:].strip()


def _is_list_header(line: str) -> bool:
    """A teaser label with nothing after it ("Lesen Sie auch", "Related"), or one ending in
    a colon (not an advertisement marker: a story's own list may follow one)."""
    if line.rstrip().endswith((":", "：")):
        return True
    first = _first_word(line, 0)
    if first is None:
        return False
    word, end = first
    for kind, pattern in _RULES.get(word, ()):
        m = pattern.match(line, end) if kind == _LABEL else None
        if m is not None and not line[m.end() :].strip(_LABEL_REST):
            return True
    return False


def _doubled(line: str) -> bool:
    """A headline written twice in one line ("Mike Johnson's Art of the Deal Mike Johnson's
    Art of the Deal"): a teaser card's link and its title attribute, never prose."""
    n = len(line)
    half = n // 2
    return (
        n % 2 == 1
        and 20 <= half <= MAX_HEADLINE
        and line[half] == " "
        and line[half - 1] not in ".!,;"  # a headline; "Nein, nein, das war es nicht." twice stays
        and line[:half] == line[half + 1 :]
    )


def _has_doubled(lines: list[str]) -> bool:
    return any(_doubled(line) for line in lines)


def _teaser_cards(lines: list[str], rules: list[str | None]) -> None:
    """A doubled headline is a teaser card; the short line under it, its standfirst, goes
    with it when another card or dropped line (or the text's end) follows."""
    n = len(lines)
    for i, line in enumerate(lines):
        if rules[i] is not None or not _doubled(line):
            continue
        rules[i] = "teaser"
        j = i + 1
        if (
            j < n
            and rules[j] is None
            and len(lines[j]) <= MAX_LABEL_LINE
            and not _doubled(lines[j])
        ):
            if j + 1 == n or rules[j + 1] is not None or _doubled(lines[j + 1]):
                rules[j] = "teaser"


def _related_lists(lines: list[str], rules: list[str | None]) -> None:
    """Bullet lines under a dropped teaser label that ends its line go with it."""
    for i, rule in enumerate(rules):
        if rule != _LABEL or not _is_list_header(lines[i]):
            continue
        for j in range(i + 1, len(lines)):
            if rules[j] is not None or len(lines[j]) > MAX_HEADLINE or not _BULLET.match(lines[j]):
                break
            rules[j] = "related-list"
