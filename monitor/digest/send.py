"""Deliver a digest: SMTP when configured, else an .eml file in the outbox folder."""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from monitor.config import DigestConfig, Recipient, Security, SmtpConfig, default
from monitor.errors import DeliveryError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    destination: str  # smtp://host:port or the .eml path
    refused: dict[str, str]  # recipients the server refused while accepting others


def deliver(
    msg: EmailMessage, recipient: Recipient, digest: DigestConfig, smtp: SmtpConfig | None
) -> Delivery:
    """Through apprise for a recipient with an apprise URL; else SMTP, or the outbox when
    no SMTP server is configured."""
    if recipient.apprise_url:
        timeout = smtp.timeout if smtp else default(SmtpConfig, "timeout")
        return send_apprise(msg, recipient.apprise_url, timeout)
    if smtp is None:
        return Delivery(str(write_outbox(msg, digest.outbox)), {})
    return send_smtp(msg, smtp)


def send_apprise(msg: EmailMessage, url: str, timeout: timedelta) -> Delivery:
    """The plain-text digest as one notification. apprise reports only success or not, and
    logs why: the log is captured into the error. The URL holds tokens: only its
    privacy-masked form is ever shown."""
    import apprise

    service = apprise.Apprise.instantiate(url)
    if service is None:
        raise DeliveryError(f"apprise cannot use the URL of scheme {url.split('://')[0]}://")
    shown = _masked(service.url(privacy=True))
    service.socket_read_timeout = service.socket_connect_timeout = timeout.total_seconds()
    body = msg.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        ok = service.notify(
            body=text, title=str(msg["Subject"]), body_format=apprise.NotifyFormat.TEXT
        )
    if not ok:
        lines = [ln.strip() for ln in captured.getvalue().splitlines() if ln.strip()]
        why = _scrub(lines[-1], url) if lines else "no reason given"
        raise DeliveryError(f"apprise {shown} did not accept the notification: {why}")
    return Delivery(f"apprise {shown}", {})


def write_outbox(msg: EmailMessage, outbox: Path) -> Path:
    """Write atomically: a reader (or a crash) never sees half a file."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    ident = str(msg["Message-ID"]).strip("<>").split("@")[0][-12:]
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        target = outbox / f"digest-{stamp}-{ident}.eml"
        fd, tmp = tempfile.mkstemp(dir=outbox, prefix=".digest-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(msg.as_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise DeliveryError(f"cannot write the digest to the outbox {outbox}: {exc}") from exc
    return target


def send_smtp(msg: EmailMessage, smtp: SmtpConfig) -> Delivery:
    where = f"{smtp.host}:{smtp.port}"
    if smtp.username and not smtp.password:
        raise DeliveryError(
            f"smtp.username is set but $MONITOR_SMTP_PASSWORD is empty; set it "
            f"in the daemon's environment to log in to {where}"
        )
    try:
        client: smtplib.SMTP
        if smtp.security == Security.SSL:
            client = smtplib.SMTP_SSL(
                smtp.host,
                smtp.port,
                timeout=smtp.timeout.total_seconds(),
                context=ssl.create_default_context(cafile=smtp.ca_file),
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout.total_seconds())
        with client:
            if smtp.security == Security.STARTTLS:
                client.starttls(context=ssl.create_default_context(cafile=smtp.ca_file))
            if smtp.username:
                client.login(smtp.username, smtp.password or "")
            refused = client.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"SMTP {where} refused every recipient: {_codes(exc.recipients)}"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise DeliveryError(f"SMTP {where} answered {exc.smtp_code} {text}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {where}: {type(exc).__name__}: {exc}") from exc
    if refused:
        log.warning("smtp refused some recipients host=%s refused=%s", where, _codes(refused))
    return Delivery(f"smtp://{where}", {k: str(v) for k, v in refused.items()})


def _codes(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{addr}: {code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items()
    )


def _masked(privacy_url: str) -> str:
    """scheme://host/... : apprise masks the tokens it knows, but a webhook's path (and any
    query) may hold one too."""
    head, _, rest = privacy_url.split("?", 1)[0].partition("://")
    netloc, slash, path = rest.partition("/")
    return f"{head}://{netloc}" + ("/..." if slash and path.strip("/") else "")


def _scrub(text: str, url: str) -> str:
    """Remove the URL's path segments and credentials from a message that may quote it."""
    rest = url.split("://", 1)[-1]
    for part in re.split(r"[/?&=@:]", rest):
        if len(part) >= 4:
            text = text.replace(part, "...")
    return text
