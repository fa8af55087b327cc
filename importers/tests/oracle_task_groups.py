#!/usr/bin/env python3
"""Independent oracle for the task groups asserted in server/tests/task_groups.rs.

Reads each WfCommons instance under testdata/real/wfcommons with the Python standard library
only (json, statistics) -- no code shared with the importer or the service -- and prints, per
file and task type: tasks, executions, total runtime (ms), and the completed runs' mean, p50,
p95 (type 7 = statistics.quantiles(method="inclusive"), as numpy's default and Postgres'
percentile_cont) and max, in ms, ordered by total runtime, largest first (then by name).

Rules restated from the formats (WfFormat 1.5, the importer's documented mapping):
* one execution per workflow.execution.tasks entry, every one completed;
* its duration is runtimeInSeconds in whole milliseconds: round(runtime * 1000), halves away
  from zero (runtimes here are non-negative);
* its type is command.program when that is one word (its file name after the last "/"), else
  the specification task's name without a trailing "_ID<digits>", else the name.

Run from the workspace root:  python3 importers/tests/oracle_task_groups.py
"""

import json
import math
import os
import re
import statistics

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "real", "wfcommons")


def ms(runtime_s):
    return math.floor(runtime_s * 1000 + 0.5)


def task_type(program, name):
    if isinstance(program, str) and program.strip() and not re.search(r"\s", program.strip()):
        base = program.strip().rsplit("/", 1)[-1]
        if base:
            return base
    m = re.fullmatch(r"(.+)_ID([0-9]+)", name)
    return m.group(1) if m else name


def groups(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    names = {t["id"]: t["name"] for t in doc["workflow"]["specification"]["tasks"]}
    by = {}
    for t in doc["workflow"]["execution"]["tasks"]:
        program = (t.get("command") or {}).get("program")
        g = by.setdefault(task_type(program, names[t["id"]]), {"tasks": set(), "d": []})
        g["tasks"].add(t["id"])
        g["d"].append(ms(t["runtimeInSeconds"]))
    return by


def q(d, p):
    if len(d) == 1:
        return float(d[0])
    return statistics.quantiles(d, n=100, method="inclusive")[p - 1]


def main():
    for name in sorted(os.listdir(ROOT)):
        if not name.endswith(".json"):
            continue
        by = groups(os.path.join(ROOT, name))
        total = sum(sum(g["d"]) for g in by.values())
        print(f"{name}: {len(by)} groups, total runtime {total} ms")
        rows = sorted(by.items(), key=lambda kv: (-sum(kv[1]["d"]), kv[0]))
        for k, g in rows:
            d = sorted(g["d"])
            print(f"  {k}\ttasks={len(g['tasks'])}\texecutions={len(d)}\truntime={sum(d)}\t"
                  f"mean={statistics.fmean(d):.3f}\tp50={q(d, 50):.3f}\tp95={q(d, 95):.3f}\tmax={d[-1]}")


if __name__ == "__main__":
    main()
