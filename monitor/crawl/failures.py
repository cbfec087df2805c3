"""A failed request, described the way a user can act on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from monitor.crawl.integrity import TruncatedResponse
from monitor.domain.schedule import parse_retry_after


def describe_failure(failure: Failure, size_option: str = "max_response_size") -> str:
    """'HTTP 404 Not Found', 'DNS lookup failed for example.org', ... with the error class;
    a body too large names ``size_option``, the [crawl] option that limits it."""
    exc: Any = failure.value
    request = getattr(failure, "request", None)
    url = getattr(request, "url", "")
    host = url.split("/")[2] if url.count("/") >= 2 else url
    if isinstance(exc, HttpError):
        resp = exc.response
        reason = ""
        try:
            from http import HTTPStatus

            reason = " " + HTTPStatus(resp.status).phrase
        except ValueError:
            pass
        return f"HttpError: HTTP {resp.status}{reason} from {resp.url}"
    if isinstance(exc, DNSLookupError | CannotResolveHostError):
        return f"DNSLookupError: cannot resolve {host} (no network, or a wrong host name)"
    if isinstance(exc, TimeoutError | TCPTimedOutError | DownloadTimeoutError):
        return f"TimeoutError: no answer from {host} in time ({exc})"
    if isinstance(exc, ConnectionRefusedError | DownloadConnectionRefusedError):
        return f"ConnectionRefusedError: {host} refused the connection"
    if isinstance(exc, ResponseNeverReceived | ConnectionLost | ResponseDataLossError):
        return f"ConnectionLost: the connection to {host} broke before a full answer"
    if isinstance(exc, DownloadCancelledError) and "max size" in str(exc):
        return (
            f"TooLarge: {exc}".split(" in request ")[0]
            + f" (raise [crawl] {size_option} if this is expected)"
        )
    if isinstance(exc, DownloadCancelledError):
        # Without a Content-Length, Scrapy cancels the download once the bytes received
        # pass DOWNLOAD_MAXSIZE, with an empty message (nothing else here cancels one).
        return (
            f"TooLarge: the body from {url} passed the size limit and the download was "
            f"stopped (raise [crawl] {size_option} if this is expected)"
        )
    if isinstance(exc, TruncatedResponse):
        return f"TruncatedResponse: {exc}"
    if isinstance(exc, IgnoreRequest) and "exceeded DOWNLOAD_MAXSIZE" in str(exc):
        return (
            f"TooLarge: the body from {url} grew past the size limit while being "
            f"decompressed (raise [crawl] {size_option} if this is expected)"
        )
    if isinstance(exc, IgnoreRequest):
        msg = str(exc) or "request dropped"
        if "robots" in msg.lower():
            return f"RobotsTxtForbidden: {url} is disallowed by the site's robots.txt"
        return f"IgnoreRequest: {msg}"
    return f"{type(exc).__name__}: {exc}"[:500]


def retry_after(failure: Failure) -> float | None:
    """Seconds from a 429/503 answer's Retry-After header (seconds or an HTTP date)."""
    exc: Any = failure.value
    if not isinstance(exc, HttpError) or exc.response.status not in (429, 503):
        return None
    value = exc.response.headers.get(b"Retry-After")
    if not value:
        return None
    return parse_retry_after(value.decode("latin-1"), datetime.now(UTC))


def is_gone(failure: Failure) -> bool:
    exc: Any = failure.value
    return isinstance(exc, HttpError) and exc.response.status == 410
