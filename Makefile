.PHONY: run test lint format lock bench bench-pledges bench-wall bench-employers bench-emails

run:  ## Set up and run the site, worker and beat on embedded defaults
	scripts/run

test:  ## Set up and run the whole test suite (lint included) on PostgreSQL and Redis
	scripts/test

lint:  ## ruff, the import contract (lint-imports), mypy and djhtml, as scripts/test runs them
	scripts/lint

format:  ## Fix what ruff can, format the Python code, indent the templates
	.venv/bin/ruff check --fix . && .venv/bin/ruff format . && .venv/bin/djhtml --tabwidth 4 templates/

lock:  ## Re-resolve the lock files from pyproject.toml
	.venv/bin/pip install --quiet uv
	.venv/bin/uv pip compile --quiet pyproject.toml -o requirements.lock
	.venv/bin/uv pip compile --quiet pyproject.toml --extra dev -o requirements-dev.lock

bench:  ## The benchmarks: the web stack, pledges, the uncached wall, employers, then emails (see bench/README.md)
	bench/run_web.sh
	bench/run_pledges.sh
	bench/run_wall.sh
	bench/run_employers.sh
	bench/run_emails.sh

bench-pledges:  ## Pledge submissions, the wall from the page cache, the reminder sweep
	bench/run_pledges.sh

bench-wall:  ## The pledge wall without the page cache, at 10,000 and 1,000,000 pledges
	bench/run_wall.sh

bench-employers:  ## The employers listing and an employer's page, cached and not, and the check-in/renewal sweep
	bench/run_employers.sh

bench-emails:  ## Emails at full speed, 100,000 reminders at a provider rate, and a low rate kept
	bench/run_emails.sh
