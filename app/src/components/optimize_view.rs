//! The optimisation page's URL (`/tasks/{key}/optimize`): the task, the window, the selected
//! optimisation (`opt`, its kind), the simulator's parameter (`value`, in the form's unit) and
//! the seed. A shared link re-runs the same seeded simulation.

use super::view::{Window, encode, task_of_path};
use crate::AppError;

/// The page's parts, each embeddable at `/embed/tasks/{key}/optimize/{part}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Suggestions,
    Simulator,
    Results,
    Resources,
    Plan,
}

impl Part {
    pub const ALL: [Part; 5] = [
        Part::Suggestions,
        Part::Simulator,
        Part::Results,
        Part::Resources,
        Part::Plan,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Part::Suggestions => "suggestions",
            Part::Simulator => "simulator",
            Part::Results => "results",
            Part::Resources => "resources",
            Part::Plan => "plan",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Part::Suggestions => "Optimisation suggestions",
            Part::Simulator => "Simulator",
            Part::Results => "Simulation results",
            Part::Resources => "Resources: current and proposed",
            Part::Plan => "Implementation plan",
        }
    }

    pub fn parse(slug: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.slug() == slug)
    }
}

/// The optimisation page's URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OptimizeView {
    pub task: String,
    pub window: Window,
    /// The selected optimisation's kind (`caching`, `fewer_cores`, …); absent: the top-ranked.
    pub opt: Option<String>,
    /// The adjustable parameter as typed; absent: the proposed value.
    pub value: Option<String>,
    pub seed: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::InvalidInput {
        field: field.into(),
        message: message.into(),
    }
}

impl OptimizeView {
    fn params(&self) -> [(&'static str, &Option<String>); 6] {
        [
            ("range", &self.window.range),
            ("from", &self.window.from),
            ("to", &self.window.to),
            ("opt", &self.opt),
            ("value", &self.value),
            ("seed", &self.seed),
        ]
    }

    fn query(&self) -> String {
        let parts: Vec<String> = self
            .params()
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    pub fn href(&self) -> String {
        format!("{}{}", optimize_path(&self.task), self.query())
    }

    /// One part, chromeless, with the same state.
    pub fn embed_href(&self, part: Part) -> String {
        format!(
            "/embed/tasks/{}/optimize/{}{}",
            encode(&self.task),
            part.slug(),
            self.query()
        )
    }

    /// Another window keeps the selection and drops the parameter (it was the old window's).
    pub fn with_window(&self, window: Window) -> Self {
        OptimizeView {
            window,
            value: None,
            ..self.clone()
        }
    }

    /// Another optimisation: its own proposed parameter, the same seed.
    pub fn with_opt(&self, kind: &str) -> Self {
        OptimizeView {
            opt: Some(kind.to_owned()),
            value: None,
            ..self.clone()
        }
    }

    /// The parameter in effect; `None`: the proposed one.
    pub fn value(&self) -> Result<Option<f64>, AppError> {
        match self.value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| invalid("value", format!("{v:?} is not a number"))),
        }
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
}

/// `/tasks/{key}/optimize` with the key percent-encoded.
pub fn optimize_path(task: &str) -> String {
    format!("/tasks/{}/optimize", encode(task))
}

/// The part of an `/embed/tasks/{key}/optimize/{part}` path.
pub fn part_of_path(path: &str) -> Option<Part> {
    let rest = path.strip_prefix("/embed/tasks/")?;
    let mut segments = rest.split('/').skip(1);
    match (segments.next(), segments.next(), segments.next()) {
        (Some("optimize"), Some(part), None) => Part::parse(part),
        _ => None,
    }
}

impl OptimizeView {
    /// The view of a page URL (`/tasks/{key}/optimize?…` or its embed), read the way the
    /// browser's router reads it (`+` in the query is a space, as a GET form writes it).
    pub fn parse_url(url: &str) -> (Self, Option<Part>) {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let mut v = OptimizeView {
            task: task_of_path(path),
            ..OptimizeView::default()
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, val) = pair.split_once('=').unwrap_or((pair, ""));
            let val = percent_encoding::percent_decode_str(&val.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            let slot = match k {
                "range" => &mut v.window.range,
                "from" => &mut v.window.from,
                "to" => &mut v.window.to,
                "opt" => &mut v.opt,
                "value" => &mut v.value,
                "seed" => &mut v.seed,
                _ => continue,
            };
            // The first occurrence wins, as in the router's map.
            if slot.is_none() && !val.is_empty() {
                *slot = Some(val);
            }
        }
        (v, part_of_path(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_holds_the_state_and_keys_stay_encoded() {
        let v = OptimizeView {
            task: "team/<t>%41".into(),
            window: Window::with_range("30d"),
            opt: Some("caching".into()),
            value: Some("40".into()),
            seed: Some("3".into()),
        };
        assert_eq!(
            v.href(),
            "/tasks/team%2F%3Ct%3E%2541/optimize?range=30d&opt=caching&value=40&seed=3"
        );
        assert_eq!(task_of_path(&v.href().replace("?", "/?")), "team/<t>%41");
        let embed = v.embed_href(Part::Results);
        assert!(embed.starts_with("/embed/tasks/team%2F%3Ct%3E%2541/optimize/results?"));
        assert_eq!(
            part_of_path(embed.split('?').next().unwrap()),
            Some(Part::Results)
        );
        assert_eq!(part_of_path("/embed/tasks/a/cards"), None);
        assert_eq!(part_of_path("/embed/tasks/a/optimize/nope"), None);
        // Another optimisation drops the parameter, keeps the seed and window.
        let w = v.with_opt("fewer_cores");
        assert_eq!((w.value.clone(), w.seed.as_deref()), (None, Some("3")));
        assert_eq!(v.value().unwrap(), Some(40.0));
        let bad = OptimizeView {
            value: Some("lots".into()),
            seed: Some("-1".into()),
            ..v
        };
        assert!(
            matches!(bad.value(), Err(AppError::InvalidInput { field, .. }) if field == "value")
        );
        assert!(matches!(bad.seed(), Err(AppError::InvalidInput { field, .. }) if field == "seed"));
        let (parsed, part) = OptimizeView::parse_url(&w.embed_href(Part::Plan));
        assert_eq!((parsed, part), (w, Some(Part::Plan)));
        let (form, _) =
            OptimizeView::parse_url("/tasks/a.b/optimize?opt=caching&value=4+0&seed=&seed=9");
        assert_eq!(form.value.as_deref(), Some("4 0"));
        assert_eq!(
            form.seed.as_deref(),
            Some("9"),
            "an empty value counts as absent"
        );
    }
}
