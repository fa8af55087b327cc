#!/usr/bin/env python3
"""Independent oracle for the counts asserted in real_traces.rs.

Reads every trace under testdata/real straight from the raw files with the Python
standard library only (json, csv) -- no code shared with the Rust importer -- and prints,
per file: executions, failures (failed or timeout), retries (attemptNumber > 1) and
dependency edges.

Run from the workspace root:
    python3 importers/tests/oracle_counts.py

Rules (the importer's documented semantics, restated from the formats themselves):
* WfCommons (WfFormat 1.5): one execution per entry of workflow.execution.tasks; no
  failures or retries (the format records completed tasks only); edges are the distinct
  (parent, child) pairs named by specification.tasks[].parents and .children together.
* Nextflow trace (tab-separated, header row): one execution per data row; failures are
  rows whose status is FAILED; a row is a retry (attempt > 1) when the most recent earlier
  row with the same `name` column value has status FAILED (attempt = that row's attempt
  + 1); no dependency edges.
"""

import csv
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "real")


def wfcommons(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    spec = doc["workflow"]["specification"]["tasks"]
    execs = doc["workflow"]["execution"]["tasks"]
    edges = set()
    for t in spec:
        for p in t.get("parents", []):
            edges.add((p, t["id"]))
        for c in t.get("children", []):
            edges.add((t["id"], c))
    return len(execs), 0, 0, len(edges)


def nextflow(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    last = {}  # name -> (status, attempt) of its most recent row
    executions = failures = retries = 0
    for row in rows:
        executions += 1
        status = row["status"]
        if status == "FAILED":
            failures += 1
        prev = last.get(row["name"])
        attempt = prev[1] + 1 if prev is not None and prev[0] == "FAILED" else 1
        if attempt > 1:
            retries += 1
        last[row["name"]] = (status, attempt)
    return executions, failures, retries, 0


def main():
    print("file\texecutions\tfailures\tretries\tedges")
    for sub, fn, suffix in (("wfcommons", wfcommons, ".json"), ("nextflow", nextflow, ".txt")):
        d = os.path.join(ROOT, sub)
        for name in sorted(os.listdir(d)):
            if not name.endswith(suffix) or name.startswith("LICENSE"):
                continue
            counts = fn(os.path.join(d, name))
            print(f"{sub}/{name}\t" + "\t".join(str(c) for c in counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
