//! Start-up, the router, and the server loop with graceful shutdown.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};

use crate::config::Config;
use crate::error::ErrorPage;
use crate::state::AppState;
use crate::{admin, citizen, demo, inbox, info, schemas, web};

/// Form posts up to 1 MiB; anything larger gets 413. The upload routes have their own limit
/// (`citizen::uploads`).
pub const FORM_BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    // Small responses are not worth compressing; gzip costs more than it saves on them.
    let compress = SizeAbove::new(2048).and(NotForContentType::IMAGES);
    let mut routes = Router::new();
    // The demo's own identity provider exists only in demo mode (`setup` makes it only then).
    if let Some(op) = state.login().and_then(|l| l.demo_op.clone()) {
        routes = routes.merge(crate::demo_op::router(op));
    }
    // The simulated payment provider likewise exists only in demo mode.
    if state.providers().simulated().is_some() {
        routes = routes.merge(crate::payment::simulated::router());
    }
    routes
        .merge(citizen::router())
        .merge(inbox::router())
        .merge(admin::router())
        .merge(info::router())
        .merge(web::router())
        .merge(schemas::router())
        .merge(crate::delivery::api::router())
        .merge(crate::delivery::views::router())
        .fallback(|| async { ErrorPage::NotFound })
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT))
        // A panic becomes a 500 page with a correlation id (the `frame` layer renders it).
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            axum::response::IntoResponse::into_response(ErrorPage::Internal)
        }))
        .layer(middleware::from_fn_with_state(state.clone(), web::frame))
        .layer(CompressionLayer::new().compress_when(compress))
        .with_state(state)
}

/// Opens the database, checks the demo rules, seeds the demo, builds the state.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    let store = open_store(&config).await?;

    let holds_demo = store.holds_demo_data().await?;
    if config.demo {
        let real = store.tenants().await?.into_iter().any(|t| !t.demo);
        if real {
            bail!(
                "demo mode refuses this database: it holds real municipalities. Start without \
                 PORTAL_DEMO, or use an empty database for the demo"
            );
        }
        demo::seed(store.as_ref())
            .await
            .context("seeding the demo data")?;
        tracing::warn!(
            "DEMO MODE: demo municipalities, demo staff accounts with password `demo`; \
             do not enter real personal data"
        );
    } else if holds_demo {
        bail!(
            "this database holds demo data, but demo mode is off. Start with PORTAL_DEMO=true \
             to run the demo, or remove the demo data with `portal remove-demo-data` (same \
             configuration)"
        );
    }

    let secret = secret_key(&config)?;
    let state = AppState::new(config, store, &secret).await?;
    crate::delivery::sync_targets(&state).await?;
    Ok(state)
}

pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.database_url();
    store::connect(&url)
        .await
        .with_context(|| format!("cannot open the database {}", store::redact_url(&url)))
}

/// The configured secret, or one generated once and kept in the data folder (fine for a
/// single instance; several instances must share `PORTAL_SECRET_KEY`).
fn secret_key(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &config.secret_key {
        return Ok(key.expose().as_bytes().to_vec());
    }
    let path = config.data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    let key: String = rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    write_private(&path, &key)?;
    if !config.demo {
        tracing::warn!(
            path = %path.display(),
            "no PORTAL_SECRET_KEY set: generated one in the data folder; several instances must share one key"
        );
    }
    Ok(key.into_bytes())
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind;
    let state = prepare(config).await?;
    state.spawn_catalogue_refresh();
    state.spawn_session_sweeper();
    crate::payment::reconcile::spawn(state.clone());
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    state.set_public_base(
        state
            .config()
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
    );
    crate::delivery::spawn(state.clone())?;
    if let Some(login) = citizen::login::setup(state.config(), addr)? {
        state.set_login(login);
    }
    if let Some(staff_login) = inbox::oidc_login::setup(state.config(), addr, &state.catalogue())? {
        state.set_staff_login(staff_login);
    }
    // The logout forms' redirects go to the providers' pages (the demo's is this portal).
    let mut origins: Vec<String> = state
        .login()
        .filter(|l| l.demo_op.is_none())
        .and_then(|l| l.rp.issuer_origin())
        .into_iter()
        .chain(
            state
                .staff_login()
                .into_iter()
                .flat_map(|s| s.origins.clone()),
        )
        .collect();
    origins.sort();
    origins.dedup();
    state.set_form_action_origins(&origins);
    tracing::info!("listening on http://{addr}");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
    // A last word for slow clients; axum stops accepting and drains on its own.
    tokio::time::sleep(Duration::from_millis(10)).await;
}
