//! The workflow page's URL (`/workflows/{id}`): the page's [`Window`] and the what-if form
//! ([`WhatIf`]), so a simulation is a link that re-runs the same seeded simulation.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use types::{SimulationChange, SimulationRequest};

use super::view::{Window, encode};
use crate::AppError;

/// Simulated runs per side on the page: the API's interactive size (answered in well under a
/// second for the demo workflows).
pub const PAGE_RUNS: u32 = 2_000;

/// The what-if form: a change type, its task or edge, its parameter and the seed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhatIf {
    /// `scale`, `cache`, `failure_rate`, `max_attempts`, `remove_edge`; absent: no simulation.
    pub change: Option<String>,
    pub task: Option<String>,
    /// The change's parameter as typed: a factor, a percentage or a count (see [`Kind`]).
    pub value: Option<String>,
    /// `remove_edge`'s edge, as [`edge_value`] writes it.
    pub edge: Option<String>,
    pub seed: Option<String>,
}

/// The change types the form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scale,
    Cache,
    FailureRate,
    MaxAttempts,
    RemoveEdge,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Scale,
        Kind::Cache,
        Kind::FailureRate,
        Kind::MaxAttempts,
        Kind::RemoveEdge,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Kind::Scale => "scale",
            Kind::Cache => "cache",
            Kind::FailureRate => "failure_rate",
            Kind::MaxAttempts => "max_attempts",
            Kind::RemoveEdge => "remove_edge",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Scale => "scale a task's durations by a factor",
            Kind::Cache => "cache a task: hit rate %",
            Kind::FailureRate => "set a task's failure rate %",
            Kind::MaxAttempts => "set a task's max attempts",
            Kind::RemoveEdge => "remove an edge",
        }
    }

    /// The parameter when the form leaves it empty.
    pub fn default_value(self) -> &'static str {
        match self {
            Kind::Scale => "0.7",
            Kind::Cache => "50",
            Kind::FailureRate => "0",
            Kind::MaxAttempts => "3",
            Kind::RemoveEdge => "",
        }
    }

    pub fn parse(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// An edge as one form value: both keys percent-encoded (so neither holds a space), joined by
/// a space.
pub fn edge_value(up: &str, down: &str) -> String {
    format!("{} {}", encode(up), encode(down))
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::InvalidInput {
        field: field.into(),
        message: message.into(),
    }
}

impl WhatIf {
    pub fn from_query(q: &ParamsMap) -> Self {
        let p = |k: &str| q.get(k).filter(|v| !v.is_empty());
        WhatIf {
            change: p("change"),
            task: p("task"),
            value: p("value"),
            edge: p("edge"),
            seed: p("seed"),
        }
    }

    fn params(&self) -> [(&'static str, &Option<String>); 5] {
        [
            ("change", &self.change),
            ("task", &self.task),
            ("value", &self.value),
            ("edge", &self.edge),
            ("seed", &self.seed),
        ]
    }

    pub fn kind(&self) -> Option<Kind> {
        self.change.as_deref().and_then(Kind::parse)
    }

    /// The seed in effect (0 when absent).
    pub fn seed(&self) -> Result<u64, AppError> {
        match self.seed.as_deref().map(str::trim) {
            None | Some("") => Ok(0),
            Some(s) => s
                .parse()
                .map_err(|_| invalid("seed", "must be a whole number ≥ 0")),
        }
    }

    /// The simulation the form asks for over `window`; `None` when it names no change.
    pub fn request(
        &self,
        workflow: String,
        window: &Window,
    ) -> Result<Option<SimulationRequest>, AppError> {
        let Some(change) = self.simulation_change()? else {
            return Ok(None);
        };
        Ok(Some(SimulationRequest {
            workflow_id: workflow,
            changes: vec![change],
            runs: Some(PAGE_RUNS),
            seed: Some(self.seed()?),
            // The page's window, whose default (7d) is not the simulation API's (30d).
            time_range: window.active_range().map(str::to_owned),
            from: window.from.clone(),
            to: window.to.clone(),
            one_off_cost: None,
        }))
    }

    /// The change the form describes; `None` when it names none.
    pub fn simulation_change(&self) -> Result<Option<SimulationChange>, AppError> {
        let Some(change) = self.change.as_deref() else {
            return Ok(None);
        };
        let kind = Kind::parse(change).ok_or_else(|| {
            invalid(
                "change",
                "must be scale, cache, failure_rate, max_attempts or remove_edge",
            )
        })?;
        let raw = self
            .value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(kind.default_value());
        let number = || {
            raw.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| invalid("value", format!("{raw:?} is not a number")))
        };
        let task = || {
            self.task
                .clone()
                .ok_or_else(|| invalid("task", "choose a task"))
        };
        Ok(Some(match kind {
            Kind::Scale => SimulationChange::Scale {
                task_id: task()?,
                factor: number()?,
            },
            Kind::Cache => SimulationChange::Cache {
                task_id: task()?,
                hit_rate: number()? / 100.0,
            },
            Kind::FailureRate => SimulationChange::FailureRate {
                task_id: task()?,
                rate: number()? / 100.0,
            },
            Kind::MaxAttempts => SimulationChange::MaxAttempts {
                task_id: task()?,
                attempts: raw
                    .parse()
                    .map_err(|_| invalid("value", "attempts must be a whole number ≥ 1"))?,
            },
            Kind::RemoveEdge => {
                let edge = self.edge.as_deref().unwrap_or_default();
                let Some((up, down)) = edge.split_once(' ') else {
                    return Err(invalid("edge", "choose an edge"));
                };
                SimulationChange::RemoveEdge {
                    from: decode(up),
                    to: decode(down),
                }
            }
        }))
    }
}

/// The workflow page's URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkflowView {
    pub workflow: String,
    pub window: Window,
    pub what_if: WhatIf,
}

impl WorkflowView {
    pub fn href(&self) -> String {
        let w = &self.window;
        let window = [("range", &w.range), ("from", &w.from), ("to", &w.to)];
        let parts: Vec<String> = window
            .into_iter()
            .chain(self.what_if.params())
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
            .collect();
        let query = if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        };
        format!("{}{query}", workflow_path(&self.workflow))
    }

    /// Another window keeps the what-if form (its simulation resamples the new window).
    pub fn with_window(&self, window: Window) -> Self {
        WorkflowView {
            window,
            ..self.clone()
        }
    }
}

/// `/workflows/{id}` with the key percent-encoded.
pub fn workflow_path(workflow: &str) -> String {
    format!("/workflows/{}", encode(workflow))
}

/// The workflow key of a `/workflows/{id}` path, decoded exactly once (see
/// [`super::view::task_of_path`] for why not the router's parameter).
pub fn workflow_of_path(path: &str) -> String {
    let rest = path.strip_prefix("/workflows/").unwrap_or_default();
    decode(rest.split('/').next().unwrap_or_default())
}

/// The workflow view of the current URL.
pub fn use_workflow_view() -> Memo<WorkflowView> {
    let location = leptos_router::hooks::use_location();
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        WorkflowView {
            workflow: workflow_of_path(&location.pathname.read()),
            window: Window::from_query(&q),
            what_if: WhatIf::from_query(&q),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_what_if_link_keeps_every_field_and_encodes_hostile_keys() {
        let evil = "wf.</script><!--x y";
        let v = WorkflowView {
            workflow: "team/<wf>".into(),
            window: Window::with_range("30d"),
            what_if: WhatIf {
                change: Some("remove_edge".into()),
                task: None,
                value: None,
                edge: Some(edge_value(evil, "b c")),
                seed: Some("7".into()),
            },
        };
        let h = v.href();
        assert!(
            h.starts_with("/workflows/team%2F%3Cwf%3E?range=30d&change=remove_edge&edge="),
            "{h}"
        );
        assert!(!h.contains('<') && !h.contains(' '), "{h}");
        assert_eq!(workflow_of_path(&workflow_path("team/<wf>")), "team/<wf>");
        assert_eq!(
            v.what_if.simulation_change().unwrap(),
            Some(SimulationChange::RemoveEdge {
                from: evil.into(),
                to: "b c".into()
            })
        );
        assert_eq!(v.what_if.seed().unwrap(), 7);
    }

    #[test]
    fn the_form_reads_percentages_as_fractions_and_refuses_what_it_cannot_read() {
        let w = |change: &str, value: Option<&str>| WhatIf {
            change: Some(change.into()),
            task: Some("wf.a".into()),
            value: value.map(str::to_owned),
            ..Default::default()
        };
        assert_eq!(
            w("cache", Some("50")).simulation_change().unwrap(),
            Some(SimulationChange::Cache {
                task_id: "wf.a".into(),
                hit_rate: 0.5
            })
        );
        assert_eq!(
            w("scale", None).simulation_change().unwrap(),
            Some(SimulationChange::Scale {
                task_id: "wf.a".into(),
                factor: 0.7
            }),
            "an empty parameter takes the default"
        );
        let field = |r: Result<Option<SimulationChange>, AppError>| match r {
            Err(AppError::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(w("scale", Some("fast")).simulation_change()), "value");
        assert_eq!(field(w("teleport", None).simulation_change()), "change");
        assert_eq!(field(w("remove_edge", None).simulation_change()), "edge");
        assert_eq!(WhatIf::default().simulation_change().unwrap(), None);
    }
}
