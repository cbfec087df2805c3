"""A failed request, described the way a user can act on it."""

from __future__ import annotations

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


def describe_failure(failure: Failure) -> str:
    """'HTTP 404 Not Found', 'DNS lookup failed for example.org', ... with the error class."""
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
            + " (raise [crawl] max_response_size if this is expected)"
        )
    if isinstance(exc, IgnoreRequest):
        msg = str(exc) or "request dropped"
        if "robots" in msg.lower():
            return f"RobotsTxtForbidden: {url} is disallowed by the site's robots.txt"
        return f"IgnoreRequest: {msg}"
    return f"{type(exc).__name__}: {exc}"[:500]
