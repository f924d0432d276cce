import io
import logging

from core.logging import OneLineFormatter, RedactPersonalDataFilter, redact


def test_redact_removes_emails_tokens_and_secret_parameters():
    line = (
        "POST /pledges/confirm/MQ:1vN2xY:abcDEF123ghiJKL456mnoPQR/ for jo.bloggs+x@example.org "
        "?token=abc&page=2 task=wagtail.tasks.update_reference_index_task"
    )
    cleaned = redact(line)
    assert "jo.bloggs" not in cleaned
    assert "abcDEF123" not in cleaned
    assert "token=[redacted]" in cleaned
    assert "page=2" in cleaned
    # Names of code are not mistaken for tokens.
    assert "update_reference_index_task" in cleaned


def test_log_lines_are_single_lines_without_personal_data():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter())
    handler.addFilter(RedactPersonalDataFilter())
    logger = logging.getLogger("tests.logging")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError("bad address someone@example.org")
        except ValueError:
            logger.exception("failed for %s", "someone@example.org")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert output.count("\n") == 1
    assert "someone@example.org" not in output
    assert "[email]" in output
