"""One line per event on stdout, with personal data and tokens removed before anything is written."""

import logging
import re

# Also percent-encoded, as it arrives in a query string (%40 for @).
EMAIL = re.compile(r"[\w.+%-]+(@|%40)[\w-]+(\.[\w-]+)+")
# Signed tokens and keys in URLs: long runs of URL-safe characters (possibly with ':'
# separators) that mix letters and digits, unlike the names of code.
TOKEN = re.compile(r"(?<![\w%])(?=[\w\-:%]*\d)(?=[\w\-:%]*[A-Za-z])[\w\-:%]{24,}(?![\w%])")
SECRET_QUERY = re.compile(r"(?i)\b(token|key|code|signature|password|email)=[^&\s\"]+")


def redact(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = SECRET_QUERY.sub(lambda m: f"{m.group(1)}=[redacted]", text)
    return TOKEN.sub("[token]", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class OneLineFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        # Tracebacks are folded onto the event's line so one event stays one line.
        return redact(line).replace("\n", " ⏎ ")
