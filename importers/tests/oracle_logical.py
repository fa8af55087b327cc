#!/usr/bin/env python3
"""Independent oracle for the logical-execution figures of issue #13 (point 3, and the retry
success of point 5), from the raw Nextflow trace files under testdata/real.

Python standard library only (csv); no code shared with the Rust importer or analytics. Run
from the workspace root:
    python3 importers/tests/oracle_logical.py

Definitions, restated here from the Nextflow trace format and the issue, not from the product:
* One trace file is one workflow run; each data row is one attempt. The process is the `name`
  column without its " (tag)" suffix; the instance is the tag (the text inside the suffix's
  parentheses), else the whole `name`. A logical execution is (process, instance): the
  attempts of one process over one input.
* Attempt number: a row whose `name` was last seen on a FAILED row is that row's attempt + 1,
  any other row is attempt 1 (Nextflow retries a failed task under the same name).
* Times, in integer milliseconds: durations like "6m 48s", "16.2s", "757ms", "1h 2m 3s" sum
  their parts (units ms, s, m, h, d) and round to the millisecond; `submit` is UTC.
  `duration` runs from submit to completion and `realtime` from start to completion, so
  start = submit + (duration - realtime) when duration > realtime (else submit), and
  end = start + realtime (else submit + duration, not before start; else start).
* Per process: mean attempts = mean over its logical executions of their highest attempt;
  retried = logical executions with a highest attempt > 1; of those, the ones with a
  COMPLETED row eventually succeeded. Per-attempt retry success = COMPLETED rows among
  attempts > 1 over all rows with attempt > 1 (every row here finished).
* Recovery of a FAILED row: the gap from its end to the start of the earliest COMPLETED row of
  the same logical execution starting at or after that end; the mean over FAILED rows that
  have one. "any instance" is the same with any COMPLETED row of the process (the old rule).
* Observed makespan of the run: latest end minus earliest start over every row.
"""

import csv
import datetime
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "real", "nextflow")
UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
EPOCH = datetime.datetime(1970, 1, 1)


def millis(text):
    text = text.strip()
    if text in ("", "-"):
        return None
    parts = re.findall(r"([0-9.]+)\s*([a-z]+)", text)
    return round(sum(float(n) * UNITS[u] for n, u in parts))


def split(name):
    name = name.strip()
    at = name.find(" (")
    if at > 0 and name.endswith(")"):
        return name[:at], name[at + 2:-1]
    return name, name


def rows_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    last = {}
    out = []
    for r in rows:
        submit = datetime.datetime.strptime(r["submit"].strip(), "%Y-%m-%d %H:%M:%S.%f")
        submit_ms = (submit - EPOCH) // datetime.timedelta(milliseconds=1)
        duration, realtime = millis(r["duration"]), millis(r["realtime"])
        start = submit_ms + (duration - realtime) if duration is not None and realtime is not None and duration > realtime else submit_ms
        if realtime is not None:
            end = start + realtime
        elif duration is not None:
            end = max(submit_ms + duration, start)
        else:
            end = start
        prev = last.get(r["name"])
        attempt = prev[1] + 1 if prev is not None and prev[0] == "FAILED" else 1
        last[r["name"]] = (r["status"], attempt)
        process, instance = split(r["name"])
        out.append({"process": process, "instance": instance, "status": r["status"],
                    "attempt": attempt, "start": start, "end": end})
    return out


def per_process(rows, process):
    own = [r for r in rows if r["process"] == process]
    logical = {}
    for r in own:
        top, ok = logical.get(r["instance"], (0, False))
        logical[r["instance"]] = (max(top, r["attempt"]), ok or r["status"] == "COMPLETED")
    retried = [ok for top, ok in logical.values() if top > 1]
    later = [r for r in own if r["attempt"] > 1]

    def recovery(same_instance):
        gaps = []
        for f in own:
            if f["status"] != "FAILED":
                continue
            nexts = [c["start"] for c in own if c["status"] == "COMPLETED" and c["start"] >= f["end"]
                     and (not same_instance or c["instance"] == f["instance"])]
            if nexts:
                gaps.append(min(nexts) - f["end"])
        return len(gaps), sum(gaps)

    attempts = sum(top for top, _ in logical.values())
    return {
        "logical": len(logical),
        "attempts": attempts,
        "max": max(top for top, _ in logical.values()),
        "retried": len(retried),
        "retried_ok": sum(retried),
        "later_ok": sum(r["status"] == "COMPLETED" for r in later),
        "later": len(later),
        "recovery": recovery(True),
        "recovery_any": recovery(False),
    }


def main():
    print("file\tprocess\tlogical\tattempts (sum of highest)\tmax attempt\tretried\tretried that succeeded"
          "\tattempts>1 completed/all\trecovered failures, total gap ms (same instance)"
          "\t(any instance)")
    for name in ("openproblems-trace-2021-03-04.txt", "openproblems-trace-2022-05-13.txt"):
        rows = rows_of(os.path.join(ROOT, name))
        for process in sorted({r["process"] for r in rows if r["status"] == "FAILED"}):
            p = per_process(rows, process)
            print(f"{name}\t{process}\t{p['logical']}\t{p['attempts']}\t{p['max']}\t{p['retried']}\t{p['retried_ok']}"
                  f"\t{p['later_ok']}/{p['later']}\t{p['recovery'][0]}, {p['recovery'][1]}"
                  f"\t{p['recovery_any'][0]}, {p['recovery_any'][1]}")
    print()
    print("file\tobserved makespan ms (latest end - earliest start, every row)")
    for name in ("openproblems-trace-2021-03-04.txt", "openproblems-trace-2022-05-13.txt"):
        rows = rows_of(os.path.join(ROOT, name))
        print(f"{name}\t{max(r['end'] for r in rows) - min(r['start'] for r in rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
