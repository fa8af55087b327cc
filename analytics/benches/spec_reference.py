#!/usr/bin/env python3
"""Faithful, working Python implementation of the spec's per-task analysis: the baseline of
the analysis benchmark (`analytics/benches/analysis.rs`, run by `scripts/bench.sh analysis`).

Usage: spec_reference.py EXECUTIONS_CSV EDGES_CSV [--repeat N]

  EXECUTIONS_CSV  task_id,start_ms,duration_ms,status,attempt
  EDGES_CSV       workflow_id,from,to (a task on no edge is a workflow of its own)

Prints one JSON object on stdout: load and grouping times (excluded from the analysis time),
the analysis time of each run (time.perf_counter, median reported; CPU time by
time.process_time beside it), its parts, ru_maxrss, the
rise of the peak RSS over the analysis, and the results the Rust benchmark compares
(p50/p95/p99, Kendall tau-b, Sen slope and burstiness per task, critical path per workflow).

What comes from where (docs/spec: workflow-task-analytics.md, section 1.3, `TaskAnalyzer`):

* `_calculate_execution_statistics(executions)` -- the spec's body verbatim: a list
  comprehension over the List[Dict], np.mean/min/max/percentile/std on that list (numpy
  converts the list on every call, as written), `np.std` with the spec's ddof=0.
  Stub filled: `_calculate_trend(durations)` -> `_calculate_trend(executions)`, because a trend
  needs the time of each duration: completed executions' (start time in s, duration), as the
  Rust product does; `scipy.stats.kendalltau` (tau-b, O(n log n)) and
  `scipy.stats.theilslopes` (Sen's slope; scipy builds the n x n difference matrices, so it is
  O(n^2) in time and memory). Direction as in the product: p < 0.01 and a fitted change over
  the window of at least 15 % of the median duration. Above `MAX_THEIL_N` points scipy cannot
  run (n = 900,000 needs ~10^12 slopes, terabytes): the slope is then left out, the task is
  listed in `theil_infeasible`, and theilslopes is timed on 2,000 and 4,000 of its points to
  extrapolate (c * n^2; reported separately, never added to the measured time).
* `_detect_temporal_patterns(executions)` -- the spec's body (to_datetime of the start times,
  inter-arrival intervals, `signal.correlate(..., mode='same')` + `signal.find_peaks` for
  periodicity, `timestamps.hour.value_counts()` for the time-of-day rule), with the start times
  sorted and de-duplicated first (the spec's np.diff assumes time order; the Rust
  `time_pattern` does the same). Filled in: Pearson chi-square tests of the hour-of-day (24)
  and day-of-week (7, Monday = 0) counts against uniform (`scipy.stats.chisquare`) and the
  inter-arrival statistics: mean, sample std, burstiness (s - m)/(s + m) (Goh & Barabasi 2008)
  and predictability max(0, 1 - CV).
* `identify_bottleneck_tasks(workflow_tasks, dependencies)` -- the spec's body verbatim
  (networkx DiGraph, high fan-out > 3, slow tasks on the critical path). Stub filled:
  `_is_on_critical_path(G, node)` -> membership of the node-weighted longest path, computed by
  `nx.dag_longest_path` on a copy whose edge u->v weighs u's duration plus a sink edge for
  each sink, recomputed on every call as the spec calls it per node. Node weight: the task's
  median duration (`duration`), as the Rust benchmark's DAG; `avg_duration` feeds the spec's
  "critical_path_slow" rule as written.
"""

import argparse
import json
import math
import resource
import sys
import time

import networkx as nx
import numpy as np
import pandas as pd
from scipy import signal, stats

#: scipy.stats.theilslopes materialises n x n float64 arrays: 8,000 points is ~0.5 GB each.
MAX_THEIL_N = 8000
#: The product's trend thresholds (analytics/src/statistics.rs).
TREND_ALPHA = 0.01
MIN_RELATIVE_CHANGE = 0.15

#: Sizes of the trends scipy could not compute (filled by _calculate_trend).
THEIL_INFEASIBLE = []


class TaskAnalyzer:
    """The three analyses of the spec's `TaskAnalyzer` the benchmark measures."""

    # --- spec: _calculate_execution_statistics -------------------------------------------
    def _calculate_execution_statistics(self, executions):
        """Calculate detailed execution statistics"""
        durations = [e['duration_ms'] for e in executions if e.get('duration_ms')]

        if not durations:
            return {}

        return {
            'total_executions': len(executions),
            'successful': sum(1 for e in executions if e['status'] == 'completed'),
            'failed': sum(1 for e in executions if e['status'] == 'failed'),
            'avg_duration': np.mean(durations),
            'min_duration': np.min(durations),
            'max_duration': np.max(durations),
            'p50_duration': np.percentile(durations, 50),
            'p95_duration': np.percentile(durations, 95),
            'p99_duration': np.percentile(durations, 99),
            'std_deviation': np.std(durations),
            'coefficient_variation': np.std(durations) / np.mean(durations),
            'trend': self._calculate_trend(executions),
        }

    def _calculate_trend(self, executions):
        """Stub filled: Mann-Kendall (kendalltau) and Sen's slope (theilslopes) on
        (start time in seconds, duration) of the completed executions."""
        x = np.array([e['start_time'] / 1000.0 for e in executions
                      if e['status'] == 'completed' and e.get('duration_ms') is not None])
        y = np.array([e['duration_ms'] for e in executions
                      if e['status'] == 'completed' and e.get('duration_ms') is not None])
        n = len(x)
        if n < 3 or x.min() == x.max():
            return {'direction': 'stable', 'n': n}
        tau, p_value = stats.kendalltau(x, y)
        slope = None
        relative_change = None
        if n <= MAX_THEIL_N:
            slope = stats.theilslopes(y, x).slope
            median = np.median(y)
            if median != 0:
                relative_change = slope * (x.max() - x.min()) / median
        else:
            THEIL_INFEASIBLE.append({'n': n, 'x': x, 'y': y})
        direction = 'stable'
        if p_value < TREND_ALPHA and relative_change is not None \
                and abs(relative_change) >= MIN_RELATIVE_CHANGE:
            direction = 'degrading' if tau > 0 else 'improving'
        return {'direction': direction, 'n': n, 'tau': tau, 'p_value': p_value,
                'sen_slope': slope, 'relative_change': relative_change}

    # --- spec: _detect_temporal_patterns -------------------------------------------------
    def _detect_temporal_patterns(self, executions):
        """Detect temporal patterns in task executions"""
        if len(executions) < 10:
            return []

        # Extract timestamps (sorted, distinct: the intervals below assume time order)
        starts = np.unique(np.array([e['start_time'] for e in executions], dtype=np.int64))
        timestamps = pd.to_datetime(starts, unit='ms', utc=True)

        patterns = []

        # Check for periodicity
        intervals = (np.diff(timestamps.values).astype('timedelta64[ns]').astype(np.int64)
                     / 1e9)  # Convert to seconds
        if len(intervals) > 1:
            # Use autocorrelation to detect periodicity
            autocorr = signal.correlate(intervals, intervals, mode='same')
            peaks, _ = signal.find_peaks(autocorr)

            if peaks.size > 0:
                period = intervals[peaks[0]]
                patterns.append({
                    'type': 'periodic',
                    'period_seconds': period,
                    'confidence': autocorr[peaks[0]] / np.max(autocorr),
                    'description': f'Task executes with period of {period:.0f} seconds'
                })

        # Check for time-of-day patterns
        hour_distribution = timestamps.hour.value_counts()
        if hour_distribution.std() > hour_distribution.mean() * 0.5:
            peak_hours = hour_distribution.nlargest(3).index.tolist()
            patterns.append({
                'type': 'time_of_day',
                'peak_hours': peak_hours,
                'description': f'Task peaks at hours: {peak_hours}'
            })

        # Filled in: chi-square of hour-of-day and day-of-week counts against uniform.
        hours = np.bincount(timestamps.hour, minlength=24)
        days = np.bincount(timestamps.day_of_week, minlength=7)
        hour_chi2, hour_p = stats.chisquare(hours)
        day_chi2, day_p = stats.chisquare(days)
        patterns.append({'type': 'hour_of_day_uniformity', 'chi2': hour_chi2,
                         'p_value': hour_p, 'busiest': int(np.argmax(hours))})
        patterns.append({'type': 'day_of_week_uniformity', 'chi2': day_chi2,
                         'p_value': day_p, 'busiest': int(np.argmax(days))})

        # Filled in: inter-arrival statistics.
        if len(intervals) > 1:
            mean = intervals.mean()
            sd = intervals.std(ddof=1)
            patterns.append({
                'type': 'inter_arrival',
                'mean_seconds': mean,
                'std_seconds': sd,
                'burstiness': (sd - mean) / (sd + mean) if sd + mean > 0 else 0.0,
                'predictability': max(0.0, 1.0 - sd / mean) if mean > 0 else 1.0,
            })

        return patterns

    # --- spec: identify_bottleneck_tasks -------------------------------------------------
    def identify_bottleneck_tasks(self, workflow_tasks, dependencies):
        """Identify tasks that are bottlenecks in workflows"""
        # Build dependency graph
        G = nx.DiGraph()
        for task in workflow_tasks:
            G.add_node(task['id'], **task)
        for dep in dependencies:
            G.add_edge(dep['from'], dep['to'])

        bottlenecks = []

        for node in G.nodes():
            # Calculate bottleneck metrics
            in_degree = G.in_degree(node)  # noqa: F841 (computed by the spec, unused)
            out_degree = G.out_degree(node)

            # High fan-out indicates potential bottleneck
            if out_degree > 3:
                bottlenecks.append({
                    'task_id': node,
                    'type': 'high_fanout',
                    'severity': min(out_degree / 3, 5),
                    'dependent_tasks': list(G.successors(node))
                })

            # Tasks on critical path with high duration
            if self._is_on_critical_path(G, node):
                task_data = G.nodes[node]
                if task_data.get('avg_duration', 0) > np.mean(
                    [G.nodes[n].get('avg_duration', 0) for n in G.nodes()]
                ) * 1.5:
                    bottlenecks.append({
                        'task_id': node,
                        'type': 'critical_path_slow',
                        'severity': task_data['avg_duration'] / np.mean(
                            [G.nodes[n].get('avg_duration', 0) for n in G.nodes()]
                        ),
                        'duration': task_data['avg_duration']
                    })

        return sorted(bottlenecks, key=lambda x: x['severity'], reverse=True)

    def _is_on_critical_path(self, G, node):
        """Stub filled: on the node-weighted longest path of the DAG."""
        return node in self._critical_path(G)[0]

    @staticmethod
    def _critical_path(G):
        """Longest path by the sum of node `duration`s, with networkx: edge u->v weighs u's
        duration, and every sink gets an edge (weighing its duration) to an added end node."""
        end = object()
        H = nx.DiGraph()
        H.add_nodes_from(G.nodes())
        for u, v in G.edges():
            H.add_edge(u, v, w=G.nodes[u].get('duration', 0.0))
        for u in G.nodes():
            if G.out_degree(u) == 0:
                H.add_edge(u, end, w=G.nodes[u].get('duration', 0.0))
        path = nx.dag_longest_path(H, weight='w')
        if path and path[-1] is end:
            path = path[:-1]
        length = 0.0
        for u in path:
            length += G.nodes[u].get('duration', 0.0)
        return path, length


# ----------------------------------------------------------------------------------------
# Benchmark driver

def status_kb(field):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def analyse(per_task, workflows):
    analyzer = TaskAnalyzer()
    THEIL_INFEASIBLE.clear()
    t0 = time.perf_counter()
    statistics = {tid: analyzer._calculate_execution_statistics(execs)
                  for tid, execs in per_task.items()}
    t1 = time.perf_counter()
    temporal = {tid: analyzer._detect_temporal_patterns(execs)
                for tid, execs in per_task.items()}
    t2 = time.perf_counter()
    bottlenecks = {}
    for wf, (tasks, edges) in workflows.items():
        workflow_tasks = [{'id': t,
                           'avg_duration': statistics[t]['avg_duration'],
                           'duration': statistics[t]['p50_duration']} for t in tasks]
        dependencies = [{'from': a, 'to': b} for a, b in edges]
        bottlenecks[wf] = analyzer.identify_bottleneck_tasks(workflow_tasks, dependencies)
    t3 = time.perf_counter()
    parts = {'statistics_s': t1 - t0, 'temporal_s': t2 - t1, 'bottlenecks_s': t3 - t2}
    return t3 - t0, parts, statistics, temporal, bottlenecks


def num(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def extrapolate_theil(case):
    """Time theilslopes on 2,000 and 4,000 of the task's points; c * n^2 from the larger."""
    x, y, n = case['x'], case['y'], case['n']
    timings = {}
    for m in (2000, 4000):
        best = math.inf
        for _ in range(3):
            t = time.perf_counter()
            stats.theilslopes(y[:m], x[:m])
            best = min(best, time.perf_counter() - t)
        timings[m] = best
    c = timings[4000] / 4000 ** 2
    return c * n * n, timings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('executions_csv')
    ap.add_argument('edges_csv')
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()

    t = time.perf_counter()
    df = pd.read_csv(args.executions_csv,
                     dtype={'task_id': str, 'start_ms': np.int64, 'duration_ms': np.float64,
                            'status': str, 'attempt': np.int64})
    edges = pd.read_csv(args.edges_csv, dtype=str, keep_default_na=False)
    load_s = time.perf_counter() - t

    # The spec's functions take a List[Dict] per task: build it (timed apart, excluded).
    t = time.perf_counter()
    df = df.rename(columns={'start_ms': 'start_time'})
    per_task = {tid: g.to_dict('records') for tid, g in df.groupby('task_id', sort=False)}
    workflows = {}
    on_edge = set()
    for wf, a, b in edges[['workflow_id', 'from', 'to']].itertuples(index=False):
        tasks, wf_edges = workflows.setdefault(wf, ([], []))
        for task in (a, b):
            if task not in on_edge:
                on_edge.add(task)
                tasks.append(task)
        wf_edges.append((a, b))
    for tid in per_task:
        if tid not in on_edge:
            workflows[tid] = ([tid], [])
    del df
    prep_s = time.perf_counter() - t
    print(f'   python: load {load_s:.2f} s, grouping {prep_s:.2f} s, '
          f'{len(per_task)} tasks, {len(workflows)} workflows', file=sys.stderr)

    runs, cpu_runs, parts_list, peak_rise = [], [], [], 0
    result = None
    for r in range(args.repeat):
        reset_peak()
        before = status_kb('VmRSS:')
        cpu = time.process_time()
        secs, parts, statistics, temporal, bottlenecks = analyse(per_task, workflows)
        cpu_runs.append(time.process_time() - cpu)
        peak_rise = max(peak_rise, (status_kb('VmHWM:') - before) * 1024)
        runs.append(secs)
        parts_list.append(parts)
        print(f'   python run {r + 1}: {secs:.2f} s (CPU {cpu_runs[-1]:.2f} s) '
              f'{ {k: round(v, 3) for k, v in parts.items()} }', file=sys.stderr)
        result = (statistics, temporal, bottlenecks)
    statistics, temporal, bottlenecks = result
    order = sorted(range(len(runs)), key=lambda i: runs[i])
    mid = order[len(order) // 2]

    out = {
        'load_s': load_s,
        'prep_s': prep_s,
        'analysis_s': runs[mid],
        'runs_s': [round(r, 3) for r in runs],
        'analysis_cpu_s': sorted(cpu_runs)[len(cpu_runs) // 2],
        'parts_s': {k: round(v, 3) for k, v in parts_list[mid].items()},
        'maxrss_bytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        'analysis_peak_rise_bytes': peak_rise,
        'theil_infeasible': [c['n'] for c in THEIL_INFEASIBLE],
        'bottlenecks_listed': sum(len(b) for b in bottlenecks.values()),
    }
    if THEIL_INFEASIBLE:
        case = max(THEIL_INFEASIBLE, key=lambda c: c['n'])
        est, timings = extrapolate_theil(case)
        out['theil_extrapolated_s'] = est
        out['theil_timings_s'] = {str(k): v for k, v in timings.items()}
        n = case['n']
        out['theil_infeasible_memory'] = (
            f'n = {n:,}: {n * n / 1e12:.1f}e12 pairwise differences, '
            f'>= {2 * 8 * n * n / 1e12:.0f} TB')

    tasks = {}
    for tid, s in statistics.items():
        trend = s.get('trend', {})
        burst = next((p['burstiness'] for p in temporal[tid] if p['type'] == 'inter_arrival'),
                     None)
        tasks[tid] = {'p50': num(s['p50_duration']), 'p95': num(s['p95_duration']),
                      'p99': num(s['p99_duration']), 'tau': num(trend.get('tau')),
                      'sen_slope': num(trend.get('sen_slope')), 'burstiness': num(burst),
                      'direction': trend.get('direction')}
    critical = {}
    analyzer = TaskAnalyzer()
    for wf, (wf_tasks, wf_edges) in workflows.items():
        G = nx.DiGraph()
        for t in wf_tasks:
            G.add_node(t, duration=statistics[t]['p50_duration'])
        G.add_edges_from(wf_edges)
        path, length = analyzer._critical_path(G)
        critical[wf] = {'nodes': path, 'length': num(length)}
    out['results'] = {'tasks': tasks, 'critical_paths': critical}
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
