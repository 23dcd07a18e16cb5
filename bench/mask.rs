//! Micro benchmark of masking, against two peers measured in the same run:
//! copying the texts (the floor) and replacing digit runs with one regex (the
//! simplest masker there is). Run with `cargo bench --bench mask`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use errata::mask::Masker;
use regex::Regex;

/// Client texts as a bank's logs hold them: most with nothing to mask.
fn corpus() -> Vec<String> {
    let plain = [
        "Недостаточно средств на счёте",
        "Операция отклонена банком-эмитентом. Обратитесь в банк",
        "Сервис временно недоступен, повторите попытку позже",
        "Неверный логин или пароль",
    ];
    let variable = [
        "Сумма 1 500,00 руб. превышает лимит 100 000 руб.",
        "Карта 4111 1111 1111 1111 заблокирована до 25.06.2024 14:30",
        "Код подтверждения отправлен на +7 (912) 345-67-89",
        "Ошибка ORA-20001: запрос 550e8400-e29b-41d4-a716-446655440000 отклонён",
        "Письмо отправлено на ivan.petrov@mail.ru, заказ №123456",
    ];
    (0..200_000)
        .map(|i| {
            if i % 5 == 0 {
                format!("{} (попытка {i})", variable[i % variable.len()])
            } else {
                plain[i % plain.len()].to_string()
            }
        })
        .collect()
}

fn time(name: &str, texts: &[String], bytes: usize, f: impl Fn(&str) -> usize) -> Duration {
    // Best of five runs, after one warm-up.
    let mut best = Duration::MAX;
    for _ in 0..6 {
        let start = Instant::now();
        let mut total = 0;
        for t in texts {
            total += f(t);
        }
        black_box(total);
        best = best.min(start.elapsed());
    }
    let mb_s = bytes as f64 / 1e6 / best.as_secs_f64();
    println!(
        "{name:<24} {:>8.1} ms {mb_s:>8.1} MB/s",
        best.as_secs_f64() * 1e3
    );
    best
}

fn main() {
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{} texts, {:.1} MB", texts.len(), bytes as f64 / 1e6);
    let masker = Masker::new(&errata::rules::Rules::default());
    let digits = Regex::new("[0-9]+").unwrap();

    let copy = time("copy (floor)", &texts, bytes, |t| t.to_string().len());
    let naive = time("digits regex (peer)", &texts, bytes, |t| {
        digits.replace_all(t, "<NUM>").len()
    });
    let masked = time("errata mask", &texts, bytes, |t| masker.mask(t).text.len());
    // The two kinds of text apart: the pre-check's share and the pass's.
    for (name, digits) in [
        ("  texts without digits", false),
        ("  texts with variables", true),
    ] {
        let part: Vec<String> = texts
            .iter()
            .filter(|t| t.bytes().any(|b| b.is_ascii_digit()) == digits)
            .cloned()
            .collect();
        let part_bytes = part.iter().map(String::len).sum();
        time(name, &part, part_bytes, |t| masker.mask(t).text.len());
    }
    let ratio = |d: Duration, peer: Duration| d.as_secs_f64() / peer.as_secs_f64();
    println!(
        "errata mask / digits regex: {:.2}x, / copy: {:.2}x",
        ratio(masked, naive),
        ratio(masked, copy)
    );
}
