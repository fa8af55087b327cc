//! Tasklens importers: turn trace files into a validated [`ValidBatch`] of ingest format v1.
//!
//! Pure and synchronous: every function takes the file's bytes and returns either the whole
//! batch or the first problem found (never a partial batch). No IO, no async, no SQL.
//!
//! Supported formats ([`Format`]), recognised by [`detect`]:
//! - [`Format::IngestJson`] / [`Format::IngestNdjson`]: Tasklens ingest format v1
//!   (`types::ingest`), as a `{"executions": [...], "dependencies": [...]}` document or one
//!   execution record per line. Unlike the HTTP endpoint, a file may hold more than
//!   [`types::ingest::MAX_RECORDS_PER_BATCH`] records. See [`ingest`].
//! - [`Format::WfCommons`]: a WfCommons instance in WfFormat 1.5
//!   (schema: `wfcommons-schema.json` in the public wfcommons/WfFormat repository). See
//!   [`wfcommons`].
//! - [`Format::NextflowTrace`]: a Nextflow execution trace file (Nextflow docs, "Trace
//!   report" / `trace` config scope). See [`nextflow`].
//!
//! Every record an importer builds is checked by exactly the same rules as the HTTP ingest
//! path ([`types::ingest::ExecutionRecord::from_json`], then [`ValidBatch::new`]), so an
//! imported batch is one the server would have accepted.

pub mod ingest;
pub mod keys;
pub mod nextflow;
mod timestamp;
pub mod wfcommons;

use serde_json::Value;
use types::ingest::{DependencyRecord, ExecutionRecord, FieldError, ValidBatch};

pub use timestamp::parse_timestamp;

/// The formats [`detect`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Ingest format v1 as one JSON document `{"executions": [...], "dependencies": [...]}`.
    IngestJson,
    /// Ingest format v1 as newline-delimited JSON, one execution record per line.
    IngestNdjson,
    /// A WfCommons workflow instance (WfFormat 1.5 JSON).
    WfCommons,
    /// A Nextflow execution trace (tab-separated, header row first).
    NextflowTrace,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IngestJson => "ingest-json",
            Self::IngestNdjson => "ingest-ndjson",
            Self::WfCommons => "wfcommons",
            Self::NextflowTrace => "nextflow-trace",
        }
    }
}

/// Keys an import needs that the file itself may not carry. Ingest JSON/NDJSON records carry
/// their own keys, so these options apply to WfCommons and Nextflow files only.
///
/// Without overrides the keys come from the file's content, never from its name (see
/// [`keys`]): the workflow from the pipeline or the DAG, the run from what the run recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// Overrides the workflow id (default: from the content; see [`nextflow`], [`wfcommons`]).
    pub workflow_id: Option<String>,
    /// Overrides the workflow execution id (default: from the content).
    pub workflow_execution_id: Option<String>,
    /// The file's name, for messages only: Nextflow writes `execution_trace.txt` on every run,
    /// so a name is no key.
    pub source_name: String,
}

impl ImportOptions {
    /// Options with only a source name (the file stem).
    pub fn from_source(source_name: impl Into<String>) -> Self {
        Self {
            source_name: source_name.into(),
            ..Self::default()
        }
    }
}

/// Why a file could not be imported. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not one of the [`Format`]s.
    #[error("unrecognised file format: {hint}")]
    UnknownFormat { hint: String },
    /// The file is not valid UTF-8; `line` holds the first bad byte.
    #[error("the file is not valid UTF-8 (line {line})")]
    NotUtf8 { line: usize },
    /// Malformed JSON (or NDJSON line).
    #[error("syntax error at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A well-formed file with an invalid value: the first one found. `line` is the file line
    /// where the format has lines per record (Nextflow rows, NDJSON); `record` names the record
    /// otherwise (e.g. `workflow.execution.tasks[3] (blastall_ID000004)`, `executions[7]`).
    #[error("{}", describe_invalid(.line, .record, .field, .message))]
    Invalid {
        line: Option<usize>,
        record: Option<String>,
        field: String,
        message: String,
    },
    /// The task graph is not acyclic. `tasks` walks one cycle in edge direction and ends
    /// where it started, e.g. `["a", "b", "a"]`.
    #[error("the task graph has a cycle: {}", .tasks.join(" -> "))]
    Cycle { tasks: Vec<String> },
}

fn describe_invalid(
    line: &Option<usize>,
    record: &Option<String>,
    field: &str,
    message: &str,
) -> String {
    let mut at = String::new();
    if let Some(line) = line {
        at.push_str(&format!(" at line {line}"));
    }
    if let Some(record) = record {
        at.push_str(&format!(" in {record}"));
    }
    format!("invalid {field}{at}: {message}")
}

impl ImportError {
    fn invalid_at(
        loc: &Location,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ImportError {
        ImportError::Invalid {
            line: loc.line,
            record: loc.record.clone(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Where a record came from in the file, for error messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Location {
    pub line: Option<usize>,
    pub record: Option<String>,
}

impl Location {
    pub fn line(line: usize) -> Self {
        Self {
            line: Some(line),
            record: None,
        }
    }

    pub fn record(record: impl Into<String>) -> Self {
        Self {
            line: None,
            record: Some(record.into()),
        }
    }
}

/// Recognises the format of `bytes` (see [`Format`] for the rules).
///
/// - A JSON object whose `workflow` holds `specification` or `execution` → WfCommons.
/// - A JSON object with `executions` → ingest JSON.
/// - Otherwise, a first non-blank line that is a JSON object → ingest NDJSON.
/// - A tab-separated first line starting `task_id\thash`, or with `name` and `status`
///   columns → Nextflow trace.
pub fn detect(bytes: &[u8]) -> Result<Format, ImportError> {
    sniff(bytes).map(|(format, _, _)| format)
}

/// Detects the format of `bytes` and converts the whole file into one validated batch.
pub fn import(bytes: &[u8], opts: &ImportOptions) -> Result<ValidBatch, ImportError> {
    let (format, text, json) = sniff(bytes)?;
    match (format, json) {
        (Format::WfCommons, Some(doc)) => wfcommons::import_value(&doc, opts),
        (Format::IngestJson, Some(doc)) => ingest::import_json_value(doc),
        (Format::IngestJson | Format::WfCommons, None) => {
            // sniff always parses these; parse again rather than fail.
            let doc: Value = serde_json::from_str(text).map_err(syntax_error)?;
            if format == Format::WfCommons {
                wfcommons::import_value(&doc, opts)
            } else {
                ingest::import_json_value(doc)
            }
        }
        (Format::IngestNdjson, _) => ingest::import_ndjson_str(text),
        (Format::NextflowTrace, _) => nextflow::import_str(text, opts),
    }
}

/// The file as text, without a UTF-8 byte-order mark.
pub(crate) fn as_text(bytes: &[u8]) -> Result<&str, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    })
}

pub(crate) fn syntax_error(e: serde_json::Error) -> ImportError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    ImportError::Syntax {
        line: e.line(),
        column: e.column(),
        message: full.strip_suffix(&suffix).unwrap_or(&full).to_owned(),
    }
}

/// Format, text and (for whole-document JSON formats) the parsed document.
fn sniff(bytes: &[u8]) -> Result<(Format, &str, Option<Value>), ImportError> {
    let text = as_text(bytes)?;
    let Some(first_line) = text.lines().find(|l| !l.trim().is_empty()) else {
        return Err(ImportError::UnknownFormat {
            hint: "the file is empty".into(),
        });
    };
    let first_line = first_line.trim();
    if first_line.starts_with('{') {
        let first_line_is_object = || {
            matches!(
                serde_json::from_str::<Value>(first_line),
                Ok(Value::Object(_))
            )
        };
        return match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(top)) => {
                let workflow = top.get("workflow").and_then(Value::as_object);
                if workflow
                    .is_some_and(|w| w.contains_key("specification") || w.contains_key("execution"))
                {
                    Ok((Format::WfCommons, text, Some(Value::Object(top))))
                } else if top.contains_key("executions") {
                    Ok((Format::IngestJson, text, Some(Value::Object(top))))
                } else if workflow.is_some() {
                    Err(ImportError::UnknownFormat {
                        hint: "a JSON object with \"workflow\" but neither workflow.specification \
                               nor workflow.execution (only WfFormat 1.5 instances are supported)"
                            .into(),
                    })
                } else if first_line_is_object() {
                    Ok((Format::IngestNdjson, text, None))
                } else {
                    Err(ImportError::UnknownFormat {
                        hint: "a JSON object with neither \"executions\" (ingest format v1) nor \
                               \"workflow\" (WfCommons)"
                            .into(),
                    })
                }
            }
            Ok(_) => Err(ImportError::UnknownFormat {
                hint: "JSON that is not an object".into(),
            }),
            Err(_) if first_line_is_object() => Ok((Format::IngestNdjson, text, None)),
            Err(e) => Err(syntax_error(e)),
        };
    }
    if first_line.contains('\t') && nextflow::is_trace_header(first_line) {
        return Ok((Format::NextflowTrace, text, None));
    }
    let hint = if first_line.starts_with('[') {
        "a JSON array: ingest files are {\"executions\": [...]} or one JSON record per line"
    } else {
        "expected ingest JSON/NDJSON, a WfCommons (WfFormat 1.5) instance, or a tab-separated \
         Nextflow trace whose header has task_id/hash or name/status columns"
    };
    Err(ImportError::UnknownFormat { hint: hint.into() })
}

/// Validates raw records exactly as the HTTP ingest path does (per-record
/// [`ExecutionRecord::from_json`] / [`DependencyRecord::from_json`], then [`ValidBatch::new`]
/// for cross-record rules), without its record limit. The first error is reported at the
/// location of its record.
pub(crate) fn validate_values(
    executions: Vec<(Value, Location)>,
    dependencies: Vec<(Value, Location)>,
) -> Result<ValidBatch, ImportError> {
    let mut records = Vec::with_capacity(executions.len());
    let mut exec_locs = Vec::with_capacity(executions.len());
    for (i, (value, loc)) in executions.into_iter().enumerate() {
        match ExecutionRecord::from_json(i, &value) {
            Ok(r) => records.push(r),
            Err(errors) => return Err(first_error(errors, |_| Some(&loc))),
        }
        exec_locs.push(loc);
    }
    let mut deps = Vec::with_capacity(dependencies.len());
    let mut dep_locs = Vec::with_capacity(dependencies.len());
    for (i, (value, loc)) in dependencies.into_iter().enumerate() {
        match DependencyRecord::from_json(i, &value) {
            Ok(d) => deps.push(d),
            Err(errors) => return Err(first_error(errors, |_| Some(&loc))),
        }
        dep_locs.push(loc);
    }
    ValidBatch::new(records, deps).map_err(|errors| {
        let is_dep = errors
            .first()
            .is_some_and(|e| e.field.starts_with("dependencies."));
        let locs = if is_dep { &dep_locs } else { &exec_locs };
        first_error(errors, |i| locs.get(i))
    })
}

/// The first of `errors`, placed at its record's location.
fn first_error<'a>(
    errors: Vec<FieldError>,
    location_of: impl Fn(usize) -> Option<&'a Location>,
) -> ImportError {
    let unknown = Location::default();
    match errors.into_iter().next() {
        Some(e) => {
            let field = e.field.strip_prefix("dependencies.").unwrap_or(&e.field);
            ImportError::invalid_at(location_of(e.index).unwrap_or(&unknown), field, e.message)
        }
        None => ImportError::invalid_at(&unknown, "$", "invalid batch"),
    }
}

/// [`validate_values`] for records an importer built itself: each goes through its wire form
/// so that it meets every rule of the HTTP path (key lengths, non-negative numbers, ...).
pub(crate) fn validate_records(
    executions: Vec<(ExecutionRecord, Location)>,
    dependencies: Vec<(DependencyRecord, Location)>,
) -> Result<ValidBatch, ImportError> {
    fn wire<T: serde::Serialize>(
        items: Vec<(T, Location)>,
    ) -> Result<Vec<(Value, Location)>, ImportError> {
        items
            .into_iter()
            .map(|(r, loc)| match serde_json::to_value(&r) {
                Ok(v) => Ok((v, loc)),
                Err(e) => Err(ImportError::invalid_at(&loc, "$", e.to_string())),
            })
            .collect()
    }
    validate_values(wire(executions)?, wire(dependencies)?)
}

/// `s` cut to at most `max` characters (attribute values have a length limit).
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}
