//! WfCommons workflow instances (WfFormat 1.5 JSON) as execution records and dependencies.
//!
//! Format reference: the WfFormat JSON schema (`wfcommons-schema.json` in the public
//! wfcommons/WfFormat repository, schema version 1.5). An instance has
//! - `workflow.specification.tasks[]`: the DAG — `id` (unique), `name`, `parents`, `children`,
//!   `inputFiles`/`outputFiles` (file ids), plus `workflow.specification.files[]` (`id`,
//!   `sizeInBytes`);
//! - `workflow.execution`: `executedAt` (when the run started), `makespanInSeconds`, and
//!   `tasks[]` with `id`, `runtimeInSeconds` (both required by the schema) and optionally
//!   `avgCPU` (percent of one core), `memoryInBytes` (peak resident set), `readBytes`,
//!   `writtenBytes`, `coreCount`, `machines` (names) or `machine`.
//!
//! Mapping (one execution record per `workflow.execution.tasks[]` entry, in file order):
//! - `workflowId` = [`ImportOptions::workflow_id`], else `{name}-{fingerprint}`: the instance's
//!   top-level `name` (`wfcommons` without one) and the fingerprint of its DAG,
//!   [`dag_fingerprint`] (every task's id and name, every edge, sorted). WfInstances' names are
//!   generic — `genome-dax-0` names 26 epigenomics instances of different sizes — so the name
//!   alone would merge different DAGs into one workflow whose critical path runs through
//!   several of them; runs of one DAG share the workflow. `workflowName` = the top-level
//!   `name`.
//! - `workflowExecutionId` = [`ImportOptions::workflow_execution_id`], else a key from the run:
//!   `{executedAt, to the second}-{fingerprint}` of `executedAt` and the executed task ids
//!   ([`run_key`]). Each instance is its own run; the same file again is the same run.
//! - `taskId` = `{workflowId}.{id}` (a WfCommons id such as `blastall_ID000002` names one task
//!   of the DAG), `taskName` = the spec `name`, `executionId` = `{workflowExecutionId}/{id}`.
//! - The run's recorded `makespanInSeconds` (wall time of the whole run, which the derived
//!   schedule below may undershoot) is kept on each record as the attribute
//!   `runMakespanSeconds`, when it is a number ≥ 0 (the schema has no run-level record to put
//!   it on).
//! - The task's type, for "which kind of task is slowest or costs most" (each WfCommons task is
//!   one node of the DAG, so tasks of one program are separate tasks): the attribute
//!   `taskGroup` = `command.program` when it is one word (its file name), else the spec `name`
//!   without a Pegasus `_ID<digits>` suffix, else the name (Nextflow-derived instances put a
//!   whole script in `program`; their `name` is the process). Workflows' task groups read it.
//! - `status` = completed, `attemptNumber` = 1: the format records completed runs only.
//! - `cpuTimeMs` = runtime × avgCPU / 100 × 1000; `memoryPeakMb` = memoryInBytes / 1,048,576;
//!   `readBytes`/`writeBytes` = readBytes/writtenBytes; `cpuAllocatedCores` = coreCount;
//!   `host` = the first machine; `inputSizeBytes`/`outputSizeBytes` = the summed
//!   `sizeInBytes` of the task's input/output files (absent if any file is unknown).
//!   Missing optional fields are left out of the record.
//! - One `data` dependency per distinct parent → child edge (from `parents` and `children`).
//!
//! **Start times are derived.** WfFormat 1.5 has no per-task start time. Each task starts at
//! `executedAt` plus its earliest start in the DAG: a task without parents starts at offset 0,
//! any other task at the latest end of its parents; `end = start + runtimeInSeconds` (in whole
//! milliseconds). This is the schedule with unlimited machines, so it respects every
//! dependency (each child starts at or after each parent ends) but may be shorter than the
//! recorded `makespanInSeconds` when tasks really queued. Records carry the attribute
//! `startTimeDerived = true` to say so. The DAG must be acyclic (checked with Kahn's
//! algorithm); a cycle is an [`ImportError::Cycle`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};
use types::ingest::{AttributeValue, DependencyRecord, ExecutionRecord, ValidBatch};
use types::{DependencyType, ExecutionStatus, MAX_KEY_LEN, TaskType};

use crate::keys::{canonical_time, fingerprint};
use crate::{
    ImportError, ImportOptions, Location, as_text, parse_timestamp, syntax_error, truncate_chars,
    validate_records,
};

/// Longest task runtime accepted, in seconds (about 31,700 years): keeps the schedule in range.
const MAX_RUNTIME_SECONDS: f64 = 1e12;
const BYTES_PER_MIB: f64 = 1_048_576.0;

/// Imports a WfFormat 1.5 instance.
pub fn import(bytes: &[u8], opts: &ImportOptions) -> Result<ValidBatch, ImportError> {
    let doc: Value = serde_json::from_str(as_text(bytes)?).map_err(syntax_error)?;
    import_value(&doc, opts)
}

/// The type a task belongs to (see the module docs): `command.program` when it is one word
/// (its file name: `/usr/bin/blastall` → `blastall`), else the spec name without a Pegasus
/// `_ID<digits>` suffix (`mProject_ID0000001` → `mProject`), else the name. A program that is a
/// script body (Nextflow-derived instances put the whole shell command there) is not a type.
fn task_group(program: Option<&str>, name: &str) -> String {
    if let Some(p) = program.map(str::trim).filter(|p| !p.is_empty())
        && !p.contains(char::is_whitespace)
    {
        let base = p.rsplit('/').next().unwrap_or(p);
        if !base.is_empty() {
            return base.to_owned();
        }
    }
    match name.rsplit_once("_ID") {
        Some((stem, digits))
            if !stem.is_empty()
                && !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            stem.to_owned()
        }
        _ => name.to_owned(),
    }
}

/// One task of `workflow.specification.tasks`.
struct SpecTask<'a> {
    id: &'a str,
    name: &'a str,
    input_files: Vec<&'a str>,
    output_files: Vec<&'a str>,
    loc: Location,
}

/// One task of `workflow.execution.tasks`.
struct ExecTask<'a> {
    id: &'a str,
    runtime_seconds: f64,
    avg_cpu: Option<f64>,
    memory_bytes: Option<f64>,
    read_bytes: Option<f64>,
    written_bytes: Option<f64>,
    core_count: Option<f64>,
    host: Option<String>,
    /// `command.program`, when present.
    program: Option<&'a str>,
    loc: Location,
}

fn invalid(loc: &Location, field: &str, message: impl Into<String>) -> ImportError {
    ImportError::invalid_at(loc, field, message)
}

fn object<'a>(
    v: Option<&'a Value>,
    loc: &Location,
    field: &str,
) -> Result<&'a Map<String, Value>, ImportError> {
    match v {
        Some(Value::Object(o)) => Ok(o),
        None | Some(Value::Null) => Err(invalid(loc, field, "is required")),
        Some(_) => Err(invalid(loc, field, "must be an object")),
    }
}

fn array<'a>(
    v: Option<&'a Value>,
    loc: &Location,
    field: &str,
) -> Result<&'a [Value], ImportError> {
    match v {
        Some(Value::Array(a)) => Ok(a),
        None | Some(Value::Null) => Err(invalid(loc, field, "is required")),
        Some(_) => Err(invalid(loc, field, "must be an array")),
    }
}

fn string<'a>(
    obj: &'a Map<String, Value>,
    loc: &Location,
    field: &str,
) -> Result<&'a str, ImportError> {
    match obj.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(invalid(loc, field, "must not be empty")),
        None | Some(Value::Null) => Err(invalid(loc, field, "is required")),
        Some(_) => Err(invalid(loc, field, "must be a string")),
    }
}

/// An optional list of ids (missing or null = empty).
fn ids<'a>(
    obj: &'a Map<String, Value>,
    loc: &Location,
    field: &str,
) -> Result<Vec<&'a str>, ImportError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| invalid(loc, field, "must be an array of strings"))
            })
            .collect(),
        Some(_) => Err(invalid(loc, field, "must be an array of strings")),
    }
}

/// An optional number ≥ `min` (missing or null = `None`).
fn number(
    obj: &Map<String, Value>,
    loc: &Location,
    field: &str,
    min: f64,
) -> Result<Option<f64>, ImportError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && n >= min => Ok(Some(n)),
            _ => Err(invalid(loc, field, format!("must be a number ≥ {min}"))),
        },
    }
}

/// The first machine name: `machines` holds names (or objects with `nodeName`); older
/// instances have a single `machine`.
fn host(obj: &Map<String, Value>) -> Option<String> {
    let name_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("nodeName").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    match obj.get("machines") {
        Some(Value::Array(a)) => a.first().and_then(name_of),
        _ => obj.get("machine").and_then(name_of),
    }
    .filter(|s| !s.trim().is_empty())
}

pub(crate) fn import_value(doc: &Value, opts: &ImportOptions) -> Result<ValidBatch, ImportError> {
    let root = Location::default();
    let top = object(Some(doc), &root, "$")?;
    let instance_name = top
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty());
    let workflow = object(top.get("workflow"), &root, "workflow")?;
    let spec = object(
        workflow.get("specification"),
        &root,
        "workflow.specification",
    )?;
    let execution = object(workflow.get("execution"), &root, "workflow.execution")?;

    // Specification: the DAG.
    let spec_values = array(spec.get("tasks"), &root, "workflow.specification.tasks")?;
    let mut tasks: Vec<SpecTask> = Vec::with_capacity(spec_values.len());
    let mut index_of: HashMap<&str, usize> = HashMap::with_capacity(spec_values.len());
    let mut raw_edges: Vec<(&str, &str, usize, &str)> = Vec::new(); // parent, child, at, field
    for (i, v) in spec_values.iter().enumerate() {
        let mut loc = Location::record(format!("workflow.specification.tasks[{i}]"));
        let obj = object(Some(v), &loc, "$")?;
        let id = string(obj, &loc, "id")?;
        loc = Location::record(format!("workflow.specification.tasks[{i}] ({id})"));
        let name = match obj.get("name") {
            None | Some(Value::Null) => id,
            Some(_) => string(obj, &loc, "name")?,
        };
        if let Some(&j) = index_of.get(id) {
            return Err(invalid(
                &loc,
                "id",
                format!("duplicates workflow.specification.tasks[{j}]"),
            ));
        }
        index_of.insert(id, i);
        for p in ids(obj, &loc, "parents")? {
            raw_edges.push((p, id, i, "parents"));
        }
        for c in ids(obj, &loc, "children")? {
            raw_edges.push((id, c, i, "children"));
        }
        tasks.push(SpecTask {
            id,
            name,
            input_files: ids(obj, &loc, "inputFiles")?,
            output_files: ids(obj, &loc, "outputFiles")?,
            loc,
        });
    }

    // Distinct edges, in first-seen order; every end must be a known task.
    let mut edges: Vec<(usize, usize)> = Vec::with_capacity(raw_edges.len());
    let mut seen: HashSet<(usize, usize)> = HashSet::with_capacity(raw_edges.len());
    for (parent, child, at, field) in raw_edges {
        let lookup = |id: &str| {
            index_of.get(id).copied().ok_or_else(|| {
                invalid(
                    &tasks[at].loc,
                    field,
                    format!("names {id:?}, which is not a task of workflow.specification.tasks"),
                )
            })
        };
        let edge = (lookup(parent)?, lookup(child)?);
        if seen.insert(edge) {
            edges.push(edge);
        }
    }
    let order = topological_order(tasks.len(), &edges).map_err(|cycle| ImportError::Cycle {
        tasks: cycle.into_iter().map(|i| tasks[i].id.to_owned()).collect(),
    })?;

    // Execution: runtimes and metrics.
    let executed_at_loc = Location::default();
    let executed_at = match execution.get("executedAt") {
        Some(Value::String(s)) => parse_timestamp(s).ok_or_else(|| {
            invalid(
                &executed_at_loc,
                "workflow.execution.executedAt",
                format!("{s:?} is not a timestamp this importer understands (RFC 3339, ISO 8601 basic, or MM-DD-YYTHH:MM:SS)"),
            )
        })?,
        None | Some(Value::Null) => {
            return Err(invalid(
                &executed_at_loc,
                "workflow.execution.executedAt",
                "is required: the start of the run anchors every task's start time",
            ));
        }
        Some(_) => {
            return Err(invalid(
                &executed_at_loc,
                "workflow.execution.executedAt",
                "must be a timestamp string",
            ));
        }
    };
    let exec_values = array(execution.get("tasks"), &root, "workflow.execution.tasks")?;
    let mut runs: Vec<ExecTask> = Vec::with_capacity(exec_values.len());
    let mut run_of: Vec<Option<usize>> = vec![None; tasks.len()];
    for (k, v) in exec_values.iter().enumerate() {
        let mut loc = Location::record(format!("workflow.execution.tasks[{k}]"));
        let obj = object(Some(v), &loc, "$")?;
        let id = string(obj, &loc, "id")?;
        loc = Location::record(format!("workflow.execution.tasks[{k}] ({id})"));
        let Some(&i) = index_of.get(id) else {
            return Err(invalid(
                &loc,
                "id",
                "is not a task of workflow.specification.tasks",
            ));
        };
        if let Some(other) = run_of[i] {
            return Err(invalid(
                &loc,
                "id",
                format!("duplicates workflow.execution.tasks[{other}]"),
            ));
        }
        run_of[i] = Some(k);
        let runtime_seconds = number(obj, &loc, "runtimeInSeconds", 0.0)?
            .ok_or_else(|| invalid(&loc, "runtimeInSeconds", "is required"))?;
        if runtime_seconds > MAX_RUNTIME_SECONDS {
            return Err(invalid(&loc, "runtimeInSeconds", "is too large"));
        }
        runs.push(ExecTask {
            id,
            runtime_seconds,
            avg_cpu: number(obj, &loc, "avgCPU", 0.0)?,
            memory_bytes: number(obj, &loc, "memoryInBytes", 0.0)?,
            read_bytes: number(obj, &loc, "readBytes", 0.0)?,
            written_bytes: number(obj, &loc, "writtenBytes", 0.0)?,
            core_count: number(obj, &loc, "coreCount", 0.0)?.filter(|c| *c > 0.0),
            host: host(obj),
            program: obj
                .get("command")
                .and_then(|c| c.get("program"))
                .and_then(Value::as_str),
            loc,
        });
    }
    if let Some(i) = run_of.iter().position(Option::is_none) {
        return Err(invalid(
            &tasks[i].loc,
            "id",
            "has no entry in workflow.execution.tasks (no runtime to import)",
        ));
    }

    // Earliest-start schedule, in milliseconds from executedAt.
    let runtime_ms: Vec<i64> = (0..tasks.len())
        .map(|i| {
            run_of[i]
                .map(|k| (runs[k].runtime_seconds * 1000.0).round() as i64)
                .unwrap_or(0)
        })
        .collect();
    let schedule = earliest_start_schedule(&order, &edges, &runtime_ms).ok_or_else(|| {
        invalid(
            &root,
            "workflow.execution.tasks",
            "the runtimes add up to more than chrono can represent",
        )
    })?;

    // File sizes, for input/output volumes.
    let file_sizes: HashMap<&str, f64> = match spec.get("files") {
        Some(Value::Array(files)) => files
            .iter()
            .filter_map(|f| {
                let f = f.as_object()?;
                let size = f.get("sizeInBytes")?.as_f64().filter(|s| *s >= 0.0)?;
                Some((f.get("id")?.as_str()?, size))
            })
            .collect(),
        _ => HashMap::new(),
    };
    let total_size = |files: &[&str]| -> Option<i64> {
        if files.is_empty() {
            return None;
        }
        files
            .iter()
            .map(|f| file_sizes.get(f).copied())
            .sum::<Option<f64>>()
            .map(|s| s.round() as i64)
    };

    let workflow_id = opts.workflow_id.clone().unwrap_or_else(|| {
        let dag = dag_fingerprint(
            tasks.iter().map(|t| (t.id, t.name)),
            edges.iter().map(|&(p, c)| (tasks[p].id, tasks[c].id)),
        );
        // Room for the fingerprint and the task ids appended to the key.
        let name = truncate_chars(instance_name.unwrap_or("wfcommons"), 100);
        format!("{name}-{dag}")
    });
    let workflow_execution_id = opts
        .workflow_execution_id
        .clone()
        .unwrap_or_else(|| run_key(executed_at, runs.iter().map(|r| r.id)));
    let makespan = execution
        .get("makespanInSeconds")
        .and_then(Value::as_f64)
        .filter(|m| m.is_finite() && (0.0..=1e15).contains(m));
    let task_key = |i: usize| format!("{workflow_id}.{}", tasks[i].id);

    let mut records = Vec::with_capacity(runs.len());
    for run in &runs {
        let i = index_of[run.id];
        let task = &tasks[i];
        let (start_ms, end_ms) = schedule[i];
        let at = |ms: i64| -> Result<DateTime<Utc>, ImportError> {
            TimeDelta::try_milliseconds(ms)
                .and_then(|d| executed_at.checked_add_signed(d))
                .ok_or_else(|| invalid(&run.loc, "runtimeInSeconds", "is out of range"))
        };
        let record = ExecutionRecord {
            execution_id: format!("{workflow_execution_id}/{}", task.id),
            workflow_id: workflow_id.clone(),
            workflow_execution_id: workflow_execution_id.clone(),
            task_id: task_key(i),
            // One execution per WfCommons task (its own taskId): no instances to tell apart.
            instance_id: None,
            workflow_name: instance_name.map(str::to_owned),
            task_name: task.name.to_owned(),
            task_type: TaskType::Compute,
            status: ExecutionStatus::Completed,
            attempt_number: 1,
            start_time: at(start_ms)?,
            end_time: Some(at(end_ms)?),
            duration_ms: Some(end_ms - start_ms),
            input_size_bytes: total_size(&task.input_files),
            output_size_bytes: total_size(&task.output_files),
            cpu_time_ms: run
                .avg_cpu
                .map(|cpu| (run.runtime_seconds * cpu * 10.0).round() as i64),
            memory_peak_mb: run.memory_bytes.map(|b| b / BYTES_PER_MIB),
            io_operations: None,
            read_bytes: run.read_bytes.map(|b| b.round() as i64),
            write_bytes: run.written_bytes.map(|b| b.round() as i64),
            network_calls: None,
            bytes_transferred: None,
            cpu_allocated_cores: run.core_count,
            memory_allocated_mb: None,
            host: run.host.clone(),
            error: None,
            retry_reason: None,
            input_hash: None,
            attributes: BTreeMap::from_iter(
                [
                    Some(("startTimeDerived", AttributeValue::Bool(true))),
                    makespan.map(|m| ("runMakespanSeconds", AttributeValue::Number(m))),
                    Some((
                        "taskGroup",
                        AttributeValue::Text(truncate_chars(
                            &task_group(run.program, task.name),
                            MAX_KEY_LEN,
                        )),
                    )),
                ]
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.to_owned(), v)),
            ),
            correction: false,
        };
        records.push((record, run.loc.clone()));
    }
    let dependencies = edges
        .iter()
        .map(|&(p, c)| {
            (
                DependencyRecord {
                    workflow_id: workflow_id.clone(),
                    upstream_task_id: task_key(p),
                    downstream_task_id: task_key(c),
                    dependency_type: DependencyType::Data,
                    optional: false,
                },
                tasks[c].loc.clone(),
            )
        })
        .collect();
    validate_records(records, dependencies)
}

/// The fingerprint of a DAG ([`crate::keys::fingerprint`]) over the canonical text
/// `tasklens-wfcommons-dag-v1`, then one line `task\t{id}\t{name}` per task and one line
/// `edge\t{parent id}\t{child id}` per distinct edge, all lines sorted (bytewise). Two
/// instances have the same fingerprint exactly when they have the same tasks (by id and name)
/// and the same edges, whatever their order in the file.
pub fn dag_fingerprint<'a>(
    tasks: impl IntoIterator<Item = (&'a str, &'a str)>,
    edges: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut lines: Vec<String> = tasks
        .into_iter()
        .map(|(id, name)| format!("task\t{id}\t{name}"))
        .chain(edges.into_iter().map(|(p, c)| format!("edge\t{p}\t{c}")))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    fingerprint(&format!("tasklens-wfcommons-dag-v1\n{}", lines.join("\n")))
}

/// The run key of an instance executed at `executed_at` with the executed task ids `ids`:
/// `{executedAt, %Y%m%dT%H%M%SZ}-{fingerprint}` of `tasklens-wfcommons-run-v1`, the time
/// (`2020-12-25T20:10:08.000Z`) and the sorted ids, one per line.
pub fn run_key<'a>(executed_at: DateTime<Utc>, ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut ids: Vec<&str> = ids.into_iter().collect();
    ids.sort_unstable();
    crate::keys::run_key(
        executed_at,
        &format!(
            "tasklens-wfcommons-run-v1\n{}\n{}",
            canonical_time(executed_at),
            ids.join("\n")
        ),
    )
}

/// Kahn's algorithm over `n` nodes: a topological order, or one cycle (node indices in edge
/// direction, first node repeated at the end). Ties keep the input order.
pub fn topological_order(n: usize, edges: &[(usize, usize)]) -> Result<Vec<usize>, Vec<usize>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for &(p, c) in edges {
        children[p].push(c);
        parents[c].push(p);
        indegree[c] += 1;
    }
    let mut ready: VecDeque<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = ready.pop_front() {
        order.push(v);
        for &c in &children[v] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.push_back(c);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every node left has a parent that is also left: walk parents until one repeats.
    let left = |v: usize| indegree[v] > 0;
    let Some(start) = (0..n).find(|&v| left(v)) else {
        return Err(Vec::new());
    };
    let mut path = vec![start];
    let mut position: HashMap<usize, usize> = HashMap::from([(start, 0)]);
    let mut v = start;
    loop {
        let Some(&p) = parents[v].iter().find(|&&p| left(p)) else {
            return Err(path);
        };
        if let Some(&at) = position.get(&p) {
            let mut cycle: Vec<usize> = path[at..].iter().rev().copied().collect();
            cycle.push(cycle[0]);
            return Err(cycle);
        }
        position.insert(p, path.len());
        path.push(p);
        v = p;
    }
}

/// Start and end (ms from the run's start) of every node under the earliest-start schedule:
/// `start = max(end of parents)` (0 without parents), `end = start + runtime`. `order` must be
/// a topological order. `None` on arithmetic overflow.
pub fn earliest_start_schedule(
    order: &[usize],
    edges: &[(usize, usize)],
    runtime_ms: &[i64],
) -> Option<Vec<(i64, i64)>> {
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); runtime_ms.len()];
    for &(p, c) in edges {
        parents[c].push(p);
    }
    let mut times = vec![(0i64, 0i64); runtime_ms.len()];
    for &v in order {
        let start = parents[v].iter().map(|&p| times[p].1).max().unwrap_or(0);
        times[v] = (start, start.checked_add(runtime_ms[v])?);
    }
    Some(times)
}

#[cfg(test)]
mod tests {
    use super::task_group;

    #[test]
    fn a_task_group_is_the_one_word_program_else_the_name_without_its_pegasus_id() {
        // Shapes of the instances in testdata/real/wfcommons.
        assert_eq!(
            task_group(Some("blastall"), "blastall_ID000002"),
            "blastall"
        );
        assert_eq!(task_group(Some("/usr/bin/mProject"), "x"), "mProject");
        assert_eq!(task_group(None, "mProject_ID0000001"), "mProject");
        // rnaseq-dirt02: a script body in `program`, the process as the name.
        assert_eq!(
            task_group(
                Some("salmon quant \\\n --libType=A"),
                "NFCORE_RNASEQ.RNASEQ.QUANTIFY_SALMON.SALMON_QUANT"
            ),
            "NFCORE_RNASEQ.RNASEQ.QUANTIFY_SALMON.SALMON_QUANT"
        );
        assert_eq!(task_group(Some("  "), "sort_IDx1"), "sort_IDx1");
        assert_eq!(task_group(None, "_ID12"), "_ID12");
        assert_eq!(task_group(Some("dir/"), "merge_ID7"), "merge");
    }
}
