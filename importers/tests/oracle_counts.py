#!/usr/bin/env python3
"""Independent oracle for the counts asserted in real_traces.rs.

Reads every trace under testdata/real straight from the raw files with the Python
standard library only (json, csv) -- no code shared with the Rust importer -- and prints,
per file: executions, failures (failed or timeout), retries (attemptNumber > 1) and
dependency edges.

Run from the workspace root:
    python3 importers/tests/oracle_counts.py

A second table gives, per file, the workflow key and run key the importer must derive from the
content (never the file name), restating the rules documented in importers/src/keys.rs,
nextflow.rs and wfcommons.rs with hashlib-free FNV-1a written here from its definition:
* FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the UTF-8 of a
  canonical text; a fingerprint is the first 12 of its 16 lowercase hex digits.
* Nextflow workflow key: the scope (all ':'-segments but the last) every process name shares;
  its first segment lowercased; else "nextflow-" + fingerprint("tasklens-nextflow-processes-v1"
  + "\n" + sorted distinct process names joined by "\n").
* Nextflow run key: earliest submit as %Y%m%dT%H%M%SZ + "-" + fingerprint of
  "tasklens-nextflow-run-v1\n<earliest submit as %Y-%m-%dT%H:%M:%S.mmmZ>\n" + the sorted lines
  "task_id<TAB>hash<TAB>native_id<TAB>name" ("-" read as empty) joined by "\n".
* WfCommons workflow key: top-level name + "-" + fingerprint of "tasklens-wfcommons-dag-v1\n"
  + the sorted distinct lines "task<TAB>id<TAB>name" and "edge<TAB>parent<TAB>child" joined by "\n".
* WfCommons run key: executedAt (UTC) as %Y%m%dT%H%M%SZ + "-" + fingerprint of
  "tasklens-wfcommons-run-v1\n<executedAt as %Y-%m-%dT%H:%M:%S.mmmZ>\n" + the sorted executed
  task ids joined by "\n".

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
import datetime
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


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def fingerprint(text):
    return f"{fnv1a64(text.encode('utf-8')):016x}"[:12]


def canonical(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def compact(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def nextflow_process(name):
    name = name.strip()
    at = name.find(" (")
    if at > 0 and name.endswith(")"):
        return name[:at]
    return name


def nextflow_keys(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    processes = sorted({nextflow_process(r["name"]) for r in rows})
    scopes = [[seg.strip() for seg in p.split(":")][:-1] for p in processes]
    shared = len(scopes[0]) if scopes else 0
    for s in scopes:
        n = 0
        while n < min(shared, len(s)) and s[n] == scopes[0][n]:
            n += 1
        shared = n
    if shared > 0 and scopes[0][0]:
        workflow = scopes[0][0].lower()
    else:
        workflow = "nextflow-" + fingerprint("tasklens-nextflow-processes-v1\n" + "\n".join(processes))

    def value(row, col):
        v = (row.get(col) or "").strip()
        return "" if v == "-" else v

    first = min(datetime.datetime.strptime(r["submit"].strip(), "%Y-%m-%d %H:%M:%S.%f") for r in rows)
    lines = sorted("\t".join(value(r, c) for c in ("task_id", "hash", "native_id", "name")) for r in rows)
    run = compact(first) + "-" + fingerprint("tasklens-nextflow-run-v1\n" + canonical(first) + "\n" + "\n".join(lines))
    return workflow, run, "-"


def executions_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [(nextflow_process(r["name"]), r["task_id"].strip()) for r in csv.DictReader(f, delimiter="\t")]


def wfcommons_keys(path, name=None):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    spec = doc["workflow"]["specification"]["tasks"]
    lines = set()
    for t in spec:
        lines.add(f"task\t{t['id']}\t{t.get('name') or t['id']}")
        for p in t.get("parents") or []:
            lines.add(f"edge\t{p}\t{t['id']}")
        for c in t.get("children") or []:
            lines.add(f"edge\t{t['id']}\t{c}")
    dag = fingerprint("tasklens-wfcommons-dag-v1\n" + "\n".join(sorted(lines)))
    workflow = f"{name or doc.get('name') or 'wfcommons'}-{dag}"
    executed = parse_executed_at(doc["workflow"]["execution"]["executedAt"])
    ids = sorted(t["id"] for t in doc["workflow"]["execution"]["tasks"])
    run = compact(executed) + "-" + fingerprint("tasklens-wfcommons-run-v1\n" + canonical(executed) + "\n" + "\n".join(ids))
    return workflow, run, str(doc["workflow"]["execution"]["makespanInSeconds"])


def parse_executed_at(s):
    """The three executedAt forms of the test data, as UTC."""
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y%m%dT%H%M%S%z", "%m-%d-%yT%H:%M:%S%z"):
        try:
            t = datetime.datetime.strptime(s.replace("Z", "+0000"), fmt)
            return t.astimezone(datetime.timezone.utc)
        except ValueError:
            pass
    raise ValueError(s)


def files():
    for sub, suffix in (("wfcommons", ".json"), ("nextflow", ".txt")):
        d = os.path.join(ROOT, sub)
        for name in sorted(os.listdir(d)):
            if name.endswith(suffix) and not name.startswith("LICENSE"):
                yield sub, name, os.path.join(d, name)


def main():
    print("file\texecutions\tfailures\tretries\tedges")
    for sub, name, path in files():
        counts = (wfcommons if sub == "wfcommons" else nextflow)(path)
        print(f"{sub}/{name}\t" + "\t".join(str(c) for c in counts))
    print()
    print("file\tworkflow key\trun key\tmakespanInSeconds")
    for sub, name, path in files():
        keys = (wfcommons_keys if sub == "wfcommons" else nextflow_keys)(path)
        print(f"{sub}/{name}\t" + "\t".join(keys))
    # Point 1 of issue #13: the two openproblems runs forced under one run key (as when the
    # file name was the key). An execution is (process, task_id) within a run; those present in
    # both files are the stored executions the second would overwrite (all at other times).
    print()
    print("second run under the first's run key\tshared (process, task_id)\tfirst by task_id\tits row index\tfirst by row")
    older, newer = (os.path.join(ROOT, "nextflow", f"openproblems-trace-{d}.txt") for d in ("2021-03-04", "2022-05-13"))
    rows = executions_of(newer)
    shared = sorted(set(executions_of(older)) & set(rows), key=lambda e: int(e[1]))
    first_row = min(rows.index(e) for e in shared)
    print(f"nextflow/openproblems-trace-2022-05-13.txt\t{len(shared)}\t{shared[0][0]} {shared[0][1]}\t"
          f"{rows.index(shared[0])}\t{first_row} ({rows[first_row][0]} {rows[first_row][1]})")
    # Point 2 of issue #13: two real instances under one shared (generic) name.
    print()
    print("instance renamed genome-dax-0\tworkflow key")
    for rel in ("epigenomics-chameleon-hep-1seq-100k-001.json", "blast-chameleon-small-001.json"):
        print(f"wfcommons/{rel}\t" + wfcommons_keys(os.path.join(ROOT, "wfcommons", rel), "genome-dax-0")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
