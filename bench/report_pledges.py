"""Print the pledges benchmark's table from the results bench/run_pledges.sh collected.

Input: one line per target, tab-separated: group, label, and a `BENCH key=value ...` line (from
bench/report.lua, bench/pledge_post.lua or bench/pledges_bench.py). Groups:
  bare    the bare Django view (/healthz): the baseline for the web rows
  post    pledge form POSTs (wrk); `check` is the count of what they stored
  wall    the pledge wall from the origin page cache
  sweep   pledges.services.reminders.send_due_reminders over the due pledges

Every row gives its rate beside the CPU time per item (request, pledge or reminder) of the app,
PostgreSQL and Redis, and their sum.

Exit status: 0 when every aim is met, 1 when an aim is missed, 2 when something failed.
"""

import os
import sys
from pathlib import Path

PLEDGES_PER_SECOND = 200
PLEDGE_P99_MS = 250
WALL_RATIO = 0.5
SWEEP_SECONDS = 60
NOISY = 10  # per cent of the CPUs used by other work during a measurement


def parse(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        group, label, bench = line.split("\t")
        fields = dict(item.split("=", 1) for item in bench.split()[1:] if "=" in item)
        rows.append({"group": group, "label": label, **fields})
    return rows


def num(row: dict, key: str, default: float = 0.0) -> float:
    try:
        return float(row.get(key, default))
    except ValueError:
        return default


def cpu_us(row: dict) -> float:
    """CPU time per request of the whole stack (app, PostgreSQL, Redis), in microseconds."""
    return sum(num(row, key) for key in ("app_us", "db_us", "redis_us"))


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main(argv: list[str]) -> int:
    rows = parse(Path(argv[1]))
    by_group = {row["group"]: row for row in rows}
    bare = num(by_group.get("bare", {}), "rps")
    bare_cpu = cpu_us(by_group.get("bare", {}))
    cores = os.cpu_count() or 1
    missed = failed = False
    lines = []
    checks = []

    def add(row, rate, unit, per, p50="", p99="", errors="", note=""):
        cpu = [row.get(k, "") for k in ("app_us", "db_us", "redis_us")]
        other = row.get("other_cpu_pct", "")
        lines.append(
            f"{row['label']:<40} {rate:>7} {unit:<9} {cpu_us(row):>7.0f} {per:<9}"
            f" {p50:>7} {p99:>7} {errors:>6} {cpu[0]:>7} {cpu[1]:>6} {cpu[2]:>6}"
            f" {other + '%' if other else '':>5}  {note}"
        )

    for row in rows:
        group = row["group"]
        if group == "check":
            checks.append(row)
            continue
        if group in ("bare", "post", "wall"):
            rps = num(row, "rps")
            errors = int(num(row, "non2xx3xx") + num(row, "socket_errors"))
            if group == "post":
                errors += int(num(row, "status_other"))
            failed |= errors > 0
            note = ""
            if group == "bare":
                note = "baseline"
            elif group == "post":
                p99 = num(row, "p99_ms")
                met = rps >= PLEDGES_PER_SECOND and p99 < PLEDGE_P99_MS
                missed |= not met
                note = (
                    f"aim >= {PLEDGES_PER_SECOND}/s with p99 < {PLEDGE_P99_MS} ms: {verdict(met)}"
                )
                if cpu_us(row):
                    # What the CPU time per pledge allows on this machine with nothing else on it.
                    note += f"; CPU-bound ceiling ~{cores * 1e6 / cpu_us(row):.0f}/s"
            else:
                ratio = rps / bare if bare else 0
                met = ratio >= WALL_RATIO
                missed |= not met
                note = f"{ratio:.2f}x bare view (aim >= {WALL_RATIO}x: {verdict(met)})"
                if bare_cpu and cpu_us(row):
                    note += f", {bare_cpu / cpu_us(row):.2f}x by CPU"
            add(
                row,
                f"{rps:.0f}",
                "pledges/s" if group == "post" else "req/s",
                "us/pledge" if group == "post" else "us/req",
                f"{num(row, 'p50_ms'):.1f}",
                f"{num(row, 'p99_ms'):.1f}",
                str(errors),
                note,
            )
        elif group == "sweep":
            seconds = num(row, "seconds")
            met = 0 < seconds < SWEEP_SECONDS
            missed |= not met
            failed |= row.get("problems", "''") != "''"
            note = (
                f"{int(num(row, 'queued')):,} reminders in {seconds:.1f} s "
                f"(aim < {SWEEP_SECONDS} s: {verdict(met)}); {row.get('tasks_published')} tasks"
            )
            add(row, f"{num(row, 'per_second'):.0f}", "remind./s", "us/remind", note=note)

    header = (
        f"{'target':<40} {'rate':>7} {'':<9} {'CPU':>7} {'':<9} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'errors':>6} {'app us':>7} {'db us':>6} {'rds us':>6} {'other':>5}  ratio (aim)"
    )
    out = [header, "-" * 150, *lines, "-" * 150]
    for row in checks:
        lost = int(num(row, "redirects")) > int(num(row, "stored"))
        failed |= lost or int(num(row, "no_outbox")) > 0 or int(num(row, "wrong_consents")) > 0
        out.append(
            f"pledges: {row['redirects']} redirects (+{row['in_flight']} in flight when wrk "
            f"stopped), {row['stored']} stored, {'SOME LOST' if lost else 'none lost'}; "
            f"{row['no_outbox']} without an outbox row, {row['wrong_consents']} without their "
            f"consents; {row['published']} emails handed to the worker in {row.get('tasks', '?')} "
            "tasks (the relay batches them)"
        )
    out.append(
        f"aims: >= {PLEDGES_PER_SECOND} pledges/s with p99 < {PLEDGE_P99_MS} ms; wall >= "
        f"{WALL_RATIO}x the bare view; sweep of the due reminders < {SWEEP_SECONDS} s"
    )
    out.append(
        "CPU: CPU time per request, pledge or reminder of the whole stack, in microseconds: the "
        "app processes (gunicorn, or the sweep's process), PostgreSQL and Redis, shown apart as "
        "app/db/rds us; 'by CPU' compares the sums, which other work moves much less than req/s"
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
