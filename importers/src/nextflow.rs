//! Nextflow execution trace files (`-with-trace`, `trace.enabled = true`) as execution records.
//!
//! Format reference: the Nextflow documentation, "Trace report" (Reports page) and the `trace`
//! config scope, which list the fields. A trace is tab-separated text, one header row naming
//! the columns, then one row per task attempt. The default columns are
//! `task_id hash native_id name status exit submit duration realtime %cpu peak_rss peak_vmem
//! rchar wchar`; `trace.fields` can add others (`process`, `tag`, `attempt`, `start`,
//! `complete`, `cpus`, `memory`, `read_bytes`, `write_bytes`, `syscr`, `syscw`, ...), so columns
//! are found by their header name. `-` means "no value". Durations are human readable
//! (`757ms`, `13.9s`, `1m 20s`, `1h 2m 3s`, `2d 3h`), sizes use 1024-based units
//! (`913 B`, `756.3 KB`, `14.2 MB`, `1 GB`), timestamps are `yyyy-MM-dd HH:mm:ss.SSS` (read as
//! UTC: the file has no zone). With `trace.raw = true` the same columns hold milliseconds, bytes
//! and epoch milliseconds, which the parsers below accept as plain numbers.
//!
//! Mapping (one execution record per row, in file order; no dependencies: a trace has none):
//! - `workflowId` = [`ImportOptions::workflow_id`], else the pipeline: the first segment of the
//!   scope every process name shares, lowercased (`NFCORE_CHIPSEQ:CHIPSEQ:FASTQC` and
//!   `NFCORE_CHIPSEQ:CHIPSEQ:MULTIQC` → `nfcore_chipseq`, with `workflowName`
//!   `NFCORE_CHIPSEQ`); when the processes share no scope (DSL1 pipelines, Nextflow 0.x),
//!   `nextflow-{fingerprint}` of the sorted distinct process names. Never the file name:
//!   Nextflow names every run's trace alike (see [`crate::keys`]).
//! - `workflowExecutionId` = [`ImportOptions::workflow_execution_id`], else a key from the run's
//!   content, [`run_key`]: `{first submit, to the second}-{fingerprint}` (e.g.
//!   `20210304T210607Z-…`), the fingerprint taken over the first submit time and every row's
//!   `task_id`, `hash`, `native_id` and `name`, sorted. A trace file has no run name or session
//!   id (they are not trace fields), so this is the run's identity: the same file gives the
//!   same key, another run another key.
//! - `taskName` = the process name: the `process` column, else `name` without its
//!   ` (tag)` suffix (`CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK (design.csv)` →
//!   `CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK`); `taskId` = `{workflowId}.{taskName}`;
//!   `executionId` = `{workflowExecutionId}/{task_id}` (Nextflow's `task_id` is unique within a
//!   run; a repeated one is an error), else `{workflowExecutionId}/{hash}#{attempt}`, else
//!   `{workflowExecutionId}/line-{n}`: unique per run, and distinct across runs because the
//!   run key is part of it. Attributes: `hash`, `tag` (the `tag` column or the ` (tag)`
//!   suffix), and `queuedMs` (submit → start) when known.
//! - `instanceId` = the tag, else the whole `name`: a process runs one task per input (sample,
//!   dataset) in a run, and Nextflow names each after its input and retries it under the same
//!   name, so the attempts of one input share the instance and the analyses count logical
//!   executions (run, process, input) rather than one per process and run.
//! - `status`: COMPLETED → completed, FAILED → failed, ABORTED → cancelled, CACHED → skipped
//!   (the task did not run in this run: its result came from an earlier run's cache),
//!   NEW/SUBMITTED/RUNNING → running (no end time).
//! - `attemptNumber`: the `attempt` column if present; otherwise inferred from file order as
//!   Nextflow retries a failed task under the same `name`: a row whose `name` was last seen on
//!   a FAILED row is that row's attempt + 1 (with `retryReason` naming the earlier failure);
//!   any other row is attempt 1.
//! - Times: `realtime` is the run time (start → complete) and `duration` the time since
//!   submission (submit → complete), so without a `start` column the start is
//!   `submit + (duration − realtime)` and the end `submit + duration`, i.e. the real start and
//!   completion up to the rounding of the human-readable values (start = submit when either is
//!   missing). With `start`/`complete` columns those are used. The end falls back to
//!   start + realtime, then submit + duration, then start.
//! - Errors (failed rows): by exit status — 137 → `SIGKILL` (usually the out-of-memory killer),
//!   143 → `SIGTERM`, 127 → `CommandNotFound`, other → `ExitCode`, none → `TaskFailed`;
//!   `error.code` = the exit status, `error.message` = "process exited with status N (...)".
//! - Metrics: `cpuTimeMs` = realtime × %cpu / 100; `memoryPeakMb` = peak_rss / 1,048,576
//!   (Nextflow 0.x traces, e.g. 0.31's default `... %cpu rss vmem rchar wchar`, have `rss`
//!   where later versions have `peak_rss`: it is read when `peak_rss` is absent; where the
//!   header names a column twice, as 0.x traces do for `duration`, `realtime`, `rss`, `vmem`,
//!   `peak_rss`, `peak_vmem`, `rchar` and `wchar`, the second, exact value is read);
//!   `readBytes`/`writeBytes` = rchar/wchar (else read_bytes/write_bytes); `ioOperations` =
//!   syscr + syscw; `cpuAllocatedCores` = cpus; `memoryAllocatedMb` = memory; `host` = a
//!   `hostname` column if any.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use types::ingest::{AttributeValue, ErrorDetails, ExecutionRecord, ValidBatch};
use types::{ExecutionStatus, MAX_KEY_LEN, TaskType};

use crate::keys::{canonical_time, fingerprint};
use crate::{
    ImportError, ImportOptions, Location, as_text, parse_timestamp, truncate_chars,
    validate_records,
};

const BYTES_PER_MIB: f64 = 1_048_576.0;
/// Largest duration accepted, in milliseconds (about 285,000 years).
const MAX_DURATION_MS: f64 = 9e15;

/// Imports a Nextflow trace file.
pub fn import(bytes: &[u8], opts: &ImportOptions) -> Result<ValidBatch, ImportError> {
    import_str(as_text(bytes)?, opts)
}

/// Whether a tab-separated line is a trace header: it starts `task_id`, `hash`, or has both a
/// `name` and a `status` column.
pub fn is_trace_header(line: &str) -> bool {
    let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
    (cols.first() == Some(&"task_id") && cols.get(1) == Some(&"hash"))
        || (cols.contains(&"name") && cols.contains(&"status"))
}

/// Parses a Nextflow duration into milliseconds: `757ms`, `13.9s`, `1m 20s`, `1h 2m 3s`,
/// `2d 3h` (units `ms`, `s`, `m`, `h`, `d`; spaces between parts optional). A plain number is
/// milliseconds (raw traces). `-` or an empty value is `None`.
pub fn parse_duration_ms(s: &str) -> Result<Option<i64>, String> {
    let s = s.trim();
    if s.is_empty() || s == "-" {
        return Ok(None);
    }
    if let Ok(ms) = s.parse::<f64>() {
        return finite_non_negative(ms, MAX_DURATION_MS).map(|ms| Some(ms.round() as i64));
    }
    let bad = || format!("{s:?} is not a duration like \"1h 2m 3s\", \"13.9s\" or \"757ms\"");
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let letters = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let factor = match &rest[..letters] {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return Err(bad()),
        };
        total += number * factor;
        rest = rest[letters..].trim_start();
    }
    finite_non_negative(total, MAX_DURATION_MS)
        .map(|ms| Some(ms.round() as i64))
        .map_err(|_| bad())
}

/// Parses a Nextflow memory size into bytes: `913 B`, `756.3 KB`, `14.2 MB`, `1 GB`, with
/// 1024-based units B, KB, MB, GB, TB, PB, EB (`K`, `M`, ... also accepted; space optional).
/// A plain number is bytes (`0`, raw traces). `-` or an empty value is `None`.
pub fn parse_size_bytes(s: &str) -> Result<Option<i64>, String> {
    let s = s.trim();
    if s.is_empty() || s == "-" {
        return Ok(None);
    }
    let bad = || format!("{s:?} is not a size like \"14.2 MB\", \"913 B\" or \"0\"");
    let digits = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let number: f64 = s[..digits].parse().map_err(|_| bad())?;
    let exponent = match s[digits..].trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" => 1,
        "M" | "MB" => 2,
        "G" | "GB" => 3,
        "T" | "TB" => 4,
        "P" | "PB" => 5,
        "E" | "EB" => 6,
        _ => return Err(bad()),
    };
    let bytes = number * 1024f64.powi(exponent);
    finite_non_negative(bytes, i64::MAX as f64)
        .map(|b| Some(b.round() as i64))
        .map_err(|_| bad())
}

/// Parses a percentage like `85.2%` (or `85.2`). `-` or an empty value is `None`.
pub fn parse_percent(s: &str) -> Result<Option<f64>, String> {
    let s = s.trim();
    if s.is_empty() || s == "-" {
        return Ok(None);
    }
    let number = s.strip_suffix('%').unwrap_or(s).trim();
    number
        .parse::<f64>()
        .ok()
        .and_then(|p| finite_non_negative(p, f64::MAX).ok())
        .map(Some)
        .ok_or_else(|| format!("{s:?} is not a percentage like \"85.2%\""))
}

fn finite_non_negative(x: f64, max: f64) -> Result<f64, String> {
    if x.is_finite() && (0.0..=max).contains(&x) {
        Ok(x)
    } else {
        Err(format!("{x} is out of range"))
    }
}

/// Splits a task name `PROCESS (tag)` into the process and the tag.
pub fn split_name(name: &str) -> (&str, Option<&str>) {
    let name = name.trim();
    match (name.find(" ("), name.strip_suffix(')')) {
        (Some(at), Some(without_paren)) if at > 0 => (&name[..at], Some(&without_paren[at + 2..])),
        _ => (name, None),
    }
}

/// Maps a trace `status` to an execution status (see the module docs).
pub fn map_status(status: &str) -> Option<ExecutionStatus> {
    Some(match status.trim() {
        "COMPLETED" => ExecutionStatus::Completed,
        "FAILED" => ExecutionStatus::Failed,
        "ABORTED" => ExecutionStatus::Cancelled,
        "CACHED" => ExecutionStatus::Skipped,
        "NEW" | "SUBMITTED" | "RUNNING" => ExecutionStatus::Running,
        _ => return None,
    })
}

/// The error details of a failed task with exit status `exit`.
pub fn error_for_exit(exit: Option<i64>) -> ErrorDetails {
    let (error_type, message) = match exit {
        Some(137) => (
            "SIGKILL",
            "process exited with status 137 (killed by SIGKILL, usually for exceeding its memory)"
                .to_owned(),
        ),
        Some(143) => (
            "SIGTERM",
            "process exited with status 143 (terminated by SIGTERM)".to_owned(),
        ),
        Some(127) => (
            "CommandNotFound",
            "process exited with status 127 (command not found)".to_owned(),
        ),
        Some(code) => ("ExitCode", format!("process exited with status {code}")),
        None => (
            "TaskFailed",
            "the task failed without an exit status".to_owned(),
        ),
    };
    ErrorDetails {
        error_type: error_type.to_owned(),
        code: exit.map(|c| c.to_string()),
        message: Some(message),
        stack_trace: None,
    }
}

/// One data row, its fields looked up by header name.
struct Row<'a> {
    fields: Vec<&'a str>,
    /// Each header name's positions, the last first (see [`Row::get`]).
    columns: &'a HashMap<&'a str, Vec<usize>>,
    loc: Location,
}

impl<'a> Row<'a> {
    /// The raw value of `column`; `None` if there is no such column or the value is `-`/empty.
    /// A name the header repeats is read from its last position holding a value: Nextflow 0.x
    /// traces with headers like `... %cpu rss vmem peak_rss peak_vmem rchar wchar duration
    /// realtime rss vmem peak_rss peak_vmem rchar wchar syscr ...` write the human-readable
    /// values first and the exact ones (milliseconds, bytes) after them.
    fn get(&self, column: &str) -> Option<&'a str> {
        self.columns.get(column)?.iter().find_map(|&i| {
            let v = self.fields.get(i)?.trim();
            (!v.is_empty() && v != "-").then_some(v)
        })
    }

    fn err(&self, column: &str, message: impl Into<String>) -> ImportError {
        ImportError::invalid_at(&self.loc, column, message)
    }

    fn parse<T>(
        &self,
        column: &str,
        parser: impl Fn(&str) -> Result<Option<T>, String>,
    ) -> Result<Option<T>, ImportError> {
        match self.get(column) {
            None => Ok(None),
            Some(v) => parser(v).map_err(|m| self.err(column, m)),
        }
    }

    fn time(&self, column: &str) -> Result<Option<DateTime<Utc>>, ImportError> {
        self.parse(column, |v| {
            parse_timestamp(v)
                .map(Some)
                .ok_or_else(|| format!("{v:?} is not a timestamp like \"2021-02-17 17:03:21.800\""))
        })
    }

    fn number(&self, column: &str) -> Result<Option<f64>, ImportError> {
        self.parse(column, |v| {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                .ok_or_else(|| format!("{v:?} is not a number ≥ 0"))
        })
    }

    fn integer(&self, column: &str) -> Result<Option<i64>, ImportError> {
        self.parse(column, |v| {
            v.parse::<i64>()
                .map(Some)
                .map_err(|_| format!("{v:?} is not an integer"))
        })
    }
}

/// What a later row with the same name needs to know about the last one.
struct Previous {
    failed: bool,
    attempt: i32,
    line: usize,
    reason: String,
}

fn add_ms(t: DateTime<Utc>, ms: i64) -> Option<DateTime<Utc>> {
    t.checked_add_signed(TimeDelta::try_milliseconds(ms)?)
}

pub(crate) fn import_str(text: &str, opts: &ImportOptions) -> Result<ValidBatch, ImportError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(ImportError::UnknownFormat {
            hint: "the file is empty".into(),
        });
    };
    if !is_trace_header(header) {
        return Err(ImportError::invalid_at(
            &Location::line(header_line),
            "header",
            "expected a tab-separated Nextflow trace header (task_id, hash, ..., or name and status columns)",
        ));
    }
    let names: Vec<&str> = header.split('\t').map(str::trim).collect();
    let mut columns: HashMap<&str, Vec<usize>> = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate().rev() {
        columns.entry(name).or_default().push(i);
    }
    if !columns.contains_key("submit") && !columns.contains_key("start") {
        return Err(ImportError::invalid_at(
            &Location::line(header_line),
            "header",
            "needs a submit or start column: the records need a start time",
        ));
    }

    let mut task_ids: HashMap<&str, usize> = HashMap::new();
    let mut previous: HashMap<&str, Previous> = HashMap::new();
    // Records without their keys, which depend on every row (see the module docs).
    let mut records: Vec<(ExecutionRecord, Location, &str, String)> = Vec::new();
    let mut identity: Vec<String> = Vec::new();
    let mut first_submit: Option<DateTime<Utc>> = None;

    for (line, text) in lines {
        let fields: Vec<&str> = text.split('\t').collect();
        let mut row = Row {
            fields,
            columns: &columns,
            loc: Location::line(line),
        };
        if row.fields.len() != names.len() {
            return Err(row.err(
                "row",
                format!(
                    "has {} tab-separated fields but the header (line {header_line}) has {}",
                    row.fields.len(),
                    names.len()
                ),
            ));
        }
        let task_id = row.get("task_id");
        if let Some(id) = task_id {
            row.loc.record = Some(format!("task_id {id}"));
            if let Some(first) = task_ids.insert(id, line) {
                return Err(row.err("task_id", format!("{id} already appears at line {first}")));
            }
        }
        let name = row
            .get("name")
            .ok_or_else(|| row.err("name", "is required"))?;
        let (split_process, split_tag) = split_name(name);
        let process = row.get("process").unwrap_or(split_process);
        let tag = row.get("tag").or(split_tag);
        let status_text = row
            .get("status")
            .ok_or_else(|| row.err("status", "is required"))?;
        let status = map_status(status_text).ok_or_else(|| {
            row.err(
                "status",
                format!("{status_text:?} is not one of COMPLETED, FAILED, ABORTED, CACHED, NEW, SUBMITTED, RUNNING"),
            )
        })?;
        let exit = row.integer("exit")?;

        // Times (see the module docs).
        let submit = row.time("submit")?;
        let start_column = row.time("start")?;
        let complete = row.time("complete")?;
        let duration = row.parse("duration", parse_duration_ms)?;
        let realtime = row.parse("realtime", parse_duration_ms)?;
        let out_of_range = || {
            row.err(
                "duration",
                "puts the task out of the representable time range",
            )
        };
        let start = match (start_column, submit) {
            (Some(start), _) => start,
            (None, Some(submit)) => match (duration, realtime) {
                (Some(d), Some(r)) if d > r => add_ms(submit, d - r).ok_or_else(out_of_range)?,
                _ => submit,
            },
            (None, None) => return Err(row.err("submit", "is required (no start column either)")),
        };
        let queued_ms = submit.map(|s| (start - s).num_milliseconds());
        let submitted = submit.or(start_column).unwrap_or(start);
        first_submit = Some(first_submit.map_or(submitted, |t| t.min(submitted)));
        identity.push(
            ["task_id", "hash", "native_id", "name"]
                .map(|c| row.get(c).unwrap_or(""))
                .join("\t"),
        );
        let end = if status == ExecutionStatus::Running {
            None
        } else if let Some(complete) = complete {
            Some(complete)
        } else if let Some(r) = realtime {
            Some(add_ms(start, r).ok_or_else(out_of_range)?)
        } else if let (Some(s), Some(d)) = (submit, duration) {
            Some(add_ms(s, d).ok_or_else(out_of_range)?.max(start))
        } else {
            Some(start)
        };
        let run_ms = realtime.or_else(|| end.map(|e| (e - start).num_milliseconds()));

        // Attempts and retries.
        let prior = previous.get(name).filter(|p| p.failed);
        let attempt_column = row.integer("attempt")?;
        let attempt_number = match attempt_column {
            Some(a) => i32::try_from(a)
                .ok()
                .filter(|a| *a >= 1)
                .ok_or_else(|| row.err("attempt", format!("{a} is not an integer ≥ 1")))?,
            None => prior.map_or(1, |p| p.attempt.saturating_add(1)),
        };
        let retry_reason = match prior {
            Some(p) if attempt_number > 1 => Some(format!(
                "attempt {} (line {}) failed: {}",
                p.attempt, p.line, p.reason
            )),
            _ => None,
        };
        let error = (status == ExecutionStatus::Failed).then(|| error_for_exit(exit));
        previous.insert(
            name,
            Previous {
                failed: status == ExecutionStatus::Failed,
                attempt: attempt_number,
                line,
                reason: error
                    .as_ref()
                    .and_then(|e| e.message.clone())
                    .unwrap_or_default(),
            },
        );

        // Metrics.
        let cpu_percent = row.parse("%cpu", parse_percent)?;
        // Nextflow 0.x traces name the resident set `rss` (no `peak_rss` column).
        let peak_rss = match row.parse("peak_rss", parse_size_bytes)? {
            Some(b) => Some(b),
            None => row.parse("rss", parse_size_bytes)?,
        };
        let read_bytes = match row.parse("rchar", parse_size_bytes)? {
            Some(b) => Some(b),
            None => row.parse("read_bytes", parse_size_bytes)?,
        };
        let write_bytes = match row.parse("wchar", parse_size_bytes)? {
            Some(b) => Some(b),
            None => row.parse("write_bytes", parse_size_bytes)?,
        };
        let io_operations = match (row.integer("syscr")?, row.integer("syscw")?) {
            (Some(r), Some(w)) => r.checked_add(w),
            _ => None,
        };
        let cpus = row.number("cpus")?.filter(|c| *c > 0.0);
        let memory = row
            .parse("memory", parse_size_bytes)?
            .filter(|b| *b > 0)
            .map(|b| b as f64 / BYTES_PER_MIB);

        let mut attributes = BTreeMap::new();
        if let Some(hash) = row.get("hash") {
            attributes.insert(
                "hash".to_owned(),
                AttributeValue::Text(truncate_chars(hash, MAX_KEY_LEN)),
            );
        }
        if let Some(tag) = tag.filter(|t| !t.is_empty()) {
            attributes.insert(
                "tag".to_owned(),
                AttributeValue::Text(truncate_chars(tag, MAX_KEY_LEN)),
            );
        }
        if let Some(q) = queued_ms.filter(|q| *q >= 0) {
            attributes.insert("queuedMs".to_owned(), AttributeValue::Number(q as f64));
        }

        let execution_key = match (task_id, row.get("hash")) {
            (Some(id), _) => id.to_owned(),
            (None, Some(hash)) => format!("{hash}#{attempt_number}"),
            (None, None) => format!("line-{line}"),
        };
        let record = ExecutionRecord {
            execution_id: String::new(),
            workflow_id: String::new(),
            workflow_execution_id: String::new(),
            task_id: String::new(),
            instance_id: Some(truncate_chars(
                tag.filter(|t| !t.trim().is_empty()).unwrap_or(name),
                MAX_KEY_LEN,
            )),
            workflow_name: None,
            task_name: process.to_owned(),
            task_type: TaskType::Compute,
            status,
            attempt_number,
            start_time: start,
            end_time: end,
            duration_ms: None, // derived from the times by validation
            input_size_bytes: None,
            output_size_bytes: None,
            cpu_time_ms: match (run_ms, cpu_percent) {
                (Some(ms), Some(pct)) => Some((ms as f64 * pct / 100.0).round() as i64),
                _ => None,
            },
            memory_peak_mb: peak_rss.map(|b| b as f64 / BYTES_PER_MIB),
            io_operations,
            read_bytes,
            write_bytes,
            network_calls: None,
            bytes_transferred: None,
            cpu_allocated_cores: cpus,
            memory_allocated_mb: memory,
            host: row.get("hostname").map(str::to_owned),
            error,
            retry_reason,
            input_hash: None,
            attributes,
            correction: false,
        };
        records.push((record, row.loc, process, execution_key));
    }

    let (workflow_id, workflow_name) = match &opts.workflow_id {
        Some(id) => (id.clone(), None),
        None => {
            let (key, name) = pipeline_key(records.iter().map(|r| r.2));
            (key, Some(name))
        }
    };
    let run = match (&opts.workflow_execution_id, first_submit) {
        (Some(id), _) => id.clone(),
        (None, Some(first)) => run_key(first, identity),
        (None, None) => String::new(), // no rows: no record carries it
    };
    let records = records
        .into_iter()
        .map(|(mut record, loc, process, execution_key)| {
            record.execution_id = format!("{run}/{execution_key}");
            record.workflow_id.clone_from(&workflow_id);
            record.workflow_execution_id.clone_from(&run);
            record.task_id = format!("{workflow_id}.{process}");
            record.workflow_name.clone_from(&workflow_name);
            (record, loc)
        })
        .collect();
    validate_records(records, Vec::new())
}

/// The workflow key and name of a pipeline from its process names (see the module docs):
/// `(nfcore_chipseq, NFCORE_CHIPSEQ)` when every process runs in a scope starting
/// `NFCORE_CHIPSEQ:`, else `(nextflow-{fingerprint}, "Nextflow pipeline of N processes: ...")`.
pub fn pipeline_key<'a>(processes: impl IntoIterator<Item = &'a str>) -> (String, String) {
    let processes: BTreeSet<&str> = processes.into_iter().collect();
    // The scopes (all segments but the last) and the length of the prefix they share.
    let scopes: Vec<Vec<&str>> = processes
        .iter()
        .map(|p| {
            let mut segments: Vec<&str> = p.split(':').map(str::trim).collect();
            segments.pop();
            segments
        })
        .collect();
    let shared = scopes.first().map_or(0, |first| {
        scopes.iter().fold(first.len(), |n, s| {
            n.min(first.iter().zip(s).take_while(|(a, b)| a == b).count())
        })
    });
    if shared > 0
        && let Some(top) = scopes[0].first().filter(|t| !t.is_empty())
    {
        let key = truncate_chars(&top.to_lowercase(), MAX_KEY_LEN / 2);
        return (key, truncate_chars(top, MAX_KEY_LEN));
    }
    let sorted: Vec<&str> = processes.iter().copied().collect();
    let key = format!(
        "nextflow-{}",
        fingerprint(&format!(
            "tasklens-nextflow-processes-v1\n{}",
            sorted.join("\n")
        ))
    );
    let name = format!(
        "Nextflow pipeline of {} processes: {}",
        sorted.len(),
        sorted.join(", ")
    );
    (key, truncate_chars(&name, MAX_KEY_LEN))
}

/// The run key of a trace whose earliest submit time is `first` and whose rows have the
/// identity lines `rows` (`task_id`, `hash`, `native_id`, `name`, tab-separated, `-` as empty):
/// `{first, %Y%m%dT%H%M%SZ}-{fingerprint}` of `tasklens-nextflow-run-v1`, the first time
/// (`2021-03-04T21:06:07.625Z`) and the sorted lines, one per line.
pub fn run_key(first: DateTime<Utc>, mut rows: Vec<String>) -> String {
    rows.sort_unstable();
    crate::keys::run_key(
        first,
        &format!(
            "tasklens-nextflow-run-v1\n{}\n{}",
            canonical_time(first),
            rows.join("\n")
        ),
    )
}
