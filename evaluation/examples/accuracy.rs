//! The report of `tasklens eval` without building the server, plus what it takes to look into
//! a miss: the same [`evaluation::evaluate`] and [`evaluation::summarize`] over seeds
//! `--seed ..= --seed + --more-seeds`, with the window end fixed by `--end` (RFC 3339; default
//! now, as `tasklens eval`), and with `--failures` every missed label and false alarm of every
//! seed; then the what-if simulator's section for `--seed` (`evaluation::simulation::section`).
//!
//! ```sh
//! cargo run --release -p evaluation --example accuracy -- --seed 2026 --more-seeds 19 \
//!     --end 2026-11-26T00:00:00Z --failures
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut seed = 2026u64;
    let mut more = 0u64;
    let mut end = chrono::Utc::now();
    let mut failures = false;
    let mut markdown = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match arg.as_str() {
            "--seed" => seed = value().parse().unwrap_or(seed),
            "--more-seeds" => more = value().parse().unwrap_or(more),
            "--end" => match value().parse() {
                Ok(t) => end = t,
                Err(e) => {
                    eprintln!("--end: {e}");
                    return ExitCode::FAILURE;
                }
            },
            "--markdown" => markdown = Some(value()),
            "--failures" => failures = true,
            other => {
                eprintln!("unknown argument {other}");
                return ExitCode::FAILURE;
            }
        }
    }
    let params = |seed| workload::DemoParams {
        days: 30,
        workflows: 5,
        scale: 1.0,
        seed,
        end,
    };
    let mut reports = Vec::new();
    for s in seed..=seed + more {
        match evaluation::evaluate(params(s)) {
            Ok(r) => {
                if failures {
                    if !r.all_passed() {
                        println!(
                            "seed {s} misses a target: outlier precision {:.3}, recall {:.3}, \
                             false alarms {:.1} %",
                            r.outlier_precision,
                            r.outlier_recall,
                            100.0 * r.false_alarm_rate()
                        );
                    }
                    for c in r.checks.iter().filter(|c| !c.pass) {
                        println!(
                            "seed {s} | {:?} | {} | {} | expected {} | found {}",
                            c.kind, c.area, c.item, c.expected, c.found
                        );
                    }
                }
                reports.push(r);
            }
            Err(e) => {
                eprintln!("seed {s}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let Some(first) = reports.first() else {
        return ExitCode::FAILURE;
    };
    let mut md = first.to_markdown();
    if more > 0 {
        md.push_str(&format!(
            "\n## Across seeds {seed}..={}\n\n{}",
            seed + more,
            evaluation::summarize(&reports)
        ));
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/real/nextflow/");
    let read = |name: &str| std::fs::read(format!("{dir}{name}")).ok();
    let traces =
        read("openproblems-trace-2021-03-04.txt").zip(read("openproblems-trace-2022-05-13.txt"));
    match evaluation::simulation::section(
        params(seed),
        traces.as_ref().map(|(a, b)| (a.as_slice(), b.as_slice())),
    ) {
        Ok((section, _)) => {
            md.push('\n');
            md.push_str(&section);
        }
        Err(e) => {
            eprintln!("simulation: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("window end {end}\n\n{md}");
    if let Some(path) = markdown
        && let Err(e) = std::fs::write(&path, &md)
    {
        eprintln!("writing {path}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
