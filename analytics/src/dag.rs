//! Where a task sits in its workflow DAG, and what that costs.
//!
//! * [`Dag`]: tasks weighted by a duration (e.g. mean runtime) and upstream → downstream edges.
//!   Construction rejects cycles with the name of a task on one (petgraph `toposort`, a
//!   Kosaraju-style pass, so it always terminates).
//! * **Critical path method** (Kelley & Walker 1959, "Critical-path planning and scheduling",
//!   *Proc. Eastern Joint Computer Conf.*): a forward pass gives each task's earliest start
//!   (latest earliest finish among its upstreams, 0 for roots) and finish; a backward pass from
//!   the project length gives latest finish (earliest latest start among downstreams, the
//!   length for sinks) and start; slack = latest start − earliest start. The critical path is
//!   the longest root-to-sink path by the sum of node weights.
//! * [`analyze_run`]: the same questions for one observed run, from actual start and end times.

use std::collections::{HashMap, HashSet};

use petgraph::Direction::{Incoming, Outgoing};
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DagError {
    #[error("task {0:?} is listed twice")]
    DuplicateNode(String),
    #[error("an edge refers to unknown task {0:?}")]
    UnknownNode(String),
    #[error("task {node:?} has weight {weight}; weights must be finite and non-negative")]
    InvalidWeight { node: String, weight: f64 },
    #[error("the dependencies contain a cycle through task {node:?}")]
    Cycle { node: String },
    #[error("task {task:?} has start {start} and end {end}; both must be finite, end ≥ start")]
    InvalidTimes { task: String, start: f64, end: f64 },
}

/// Critical-path-method figures for one task.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSchedule {
    pub id: String,
    pub weight: f64,
    pub earliest_start: f64,
    pub earliest_finish: f64,
    pub latest_start: f64,
    pub latest_finish: f64,
    /// `latest_start − earliest_start`, clamped at 0 against rounding: how much the task could
    /// slip without delaying the whole workflow.
    pub slack: f64,
    /// Number of direct upstreams.
    pub fan_in: usize,
    /// Number of direct downstreams.
    pub fan_out: usize,
    /// On the critical path returned by [`Dag::critical_path`].
    pub on_critical_path: bool,
}

/// A longest path and its length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CriticalPath {
    /// Task ids from a root to a sink.
    pub nodes: Vec<String>,
    /// Sum of their weights.
    pub length: f64,
}

/// A critical task ranked by [`Dag::bottlenecks`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bottleneck {
    pub id: String,
    /// `critical_share · (1 + fan_out)`.
    pub severity: f64,
    /// `weight / critical length`.
    pub critical_share: f64,
    pub fan_out: usize,
}

/// A weighted DAG of tasks with its critical-path schedule, computed once at construction.
#[derive(Debug, Clone)]
pub struct Dag {
    index: HashMap<String, usize>,
    schedule: Vec<NodeSchedule>,
    critical: CriticalPath,
}

impl Dag {
    /// Builds the DAG from `(id, weight)` nodes and `(upstream, downstream)` edges (repeated
    /// edges count once). Weights must be finite and non-negative; every edge endpoint must be
    /// a node; the edges must not form a cycle.
    pub fn new<N, E, S, A, B>(nodes: N, edges: E) -> Result<Self, DagError>
    where
        N: IntoIterator<Item = (S, f64)>,
        S: Into<String>,
        E: IntoIterator<Item = (A, B)>,
        A: AsRef<str>,
        B: AsRef<str>,
    {
        let mut ids = Vec::new();
        let mut weights = Vec::new();
        for (id, weight) in nodes {
            let id = id.into();
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(DagError::InvalidWeight { node: id, weight });
            }
            ids.push(id);
            weights.push(weight + 0.0);
        }
        let graph = Graph::new(ids, edges)?;
        let n = graph.ids.len();

        // Forward pass: earliest start/finish.
        let mut es = vec![0.0f64; n];
        let mut ef = vec![0.0f64; n];
        for &v in &graph.topo {
            es[v] = graph.preds[v].iter().map(|&u| ef[u]).fold(0.0, f64::max);
            ef[v] = es[v] + weights[v];
        }
        let length = ef.iter().copied().fold(0.0, f64::max);

        // Backward pass: latest finish/start.
        let mut lf = vec![length; n];
        let mut ls = vec![0.0f64; n];
        for &v in graph.topo.iter().rev() {
            lf[v] = graph.succs[v].iter().map(|&w| ls[w]).fold(length, f64::min);
            ls[v] = lf[v] - weights[v];
        }

        // Critical path: from the lowest-index sink finishing last, back through the
        // lowest-index upstream whose finish sets the start (a sink attains the maximum
        // because weights are non-negative).
        let mut on_path = vec![false; n];
        let mut path = Vec::new();
        if let Some(mut v) = (0..n).find(|&v| graph.succs[v].is_empty() && ef[v] == length) {
            loop {
                on_path[v] = true;
                path.push(v);
                match graph.preds[v].iter().copied().find(|&u| ef[u] == es[v]) {
                    Some(u) => v = u,
                    None => break,
                }
            }
        }
        path.reverse();

        let schedule = (0..n)
            .map(|v| NodeSchedule {
                id: graph.ids[v].clone(),
                weight: weights[v],
                earliest_start: es[v],
                earliest_finish: ef[v],
                latest_start: ls[v],
                latest_finish: lf[v],
                slack: (ls[v] - es[v]).max(0.0),
                fan_in: graph.preds[v].len(),
                fan_out: graph.succs[v].len(),
                on_critical_path: on_path[v],
            })
            .collect();
        Ok(Dag {
            critical: CriticalPath {
                nodes: path.iter().map(|&v| graph.ids[v].clone()).collect(),
                length,
            },
            index: graph.index,
            schedule,
        })
    }

    pub fn len(&self) -> usize {
        self.schedule.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schedule.is_empty()
    }

    /// Per-task schedule, in the order the nodes were given.
    pub fn schedule(&self) -> &[NodeSchedule] {
        &self.schedule
    }

    /// Schedule of one task.
    pub fn node(&self, id: &str) -> Option<&NodeSchedule> {
        self.index.get(id).map(|&i| &self.schedule[i])
    }

    /// The longest root-to-sink path by total node weight (Kelley & Walker 1959). Among equally
    /// long paths: the first-given sink, then at each step the first-given upstream.
    pub fn critical_path(&self) -> &CriticalPath {
        &self.critical
    }

    /// Share of the critical length due to this task: `weight / length` when it is on the
    /// critical path, else 0 (shortening it would not shorten the workflow). `None` for an
    /// unknown id; 0 when the length is 0.
    pub fn critical_path_contribution(&self, id: &str) -> Option<f64> {
        let node = self.node(id)?;
        Some(if node.on_critical_path {
            self.share(node.weight)
        } else {
            0.0
        })
    }

    /// `slack / critical length`: how far, as a fraction of the workflow's length, this task
    /// could be delayed or run alongside others without extending the workflow. `None` for an
    /// unknown id; 0 when the length is 0.
    pub fn parallelization_potential(&self, id: &str) -> Option<f64> {
        self.node(id).map(|node| self.share(node.slack))
    }

    /// Critical tasks ranked by `severity = (weight / critical length) · (1 + fan_out)`: the
    /// share of the workflow's duration a task accounts for, amplified by how many downstream
    /// tasks wait on it directly. Only tasks on the critical path with positive weight are
    /// listed (others cannot shorten the workflow); ties by id.
    pub fn bottlenecks(&self) -> Vec<Bottleneck> {
        let mut out: Vec<Bottleneck> = self
            .schedule
            .iter()
            .filter(|s| s.on_critical_path && s.weight > 0.0)
            .map(|s| {
                let critical_share = self.share(s.weight);
                Bottleneck {
                    id: s.id.clone(),
                    severity: critical_share * (1.0 + s.fan_out as f64),
                    critical_share,
                    fan_out: s.fan_out,
                }
            })
            .collect();
        out.sort_by(|a, b| b.severity.total_cmp(&a.severity).then(a.id.cmp(&b.id)));
        out
    }

    fn share(&self, amount: f64) -> f64 {
        if self.critical.length > 0.0 {
            amount / self.critical.length
        } else {
            0.0
        }
    }
}

/// One task's execution within a run, times in any common unit (e.g. seconds since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRun {
    pub id: String,
    pub start: f64,
    pub end: f64,
}

/// Per-task timing of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRunTiming {
    pub id: String,
    /// `start − latest upstream end`, at least 0; 0 for roots. Time spent ready but not running
    /// (queueing, scheduling).
    pub wait: f64,
    /// Time downstream tasks spent waiting on this one: for each direct downstream `v`, the
    /// part of this task's execution `[start, end]` after all of `v`'s *other* upstreams had
    /// finished, i.e. `max(0, end − max(start, latest end of v's other upstreams))`, summed.
    pub blocking: f64,
    /// The upstream that finished last (the one this task waited for); `None` for roots.
    pub gating_upstream: Option<String>,
    pub on_critical_path: bool,
}

/// Result of [`analyze_run`].
#[derive(Debug, Clone, PartialEq)]
pub struct RunAnalysis {
    /// In input order.
    pub tasks: Vec<TaskRunTiming>,
    /// From a root to the last-finishing task, chronological.
    pub critical_path: Vec<String>,
    /// Last end − first start.
    pub makespan: f64,
}

/// Wait, blocking and the critical path of one observed run.
///
/// The run's critical path is found by backtracking from the task that finished last (the
/// first given, among equal ends) through its gating upstream — the one that finished last,
/// first given among ties — until a root: the chain of tasks each of which was the last thing
/// its successor waited for. Every edge endpoint must be one of `tasks`.
pub fn analyze_run<E, A, B>(tasks: &[TaskRun], edges: E) -> Result<RunAnalysis, DagError>
where
    E: IntoIterator<Item = (A, B)>,
    A: AsRef<str>,
    B: AsRef<str>,
{
    for t in tasks {
        if !(t.start.is_finite() && t.end.is_finite() && t.end >= t.start) {
            return Err(DagError::InvalidTimes {
                task: t.id.clone(),
                start: t.start,
                end: t.end,
            });
        }
    }
    let graph = Graph::new(tasks.iter().map(|t| t.id.clone()).collect(), edges)?;
    let n = tasks.len();
    let end = |v: usize| tasks[v].end;

    let gate: Vec<Option<usize>> = (0..n)
        .map(|v| {
            graph.preds[v]
                .iter()
                .copied()
                .reduce(|a, b| if end(b) > end(a) { b } else { a })
        })
        .collect();
    let wait: Vec<f64> = (0..n)
        .map(|v| gate[v].map_or(0.0, |g| (tasks[v].start - end(g)).max(0.0)))
        .collect();
    let mut blocking = vec![0.0f64; n];
    for v in 0..n {
        for &u in &graph.preds[v] {
            let others = graph.preds[v]
                .iter()
                .filter(|&&o| o != u)
                .map(|&o| end(o))
                .fold(f64::NEG_INFINITY, f64::max);
            blocking[u] += (end(u) - others.max(tasks[u].start)).max(0.0);
        }
    }

    let mut on_path = vec![false; n];
    let mut critical_path = Vec::new();
    let last = (0..n).reduce(|a, b| if end(b) > end(a) { b } else { a });
    let mut cursor = last;
    while let Some(v) = cursor {
        on_path[v] = true;
        critical_path.push(tasks[v].id.clone());
        cursor = gate[v];
    }
    critical_path.reverse();

    let first_start = tasks.iter().map(|t| t.start).fold(f64::INFINITY, f64::min);
    Ok(RunAnalysis {
        tasks: (0..n)
            .map(|v| TaskRunTiming {
                id: tasks[v].id.clone(),
                wait: wait[v],
                blocking: blocking[v],
                gating_upstream: gate[v].map(|g| tasks[g].id.clone()),
                on_critical_path: on_path[v],
            })
            .collect(),
        critical_path,
        makespan: last.map_or(0.0, |l| end(l) - first_start),
    })
}

/// Validated adjacency: node ids, deduplicated upstream/downstream lists in ascending node
/// order (so tie-breaking follows input order), and a topological order.
struct Graph {
    ids: Vec<String>,
    index: HashMap<String, usize>,
    preds: Vec<Vec<usize>>,
    succs: Vec<Vec<usize>>,
    topo: Vec<usize>,
}

impl Graph {
    fn new<E, A, B>(ids: Vec<String>, edges: E) -> Result<Self, DagError>
    where
        E: IntoIterator<Item = (A, B)>,
        A: AsRef<str>,
        B: AsRef<str>,
    {
        let mut index = HashMap::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            if index.insert(id.clone(), i).is_some() {
                return Err(DagError::DuplicateNode(id.clone()));
            }
        }
        let lookup = |id: &str| {
            index
                .get(id)
                .copied()
                .ok_or_else(|| DagError::UnknownNode(id.to_owned()))
        };
        let mut seen = HashSet::new();
        let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(ids.len(), 0);
        for _ in &ids {
            graph.add_node(());
        }
        for (a, b) in edges {
            let (u, v) = (lookup(a.as_ref())?, lookup(b.as_ref())?);
            if seen.insert((u, v)) {
                graph.add_edge(NodeIndex::new(u), NodeIndex::new(v), ());
            }
        }
        let topo: Vec<usize> = toposort(&graph, None)
            .map_err(|cycle| DagError::Cycle {
                node: ids[cycle.node_id().index()].clone(),
            })?
            .into_iter()
            .map(NodeIndex::index)
            .collect();
        let sorted_neighbours = |v: usize, dir| {
            let mut out: Vec<usize> = graph
                .neighbors_directed(NodeIndex::new(v), dir)
                .map(NodeIndex::index)
                .collect();
            out.sort_unstable();
            out
        };
        let preds = (0..ids.len())
            .map(|v| sorted_neighbours(v, Incoming))
            .collect();
        let succs = (0..ids.len())
            .map(|v| sorted_neighbours(v, Outgoing))
            .collect();
        Ok(Graph {
            ids,
            index,
            preds,
            succs,
            topo,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tolerances::REL;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    fn diamond() -> Dag {
        // a(2) → b(3) → d(1); a → c(5) → d; c → e(1)
        Dag::new(
            [("a", 2.0), ("b", 3.0), ("c", 5.0), ("d", 1.0), ("e", 1.0)],
            [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("c", "e")],
        )
        .unwrap()
    }

    #[test]
    fn cpm_of_a_diamond_by_hand() {
        // Two critical paths of length 8 (a-c-d, a-c-e): the first-given sink, d, wins.
        let dag = diamond();
        assert_eq!(dag.critical_path().nodes, ["a", "c", "d"]);
        assert_eq!(dag.critical_path().length, 8.0);
        let b = dag.node("b").unwrap();
        // b: ES 2, EF 5; LF = LS(d) = 7, LS 4, slack 2.
        assert_eq!(
            (
                b.earliest_start,
                b.earliest_finish,
                b.latest_start,
                b.latest_finish,
                b.slack
            ),
            (2.0, 5.0, 4.0, 7.0, 2.0)
        );
        let e = dag.node("e").unwrap();
        assert_eq!(
            (e.earliest_start, e.latest_finish, e.slack),
            (7.0, 8.0, 0.0)
        );
        assert_eq!(dag.node("c").unwrap().slack, 0.0);
        assert_eq!(dag.critical_path_contribution("c"), Some(5.0 / 8.0));
        assert_eq!(dag.critical_path_contribution("b"), Some(0.0));
        assert_eq!(dag.critical_path_contribution("zz"), None);
        assert_eq!(dag.parallelization_potential("b"), Some(2.0 / 8.0));
        let c = dag.node("c").unwrap();
        assert_eq!((c.fan_in, c.fan_out), (1, 2));
        let ranked: Vec<(String, f64)> = dag
            .bottlenecks()
            .into_iter()
            .map(|b| (b.id, b.severity))
            .collect();
        // c: 5/8·3, a: 2/8·3, d: 1/8·1.
        assert_eq!(
            ranked,
            vec![
                ("c".to_owned(), 15.0 / 8.0),
                ("a".to_owned(), 6.0 / 8.0),
                ("d".to_owned(), 1.0 / 8.0)
            ]
        );
    }

    #[test]
    fn a_cycle_is_an_error_naming_a_task_on_it() {
        let nodes = [("x", 1.0), ("a", 1.0), ("b", 1.0), ("c", 1.0), ("y", 1.0)];
        let edges = [("x", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "y")];
        match Dag::new(nodes, edges) {
            Err(DagError::Cycle { node }) => assert!(["a", "b", "c"].contains(&node.as_str())),
            other => panic!("expected a cycle error, got {other:?}"),
        }
        assert_eq!(
            Dag::new([("s", 1.0)], [("s", "s")]).unwrap_err(),
            DagError::Cycle { node: "s".into() }
        );
    }

    #[test]
    fn invalid_graphs_are_rejected() {
        assert_eq!(
            Dag::new([("a", 1.0), ("a", 2.0)], Vec::<(&str, &str)>::new()).unwrap_err(),
            DagError::DuplicateNode("a".into())
        );
        assert_eq!(
            Dag::new([("a", 1.0)], [("a", "b")]).unwrap_err(),
            DagError::UnknownNode("b".into())
        );
        assert!(matches!(
            Dag::new([("a", -1.0)], Vec::<(&str, &str)>::new()),
            Err(DagError::InvalidWeight { .. })
        ));
        let empty = Dag::new(Vec::<(String, f64)>::new(), Vec::<(&str, &str)>::new()).unwrap();
        assert_eq!(empty.critical_path(), &CriticalPath::default());
        assert!(empty.bottlenecks().is_empty());
    }

    #[test]
    fn one_run_by_hand() {
        // a: 0–10, b: 2–5, c (after a and b): 12–20, d (after b): 6–7.
        let run = |id: &str, start, end| TaskRun {
            id: id.into(),
            start,
            end,
        };
        let tasks = [
            run("a", 0.0, 10.0),
            run("b", 2.0, 5.0),
            run("c", 12.0, 20.0),
            run("d", 6.0, 7.0),
        ];
        let r = analyze_run(&tasks, [("a", "c"), ("b", "c"), ("b", "d")]).unwrap();
        let by_id = |id: &str| r.tasks.iter().find(|t| t.id == id).unwrap().clone();
        assert_eq!(r.critical_path, ["a", "c"]);
        assert_eq!(r.makespan, 20.0);
        assert_eq!(
            (by_id("c").wait, by_id("d").wait, by_id("a").wait),
            (2.0, 1.0, 0.0)
        );
        assert_eq!(by_id("c").gating_upstream.as_deref(), Some("a"));
        // a held c from b's end (5) to 10; b held d for its whole run (2–5), c not at all.
        assert_eq!((by_id("a").blocking, by_id("b").blocking), (5.0, 3.0));
        assert_eq!(by_id("c").blocking, 0.0);
        assert!(by_id("a").on_critical_path && !by_id("b").on_critical_path);
        assert!(matches!(
            analyze_run(&[run("a", 5.0, 1.0)], Vec::<(&str, &str)>::new()),
            Err(DagError::InvalidTimes { .. })
        ));
    }

    type Nodes = Vec<(String, f64)>;
    type Edges = Vec<(String, String)>;

    /// Random DAGs: edges only from lower to higher index, then nodes given in shuffled order.
    fn random_dag() -> impl Strategy<Value = (Nodes, Edges)> {
        (1usize..12)
            .prop_flat_map(|n| {
                (
                    prop::collection::vec(prop_oneof![Just(0.0), 0.0f64..100.0], n),
                    prop::collection::vec(any::<bool>(), n * n),
                    Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                )
            })
            .prop_map(|(w, adj, order)| {
                let n = w.len();
                let nodes = order.iter().map(|&i| (format!("n{i}"), w[i])).collect();
                let mut edges = Vec::new();
                for i in 0..n {
                    for j in i + 1..n {
                        if adj[i * n + j] {
                            edges.push((format!("n{i}"), format!("n{j}")));
                        }
                    }
                }
                (nodes, edges)
            })
    }

    /// Longest path by enumerating every path from every node.
    fn brute_force_longest(nodes: &[(String, f64)], edges: &[(String, String)]) -> f64 {
        let w: HashMap<&str, f64> = nodes.iter().map(|(id, w)| (id.as_str(), *w)).collect();
        fn walk(v: &str, w: &HashMap<&str, f64>, edges: &[(String, String)]) -> f64 {
            w[v] + edges
                .iter()
                .filter(|(a, _)| a == v)
                .map(|(_, b)| walk(b, w, edges))
                .fold(0.0, f64::max)
        }
        nodes
            .iter()
            .map(|(id, _)| walk(id, &w, edges))
            .fold(0.0, f64::max)
    }

    proptest! {
        #[test]
        fn critical_path_dominates_every_node_and_path(
            (nodes, edges) in random_dag(), walk_seed in any::<u64>(),
        ) {
            let dag = Dag::new(nodes.clone(), edges.clone()).unwrap();
            let cp = dag.critical_path();
            let tol = REL * cp.length.max(1.0);
            for (_, w) in &nodes {
                prop_assert!(cp.length >= *w);
            }
            // A random walk along edges from a random node is a path.
            let mut seed = walk_seed;
            let mut v = nodes[(seed % nodes.len() as u64) as usize].0.clone();
            let mut walked = dag.node(&v).unwrap().weight;
            loop {
                let next: Vec<&String> = edges.iter().filter(|(a, _)| *a == v).map(|(_, b)| b).collect();
                if next.is_empty() { break; }
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                v = next[((seed >> 33) % next.len() as u64) as usize].clone();
                walked += dag.node(&v).unwrap().weight;
            }
            prop_assert!(cp.length + tol >= walked);
            prop_assert!((cp.length - brute_force_longest(&nodes, &edges)).abs() <= tol);
            // The path is a real root-to-sink path whose weights add up to the length.
            let sum: f64 = cp.nodes.iter().map(|id| dag.node(id).unwrap().weight).sum();
            prop_assert!((sum - cp.length).abs() <= tol);
            for pair in cp.nodes.windows(2) {
                prop_assert!(edges.contains(&(pair[0].clone(), pair[1].clone())));
            }
            prop_assert_eq!(dag.node(&cp.nodes[0]).unwrap().fan_in, 0);
            prop_assert_eq!(dag.node(cp.nodes.last().unwrap()).unwrap().fan_out, 0);
            for s in dag.schedule() {
                prop_assert!(s.slack >= 0.0);
                prop_assert!(s.earliest_start + tol >= 0.0 && s.latest_finish <= cp.length + tol);
                if s.on_critical_path {
                    prop_assert!(s.slack <= tol);
                }
                let p = dag.parallelization_potential(&s.id).unwrap();
                prop_assert!((0.0..=1.0 + REL).contains(&p));
            }
            let shares: f64 = dag.bottlenecks().iter().map(|b| b.critical_share).sum();
            prop_assert!(shares <= 1.0 + REL);
        }

        #[test]
        fn run_critical_path_ends_at_the_last_task_and_waits_are_non_negative(
            (nodes, edges) in random_dag(),
            gaps in prop::collection::vec(0.0f64..5.0, 12),
        ) {
            // Simulate a run: each task starts after its upstreams end plus a gap.
            let dag = Dag::new(nodes.clone(), edges.clone()).unwrap();
            let mut order: Vec<&NodeSchedule> = dag.schedule().iter().collect();
            // Edges go from lower to higher index, so index order is topological.
            order.sort_by_key(|s| s.id[1..].parse::<usize>().unwrap());
            let mut ends: HashMap<String, f64> = HashMap::new();
            let mut tasks = Vec::new();
            for (k, s) in order.iter().enumerate() {
                let ready = edges.iter().filter(|(_, b)| *b == s.id).map(|(a, _)| ends[a]).fold(0.0, f64::max);
                let start = ready + gaps[k % gaps.len()];
                ends.insert(s.id.clone(), start + s.weight);
                tasks.push(TaskRun { id: s.id.clone(), start, end: start + s.weight });
            }
            let r = analyze_run(&tasks, edges.clone()).unwrap();
            let last_end = tasks.iter().map(|t| t.end).fold(f64::NEG_INFINITY, f64::max);
            let tail = r.critical_path.last().unwrap();
            prop_assert_eq!(ends[tail], last_end);
            for t in &r.tasks {
                prop_assert!(t.wait >= 0.0 && t.blocking >= 0.0);
            }
            for pair in r.critical_path.windows(2) {
                prop_assert!(edges.contains(&(pair[0].clone(), pair[1].clone())));
            }
            assert_relative_eq!(
                r.makespan,
                last_end - tasks.iter().map(|t| t.start).fold(f64::INFINITY, f64::min),
                max_relative = REL
            );
        }
    }
}
