"""Render the digest as an email: a plain-text body and an HTML alternative."""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import jinja2

from monitor.digest.build import DigestContent
from monitor.matching import Snippet

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("monitor.digest", "templates"),
    autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def marked_text(snippet: Snippet) -> str:
    """Plain-text highlight: *term*, readable in a terminal mail client."""
    return "".join(f"*{text}*" if marked else text for text, marked in snippet.segments())


_env.filters["marked_text"] = marked_text


def render_text(content: DigestContent, zone: ZoneInfo) -> str:
    return _env.get_template("digest.txt").render(d=content, localtime=_localtime(zone))


def render_html(content: DigestContent, zone: ZoneInfo) -> str:
    return _env.get_template("digest.html").render(d=content, localtime=_localtime(zone))


def _localtime(zone: ZoneInfo):  # type: ignore[no-untyped-def]
    def fmt(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if value else ""

    return fmt


def build_message(
    content: DigestContent, *, sender: str, recipients: list[str], zone: ZoneInfo
) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = content.subject()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(content.generated_at)
    msg["Message-ID"] = make_msgid("digest", domain=sender.rsplit("@", 1)[-1])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_text(content, zone))
    msg.add_alternative(render_html(content, zone), subtype="html")
    return msg
