//! `prepare-submissions`: drafts for `scripts/bench` to submit (see docs/benchmarks.md).
//!
//! The benchmark measures the final step of an application, the check page's "submit": it
//! validates every answer, and one transaction deletes the draft and stores the case. Each such
//! request needs a draft of its own, owned by the browser that sends it, so this tool walks N
//! dog-tax applications through the real journey (form, each step, check page) with as many
//! browsers at a time as asked, and writes one line per draft for the wrk script
//! (`scripts/bench-submit.lua`):
//!
//! `PATH<TAB>COOKIE HEADER<TAB>BODY`, e.g.
//! `/werther/applications/…/check<TAB>__Host-portal-csrf=…; __Host-portal-session=…<TAB>_csrf=…&_declaration=yes`
//!
//! Usage: `prepare-submissions --base http://127.0.0.1:PORT --count N --out FILE
//! [--concurrency 16]`. Prints `prepared=<n>` last.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use reqwest::StatusCode;
use tests::{Browser, DOG_TAX_ANSWERS, DOG_TAX_FORM};

struct Args {
    base: String,
    count: usize,
    concurrency: usize,
    out: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let (mut base, mut out) = (None, None);
    let (mut count, mut concurrency) = (1000, 16);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--base" => base = Some(value()?),
            "--out" => out = Some(value()?),
            "--count" => count = value()?.parse().context("--count: a number")?,
            "--concurrency" => concurrency = value()?.parse().context("--concurrency: a number")?,
            "-h" | "--help" => {
                println!(
                    "usage: prepare-submissions --base URL --count N --out FILE [--concurrency C]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (see --help)"),
        }
    }
    if count == 0 || concurrency == 0 {
        bail!("--count and --concurrency must be at least 1");
    }
    Ok(Args {
        base: base.context("--base is required")?,
        count,
        concurrency,
        out: out.context("--out is required")?,
    })
}

/// Walks one application up to its check page; returns the line for the wrk script.
async fn one(base: &str) -> anyhow::Result<String> {
    let mut browser = Browser::new(base);
    let mut page = browser.get(DOG_TAX_FORM).await;
    for _ in 0..20 {
        if page.status != StatusCode::OK {
            bail!("unexpected {} on the way: {}", page.status, page.body);
        }
        let action = page
            .attr("main form[method=post]", "action")
            .context("no form on the page")?;
        let token = page.csrf_token();
        if page.attr("input[name=_declaration]", "name").is_some() {
            let cookies = browser
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            return Ok(format!(
                "{action}\t{cookies}\t_csrf={token}&_declaration=yes"
            ));
        }
        let shown = page.input_names();
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str()), ("_action", "next")];
        fields.extend(
            DOG_TAX_ANSWERS
                .iter()
                .filter(|(name, _)| shown.iter().any(|n| n == name)),
        );
        let posted = browser.post(&action, &fields).await;
        if posted.status != StatusCode::SEE_OTHER {
            bail!("a step answered {}: {}", posted.status, posted.body);
        }
        page = browser.get(&posted.location()).await;
    }
    bail!("no check page after 20 pages")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let base: Arc<str> = args.base.into();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (base, next, count) = (base.clone(), next.clone(), args.count);
        tasks.push(tokio::spawn(async move {
            let mut lines = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                lines.push(one(&base).await?);
            }
            anyhow::Ok(lines)
        }));
    }
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out))?,
    );
    let mut prepared = 0;
    for task in tasks {
        for line in task.await?? {
            writeln!(file, "{line}")?;
            prepared += 1;
        }
    }
    file.flush()?;
    println!("prepared={prepared}");
    Ok(())
}
