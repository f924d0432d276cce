"""Print the employers benchmark's table from the results bench/run_employers.sh collected.

Input: one line per target, tab-separated: group, label, and a `BENCH key=value ...` line (from
bench/measure.sh: wrk's figures with the CPU time per request of the app, PostgreSQL and Redis;
or from bench/employers_bench.py sweep). Groups:
  bare              the bare Django view (/healthz): the baseline
  cached:<page>     a page served from the origin page cache (X-Cache: HIT)
  uncached:<page>   the same page rendered for every request (PAGE_CACHE_SECONDS=0), with the
                    SQL queries one request makes (queries=N)
  sweep             employers.services.schedule.send_due_events over the due employers
Pages: first (the listing's page one), filtered (sector and district), keyset (a page half-way
down, ?after=<pk>), employer (one employer's public page).

Exit status: 0 when every aim is met, 1 when an aim is missed, 2 when something failed.
"""

import sys
from pathlib import Path

CACHED_RATIO = 0.5  # aim: pages from the origin page cache >= 0.5x the bare view's req/s
SWEEP_SECONDS = 10  # aim: the sweep over 10,000 due employers in under 10 s
NOISY = 10  # per cent of the CPUs used by other work during a measurement
WIDTH = 156


def parse(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        group, label, bench = line.split("\t")
        fields = dict(item.split("=", 1) for item in bench.split()[1:] if "=" in item)
        rows.append({"group": group, "label": label, **fields})
    return rows


def num(row: dict, key: str) -> float:
    try:
        return float(row.get(key, 0))
    except ValueError:
        return 0.0


def cpu_us(row: dict) -> float:
    """CPU time per request (or employer) of the app, PostgreSQL and Redis, in microseconds."""
    return sum(num(row, key) for key in ("app_us", "db_us", "redis_us"))


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main(argv: list[str]) -> int:
    rows = parse(Path(argv[1]))
    bare = next((row for row in rows if row["group"] == "bare"), {})
    bare_rps, bare_cpu = num(bare, "rps"), cpu_us(bare)
    missed = failed = False
    out = [
        f"{'target':<44} {'rate':>7} {'':<7} {'CPU us':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'errors':>6} {'app us':>7} {'db us':>6} {'rds us':>6} {'other':>5} {'SQL':>4}"
        "  ratio (aim)",
        "-" * WIDTH,
    ]

    def add(row, rate, unit, p50="", p99="", errors="", queries="", note=""):
        other = row.get("other_cpu_pct", "")
        out.append(
            f"{row['label']:<44} {rate:>7} {unit:<7} {cpu_us(row):>7.0f} {p50:>7} {p99:>7}"
            f" {errors:>6} {row.get('app_us', ''):>7} {row.get('db_us', ''):>6}"
            f" {row.get('redis_us', ''):>6} {other + '%' if other else '':>5} {queries:>4}"
            f"  {note}"
        )

    sweep = None
    for row in rows:
        group = row["group"]
        if group == "sweep":
            sweep = row
            seconds = num(row, "seconds")
            met = 0 < seconds < SWEEP_SECONDS
            missed |= not met
            failed |= row.get("problems", "''") != "''"
            note = (
                f"{int(num(row, 'handled')):,} employers in {seconds:.2f} s "
                f"(aim < {SWEEP_SECONDS} s: {verdict(met)})"
            )
            add(row, f"{num(row, 'per_second'):.0f}", "empl./s", note=note)
            continue
        rps = num(row, "rps")
        errors = int(num(row, "non2xx3xx") + num(row, "socket_errors"))
        failed |= errors > 0
        if group == "bare":
            note = "baseline"
        elif group.startswith("cached:"):
            ratio = rps / bare_rps if bare_rps else 0
            met = ratio >= CACHED_RATIO
            missed |= not met
            note = f"{ratio:.2f}x bare view (aim >= {CACHED_RATIO}x: {verdict(met)})"
            if bare_cpu and cpu_us(row):
                note += f", {bare_cpu / cpu_us(row):.2f}x by CPU"
        else:
            note = f"{rps / bare_rps:.2f}x bare view" if bare_rps else ""
            if bare_cpu and cpu_us(row):
                note += f"; {cpu_us(row) / bare_cpu:.1f}x the bare view's CPU"
        add(
            row,
            f"{rps:.0f}",
            "req/s",
            f"{num(row, 'p50_ms'):.1f}",
            f"{num(row, 'p99_ms'):.1f}",
            str(errors),
            row.get("queries", ""),
            note,
        )
    out.append("-" * WIDTH)
    if sweep is not None:
        problems = sweep.get("problems", "''").strip("'")
        out.append(
            f"sweep: {sweep.get('due')} due ({sweep.get('events', '').replace(',', ', ')}); "
            f"{sweep.get('handled')} handled, {sweep.get('lapsed')} lapsed; "
            f"{sweep.get('outbox_rows')} emails queued, each key once; "
            f"{sweep.get('emails_handed_over')} handed to the worker in "
            f"{sweep.get('tasks_published')} tasks; a second sweep found nothing; batches of "
            f"{sweep.get('batch_size')}; {sweep.get('sql_queries')} SQL statements and "
            f"{sweep.get('redis_commands')} Redis commands (the whole Redis server)"
            + (f"; PROBLEMS: {problems}" if problems else "")
        )
    out.append(
        f"aims: pages from the origin page cache >= {CACHED_RATIO}x the bare view's req/s; "
        f"the sweep of the due employers < {SWEEP_SECONDS} s; uncached pages: CPU and SQL "
        "queries per request, for information"
    )
    out.append(
        "CPU us: CPU time per request (or employer swept) of the app processes (gunicorn and "
        "its workers, or the sweep's process), of the PostgreSQL backends serving the bench "
        "database and of Redis (app/db/rds us), from /proc; 'by CPU' compares the sums, which "
        "other work moves much less than req/s; SQL: queries one request makes (test client, "
        "same settings, warm process)"
    )
    noisy = [row["label"] for row in rows if num(row, "other_cpu_pct") > NOISY]
    out.append(
        f"other: share of the CPUs used by other work meanwhile; over {NOISY}% the figures are "
        "low and noisy" + (": NOISY: " + ", ".join(noisy) if noisy else "")
    )
    result = "all aims met" if not missed else "aims MISSED"
    out.append(f"result: {result}" + ("; something FAILED" if failed else ""))
    print("\n".join(out))
    return 2 if failed else 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
