//! Times `DefinitionIndex` on a synthetic catalog: 50,000 definitions with
//! wildcards against 100,000 observed templates (half of them matching, a tenth
//! truncated). Run by `bench/loghub.sh`: `cargo run --release --example match_scale`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use errata::cluster::{DefinitionIndex, IndexedDefinition, MatchKind};

const VERBS: [&str; 5] = [
    "отклонён",
    "приостановлен",
    "отменён",
    "заблокирован",
    "отложен",
];

fn main() {
    let definitions: Vec<String> = (0..50_000)
        .map(|i| {
            format!(
                "Перевод номер {i} {} банком: сумма <*> больше лимита клиента <*> на сегодня",
                VERBS[i % VERBS.len()]
            )
        })
        .collect();
    let templates: Vec<String> = (0..100_000)
        .map(|j| {
            let i = (j * 7) % 50_000;
            let verb = VERBS[i % VERBS.len()];
            match j % 10 {
                0 => format!("Перевод номер {i} {verb} банком: сумма <AMOUNT> больше"),
                1..=4 => format!(
                    "Перевод номер {i} {verb} банком: сумма <AMOUNT> больше лимита клиента <NAME> на сегодня"
                ),
                _ => format!("Платёж {i} {verb}: неизвестная ошибка <NUM>"),
            }
        })
        .collect();
    let cpu = Instant::now();
    let index = DefinitionIndex::new(definitions.iter().map(|t| IndexedDefinition {
        system: "abs",
        key: "",
        template: t,
    }));
    let built = cpu.elapsed();
    let (mut matched, mut truncated) = (0, 0);
    for t in &templates {
        match index.find("abs", None, t).map(|m| m.kind) {
            Some(MatchKind::Truncated) => truncated += 1,
            Some(_) => matched += 1,
            None => {}
        }
    }
    let total = cpu.elapsed();
    println!(
        "matching: 50,000 definitions x 100,000 templates: index built in {:.2} s, all matched in {:.2} s ({matched} template, {truncated} truncated, {} none)",
        built.as_secs_f64(),
        total.as_secs_f64(),
        templates.len() - matched - truncated
    );
}
