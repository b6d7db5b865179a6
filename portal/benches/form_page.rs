//! The form page of the walking skeleton's benchmark, in process: the whole router (middleware,
//! CSRF, security headers, the page rendered by Leptos) called on one thread, against
//! `/healthz` through the same router. No sockets, no load generator: this is the portal's own
//! CPU per request, the part of `scripts/bench`'s form page ratio that the code decides.
//!
//! `cargo bench -p portal --bench form_page`; figures in docs/benchmarks.md ("Form page").

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark set-up may panic

use std::collections::HashMap;
use std::hint::black_box;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;

// The binary's allocator, so that allocation costs what it costs in the server.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FORM: &str = "/werther/services/hundesteuer-anmeldung/form";

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let env: HashMap<&str, &str> =
        HashMap::from([("PORTAL_DEMO", "true"), ("PORTAL_DATA_DIR", data.as_str())]);
    let config = portal::config::Config::load(None, &env).unwrap();
    let router = rt.block_on(async {
        let state = portal::app::prepare(config).await.unwrap();
        portal::app::router(state)
    });
    let page = String::from_utf8(get(&rt, &router, FORM).to_vec()).unwrap();
    assert!(page.contains("name=\"_csrf\""), "the form page renders");

    c.bench_function("GET /healthz (in process)", |b| {
        b.iter(|| black_box(get(&rt, &router, "/healthz")));
    });
    c.bench_function("GET form page, first step (in process)", |b| {
        b.iter(|| black_box(get(&rt, &router, FORM)));
    });
}

fn get(rt: &tokio::runtime::Runtime, router: &axum::Router, path: &str) -> axum::body::Bytes {
    rt.block_on(async move {
        let req = Request::get(path).body(Body::empty()).unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        assert!(res.status().is_success());
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
    })
}

criterion_group!(benches, bench);
criterion_main!(benches);
