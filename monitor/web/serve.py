"""Run the web view under uvicorn on a read-only store."""

from __future__ import annotations

import click

from monitor.config import Config
from monitor.web.app import LOOPBACK_HOSTS, create_app


def serve(config: Config, host: str, port: int) -> None:
    import uvicorn

    from monitor.storeconfig import open_reader

    engine = open_reader(config)
    # Bound to loopback, only loopback names are answered (DNS rebinding); bound wider,
    # the operator chose who may connect.
    loopback = host in ("127.0.0.1", "localhost", "::1")
    app = create_app(config, engine, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"monitor web: http://{shown}:{port}/ (read-only; Ctrl-C stops it)", err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        engine.dispose()
