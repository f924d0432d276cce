"""Print the web benchmark's table from the results bench/run_web.sh collected.

Input: one line per target, tab-separated: group, label, url, and wrk's `BENCH key=value ...` line
(see bench/report.lua). Groups:
  bare      the bare Django view (/healthz) on the full stack: the baseline for origin pages
  nolookup  the same view with the page cache's Redis look-ups skipped (information only)
  origin    pages from gunicorn, served from the origin page cache in Redis
  cached    pages through nginx's proxy_cache (a stand-in for a CDN)
  static    a file nginx serves from disk: the baseline for cached pages

Exit status: 0 when every aim is met, 1 when an aim is missed, 2 when requests failed.
"""

import sys
from pathlib import Path

# group -> (baseline group, aim, the pages the aim applies to; None for all of them)
AIMS = {
    "origin": ("bare", 0.5, {"/"}),  # the home page from the origin >= 0.5x the bare view
    "cached": ("static", 0.8, None),  # every page through the HTTP cache >= 0.8x the static file
}
BASELINES = {"bare": "bare view", "static": "static file"}
ALSO_COMPARE = {"origin": ("nolookup", "no-lookup view")}
NOISY = 10  # per cent of the CPUs used by other work during a measurement


def parse(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        group, label, url, bench = line.split("\t")
        fields = dict(item.split("=", 1) for item in bench.split()[1:])
        rows.append(
            {
                "group": group,
                "label": label,
                "path": "/" + url.split("/", 3)[3],
                "rps": float(fields["rps"]),
                "p50": float(fields["p50_ms"]),
                "p99": float(fields["p99_ms"]),
                "size": int(fields["bytes_per_req"]),
                "errors": int(fields["non2xx3xx"]) + int(fields["socket_errors"]),
                "other": int(fields.get("other_cpu_pct", 0)),
                "cpu": int(fields.get("server_cpu_ns", 0)) / 1000,
            }
        )
    return rows


def ratio(rows_by_group: dict, row: dict, group: str) -> float | None:
    base = rows_by_group.get(group)
    return row["rps"] / base["rps"] if base and base["rps"] else None


def cpu_ratio(rows_by_group: dict, row: dict, group: str) -> float | None:
    """How the row compares with the baseline by the servers' CPU time per request."""
    base = rows_by_group.get(group)
    return base["cpu"] / row["cpu"] if base and base["cpu"] and row["cpu"] else None


def main(argv: list[str]) -> int:
    rows = parse(Path(argv[1]))
    by_group = {row["group"]: row for row in rows if row["group"] in (*BASELINES, "nolookup")}
    missed = failed = False
    out = [
        f"{'target':<40} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'bytes':>6} {'errors':>6}"
        f" {'srv us':>6} {'other':>5}"
        "  ratio (aim)",
        "-" * 132,
    ]
    for row in rows:
        note = ""
        if row["group"] in AIMS:
            base_group, aim, pages = AIMS[row["group"]]
            value = ratio(by_group, row, base_group)
            note = f"{value:.2f}x {BASELINES[base_group]}" if value is not None else "no baseline"
            if pages is None or row["path"] in pages:
                met = value is not None and value >= aim
                missed |= not met
                note += f" (aim >= {aim}x: {'met' if met else 'MISSED'})"
            by_cpu = cpu_ratio(by_group, row, base_group)
            if by_cpu is not None:
                note += f", {by_cpu:.2f}x by CPU"
            if row["group"] in ALSO_COMPARE:
                other_group, other_name = ALSO_COMPARE[row["group"]]
                other = ratio(by_group, row, other_group)
                if other is not None:
                    note += f"; {other:.2f}x {other_name}"
        elif row["group"] in BASELINES:
            note = "baseline"
        elif row["group"] == "nolookup":
            note = "information only"
        failed |= row["errors"] > 0
        out.append(
            f"{row['label']:<40} {row['rps']:>8.0f} {row['p50']:>7.2f} {row['p99']:>7.2f}"
            f" {row['size']:>6} {row['errors']:>6} {row['cpu']:>6.1f} {row['other']:>4}%  {note}"
        )
    out.append("-" * 132)
    out.append(
        "aims: home page from the origin >= 0.5x the bare view; "
        "pages through the HTTP cache >= 0.8x the static file"
    )
    out.append(
        "srv us: CPU time the servers (gunicorn, nginx, Redis) spent per request, in microseconds;"
        " 'by CPU' compares these, which other work moves much less"
    )
    out.append(
        "other: share of the CPUs used by other work during the measurement; "
        f"over {NOISY}% the figures are disturbed: run again on a quiet machine (BENCH_RETRIES=2)"
    )
    noisy = [row["label"] for row in rows if row["other"] > NOISY]
    if noisy:
        out.append("NOISY: " + ", ".join(noisy))
    verdict = "all aims met" if not missed else "aims MISSED"
    out.append(f"result: {verdict}" + ("; some requests FAILED" if failed else ""))
    print("\n".join(out))
    return 2 if failed else 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
