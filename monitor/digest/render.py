"""Render the digest as an email: a plain-text body and an HTML alternative."""

from __future__ import annotations

import email.policy
import functools
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from monitor.digest.build import DigestContent
from monitor.errors import DeliveryError
from monitor.matching import Snippet


def marked_text(snippet: Snippet) -> str:
    """Plain-text highlight: *term*, readable in a terminal mail client."""
    return "".join(f"*{text}*" if marked else text for text, marked in snippet.segments())


@functools.cache
def _environment(templates: Path | None) -> jinja2.Environment:
    """Our templates, or the user's folder first: a digest.html or digest.txt there wins.
    HTML is autoescaped whoever wrote the template."""
    ours = jinja2.PackageLoader("monitor.digest", "templates")
    loader: jinja2.BaseLoader = ours
    if templates is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(templates), ours])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["marked_text"] = marked_text
    return env


def _render(name: str, content: DigestContent, zone: ZoneInfo, templates: Path | None) -> str:
    try:
        template = _environment(templates).get_template(name)
        return template.render(d=content, localtime=_localtime(zone))
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        at = f"{where}, line {line}" if line else where
        raise DeliveryError(f"the digest template {at} failed: {exc}") from exc


def render_text(content: DigestContent, zone: ZoneInfo, templates: Path | None = None) -> str:
    return _render("digest.txt", content, zone, templates)


def render_html(content: DigestContent, zone: ZoneInfo, templates: Path | None = None) -> str:
    return _render("digest.html", content, zone, templates)


def _localtime(zone: ZoneInfo):  # type: ignore[no-untyped-def]
    def fmt(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if value else ""

    return fmt


def build_message(
    content: DigestContent,
    *,
    sender: str,
    recipients: list[str],
    zone: ZoneInfo,
    templates: Path | None = None,
) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = content.subject()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(content.generated_at)
    msg["Message-ID"] = make_msgid("digest", domain=sender.rsplit("@", 1)[-1])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_text(content, zone, templates))
    msg.add_alternative(render_html(content, zone, templates), subtype="html")
    return msg
