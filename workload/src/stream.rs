//! Lazy, chronological generation: a k-way merge of every workflow's arrival process (a binary
//! heap holding one pending run per workflow), each run simulated when it is popped, its records
//! buffered until a batch is full. Memory is bounded by the number of workflows plus one batch,
//! whatever the history length.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use types::ingest::{DependencyRecord, ExecutionRecord, MAX_RECORDS_PER_BATCH, ValidBatch};

use crate::Generator;
use crate::records::{self, RunContext};
use crate::rng;
use crate::schedule::{Arrival, ScheduleState};
use crate::simulate::{self, Attempt};

/// Workflow runs of all workflows in order of start time (ties: lower workflow index first).
pub(crate) struct RunStream {
    states: Vec<ScheduleState>,
    pending: Vec<Option<Arrival>>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl RunStream {
    pub fn new(g: &Generator) -> Self {
        let mut states = Vec::with_capacity(g.workflows.len());
        let mut pending = Vec::with_capacity(g.workflows.len());
        let mut heap = BinaryHeap::with_capacity(g.workflows.len());
        for (i, w) in g.workflows.iter().enumerate() {
            let rng = rng::rng_for(&[rng::TAG_SCHEDULE, g.params.seed, i as u64]);
            let mut st = ScheduleState::new(w.schedule.clone(), g.window, rng);
            let next = st.next_arrival();
            if let Some(a) = next {
                heap.push(Reverse((a.start_ms, i as u32)));
            }
            states.push(st);
            pending.push(next);
        }
        RunStream {
            states,
            pending,
            heap,
        }
    }
}

impl Iterator for RunStream {
    type Item = (u32, Arrival);

    fn next(&mut self) -> Option<(u32, Arrival)> {
        let Reverse((_, wf)) = self.heap.pop()?;
        let i = wf as usize;
        let arrival = self.pending[i].take()?;
        let next = self.states[i].next_arrival();
        if let Some(a) = next {
            self.heap.push(Reverse((a.start_ms, wf)));
        }
        self.pending[i] = next;
        Some((wf, arrival))
    }
}

/// The iterator behind [`Generator::batches`].
pub struct Batches<'a> {
    generator: &'a Generator,
    runs: RunStream,
    buffer: VecDeque<ExecutionRecord>,
    scratch: Vec<Attempt>,
    dependencies: VecDeque<DependencyRecord>,
    batch_size: usize,
    started: bool,
}

impl<'a> Batches<'a> {
    pub(crate) fn new(generator: &'a Generator, batch_size: usize) -> Self {
        let dependencies = generator
            .workflows
            .iter()
            .flat_map(records::dependencies)
            .collect();
        Batches {
            generator,
            runs: RunStream::new(generator),
            buffer: VecDeque::new(),
            scratch: Vec::new(),
            dependencies,
            batch_size: batch_size.clamp(1, MAX_RECORDS_PER_BATCH),
            started: false,
        }
    }

    /// Simulates runs until at least `want` records are buffered or the history is exhausted.
    fn fill(&mut self, want: usize) {
        let g = self.generator;
        while self.buffer.len() < want {
            let Some((wf, arrival)) = self.runs.next() else {
                return;
            };
            let spec = &g.workflows[wf as usize];
            self.scratch.clear();
            simulate::simulate_run(
                spec,
                g.params.seed,
                wf,
                &arrival,
                g.window,
                &mut self.scratch,
            );
            if self.scratch.is_empty() {
                continue;
            }
            let cx = RunContext::new(spec, &arrival, g.window);
            self.buffer
                .extend(self.scratch.iter().map(|a| cx.record(a)));
        }
    }
}

impl Iterator for Batches<'_> {
    type Item = ValidBatch;

    fn next(&mut self) -> Option<ValidBatch> {
        let deps: Vec<DependencyRecord> = {
            let n = self.dependencies.len().min(MAX_RECORDS_PER_BATCH);
            self.dependencies.drain(..n).collect()
        };
        let cap = self.batch_size.min(MAX_RECORDS_PER_BATCH - deps.len());
        self.fill(cap);
        let n = cap.min(self.buffer.len());
        let executions: Vec<ExecutionRecord> = self.buffer.drain(..n).collect();
        let first = !self.started;
        self.started = true;
        if executions.is_empty() && deps.is_empty() && !first {
            return None;
        }
        // The generator only emits records that satisfy the ingest rules (the tests check every
        // batch); a failure here is a bug in this crate, not bad input.
        Some(
            ValidBatch::new(executions, deps)
                .unwrap_or_else(|e| panic!("workload generated an invalid record: {e:?}")),
        )
    }
}
