.PHONY: run test lint format lock bench bench-pledges bench-emails

run:  ## Set up and run the site, worker and beat on embedded defaults
	scripts/run

test:  ## Set up and run the whole test suite (lint included) on PostgreSQL and Redis
	scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

lock:  ## Re-resolve the lock files from pyproject.toml
	.venv/bin/pip install --quiet uv
	.venv/bin/uv pip compile --quiet pyproject.toml -o requirements.lock
	.venv/bin/uv pip compile --quiet pyproject.toml --extra dev -o requirements-dev.lock

bench:  ## Both benchmarks: the web stack, then pledges (see bench/README.md)
	bench/run_web.sh
	bench/run_pledges.sh

bench-pledges:  ## Pledge submissions, the wall, the reminder sweep and emails
	bench/run_pledges.sh

bench-emails:  ## Emails at full speed, 100,000 reminders at a provider rate, and a low rate kept
	bench/run_emails.sh
