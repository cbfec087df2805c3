"""The digest: build (pure), render (Jinja2 text + HTML), send (SMTP or outbox), job."""
