"""gunicorn's side of "no personal data or tokens in logs": its access log goes through the same
redaction as our own log lines (links in emails carry signed tokens valid for months), and its
responses do not announce the server software."""

from gunicorn.glogging import Logger
from gunicorn.http import wsgi

from .logging import redact


class RedactingLogger(Logger):
    """The access log line is built as gunicorn builds it, then redacted as a whole, so every
    part that can hold a token or an address (request line, path, query, referrer, headers)
    is covered whatever `access_log_format` says."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        try:
            self.access_log.info(redact(self.cfg.access_log_format % atoms))
        except Exception:  # noqa: BLE001 - as gunicorn does: a log line never fails a response
            self.exception("access log line could not be written")


class QuietResponse(wsgi.Response):
    def default_headers(self):
        return [h for h in super().default_headers() if not h.startswith("Server:")]


def drop_server_header() -> None:
    # gunicorn has no setting for its Server header; its responses are made by this class.
    wsgi.Response = QuietResponse
