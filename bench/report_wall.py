"""Print the wall benchmark's table from the results bench/run_wall.sh collected.

Input: one line per target, tab-separated: group, label, and the `BENCH key=value ...` line of
bench/measure.sh (wrk's figures with the CPU time per request of the app, PostgreSQL and Redis).
Groups:
  bare                    the bare Django view (/healthz): the baseline
  wall:<size>:first       the wall's first page, rendered (no page cache), with <size> pledges
  wall:<size>:deep        a page half-way down the wall (keyset: ?before=<cursor>)
  wall:<size>:filtered    one area's organisations (?area=<id>&kind=organisation)

Exit status: 0 when every aim is met, 1 when an aim is missed, 2 when requests failed.
"""

import sys
from pathlib import Path

APP_MS = 10  # aim: app CPU per uncached wall page, at every size
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


def num(row: dict, key: str) -> float:
    try:
        return float(row.get(key, 0))
    except ValueError:
        return 0.0


def ms(row: dict, key: str) -> float:
    return num(row, key) / 1000


def main(argv: list[str]) -> int:
    rows = parse(Path(argv[1]))
    bare = next((row for row in rows if row["group"] == "bare"), {})
    bare_cpu = sum(ms(bare, key) for key in ("app_us", "db_us", "redis_us"))
    missed = failed = False
    out = [
        f"{'target':<40} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
        f" {'app ms':>7} {'db ms':>6} {'rds ms':>6} {'other':>5}  aim / ratio",
        "-" * 130,
    ]
    for row in rows:
        errors = int(num(row, "non2xx3xx") + num(row, "socket_errors"))
        failed |= errors > 0
        app = ms(row, "app_us")
        cpu = app + ms(row, "db_us") + ms(row, "redis_us")
        if row["group"] == "bare":
            note = "baseline"
        else:
            met = 0 < app < APP_MS
            missed |= not met
            note = f"app < {APP_MS} ms: {'met' if met else 'MISSED'}"
            if bare_cpu and cpu:
                note += f"; {cpu / bare_cpu:.1f}x the bare view's CPU"
        out.append(
            f"{row['label']:<40} {num(row, 'rps'):>7.0f} {num(row, 'p50_ms'):>7.1f}"
            f" {num(row, 'p99_ms'):>7.1f} {errors:>6} {app:>7.2f} {ms(row, 'db_us'):>6.2f}"
            f" {ms(row, 'redis_us'):>6.2f} {row.get('other_cpu_pct', '?'):>4}%  {note}"
        )
    out.append("-" * 130)
    out.append(
        f"aim: under {APP_MS} ms of app CPU per wall page rendered without the page cache, "
        "at every size (page one, far down, filtered)"
    )
    out.append(
        "app/db/rds ms: CPU time per request of gunicorn and its workers, of the PostgreSQL "
        "backends serving the bench database and of Redis, in milliseconds, read from /proc"
    )
    noisy = [row["label"] for row in rows if num(row, "other_cpu_pct") > NOISY]
    out.append(
        f"other: share of the CPUs used by other work meanwhile; over {NOISY}% the figures are "
        "disturbed (CPU per request less than req/s)"
        + (": NOISY: " + ", ".join(noisy) if noisy else "")
    )
    verdict = "all aims met" if not missed else "aims MISSED"
    out.append(f"result: {verdict}" + ("; some requests FAILED" if failed else ""))
    print("\n".join(out))
    return 2 if failed else 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
