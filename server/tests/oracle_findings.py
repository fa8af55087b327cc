#!/usr/bin/env python3
"""Independent oracle for the figures asserted in server/tests/real_findings.rs (issue #13,
points 4 and 5): escalating retries after out-of-memory kills, queue times and data extents of
the real Nextflow traces under testdata/real/nextflow.

Reads the raw trace files with the Python standard library only (csv, datetime, statistics) --
no code shared with the Rust importer or analytics -- restating the documented rules:

* A row's process is `name` without its " (tag)" suffix; its instance is the tag (the whole name
  identifies the instance within the run). A row is a retry when the most recent earlier row
  with the same `name` has status FAILED (importers/src/nextflow.rs).
* Sizes are 1024-based ("7.2 GB" = 7.2 * 1024**3 bytes); memory peak MB = peak_rss / 1048576.
  Durations are "1h 2m 3s", "13.9s", "757ms" and so on.
* start = submit + (duration - realtime) when both are known and duration > realtime, else
  submit; queuedMs = start - submit (0 in the second case).
* Escalating retries (analytics/src/resources.rs, memory_escalation): an instance counts when
  a row before its last one FAILED with exit 137; succeeded = its last row COMPLETED; the peak
  p50 is the linear-interpolation median (numpy's default) of the succeeded rows' peaks.
* Data extent of a process: its first and last row start.
* For the record, the leak test as it was (every row of a process, one run): which processes it
  flagged at 1 % and at how many MB/day.

Run from the workspace root:
    python3 server/tests/oracle_findings.py
"""

import csv
import datetime
import math
import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "real", "nextflow")
UNITS = {"ms": 1, "s": 1000, "m": 60000, "min": 60000, "h": 3600000, "d": 86400000}
SIZES = {"": 0, "B": 0, "KB": 1, "MB": 2, "GB": 3, "TB": 4}


def duration_ms(s):
    if s in ("", "-"):
        return None
    total = 0.0
    for number, unit in re.findall(r"([\d.]+)\s*([a-z]+)", s):
        total += float(number) * UNITS[unit]
    return round(total)


def size_mb(s):
    if s in ("", "-"):
        return None
    m = re.fullmatch(r"([\d.]+)\s*([A-Za-z]*)", s)
    return round(float(m.group(1)) * 1024 ** SIZES[m.group(2).upper()]) / 1048576


def median(values):
    v = sorted(values)
    if not v:
        return None
    mid = (len(v) - 1) / 2
    lo, hi = int(mid), min(int(mid) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (mid - lo)


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        out = []
        last_status = {}
        for r in csv.DictReader(f, delimiter="\t"):
            submit = datetime.datetime.strptime(r["submit"], "%Y-%m-%d %H:%M:%S.%f")
            d, rt = duration_ms(r["duration"]), duration_ms(r["realtime"])
            queued = d - rt if d is not None and rt is not None and d > rt else 0
            m = re.fullmatch(r"(.*?) \((.*)\)", r["name"])
            out.append(
                {
                    "name": r["name"],
                    "process": m.group(1) if m else r["name"],
                    "status": r["status"],
                    "exit": r["exit"],
                    "start": submit + datetime.timedelta(milliseconds=queued),
                    "queued": queued,
                    "peak": size_mb(r["peak_rss"]),
                    "retry": last_status.get(r["name"]) == "FAILED",
                }
            )
            last_status[r["name"]] = r["status"]
        return out


def escalations(rs, process):
    by_name = {}
    for r in rs:
        if r["process"] == process:
            by_name.setdefault(r["name"], []).append(r)
    chains = [v for v in by_name.values() if any(a["status"] == "FAILED" and a["exit"] == "137" for a in v[:-1])]
    ok = [v[-1] for v in chains if v[-1]["status"] == "COMPLETED"]
    peaks = [a["peak"] for a in ok if a["peak"] is not None]
    return {
        "instances": len(chains),
        "succeeded": len(ok),
        "oom_attempts": sum(1 for v in chains for a in v if a["status"] == "FAILED" and a["exit"] == "137"),
        "succeeded_peak_p50_mb": median(peaks),
        "succeeded_peak_max_mb": max(peaks) if peaks else None,
        "first_attempt_peaks": [v[0]["peak"] for v in chains if v[0]["peak"] is not None],
    }


def naive_leak(rs, process):
    """The test as it was before issue #13: Mann-Kendall (no tie correction; no ties here in
    time) with Sen's slope over every row's (start in days, peak MB) of one process, whatever its
    run or attempt. Returns (p, MB/day) when it reads as a leak at 1 %."""
    pts = sorted((r["start"].timestamp() / 86400, r["peak"]) for r in rs if r["process"] == process and r["peak"] is not None)
    n = len(pts)
    if n < 3:
        return None
    sgn = lambda x: (x > 0) - (x < 0)
    s = sum(sgn(pts[j][0] - pts[i][0]) * sgn(pts[j][1] - pts[i][1]) for i in range(n) for j in range(i + 1, n))
    slopes = [(pts[j][1] - pts[i][1]) / (pts[j][0] - pts[i][0]) for i in range(n) for j in range(i + 1, n) if pts[j][0] != pts[i][0]]
    z = (s - sgn(s)) / math.sqrt(n * (n - 1) * (2 * n + 5) / 18)
    p = math.erfc(abs(z) / math.sqrt(2))
    return (p, median(slopes)) if p < 0.01 and s > 0 else None


def main():
    for file in ["openproblems-trace-2021-03-04.txt", "openproblems-trace-2022-05-13.txt", "chipseq-trace-2021-02-17.txt"]:
        rs = rows(os.path.join(ROOT, file))
        print(f"== {file}")
        for process in sorted({r["process"] for r in rs}):
            e = escalations(rs, process)
            mine = [r for r in rs if r["process"] == process]
            starts = [r["start"] for r in mine]
            queued = sum(r["queued"] for r in mine) / len(mine)
            line = f"{process}: rows {len(mine)}, first start {min(starts).isoformat(timespec='milliseconds')}Z, last start {max(starts).isoformat(timespec='milliseconds')}Z, mean queuedMs {queued:.3f}"
            if e["instances"]:
                line += f"; escalations {e}"
            leak = naive_leak(rs, process)
            if leak:
                line += f"; the pre-#13 leak test flagged it: p {leak[0]:.2g}, {leak[1]:.0f} MB/day"
            print(line)


if __name__ == "__main__":
    main()
