//! Application state, shared by every handler, and the in-memory catalogue.
//!
//! The catalogue (municipalities, their services and the parsed form definitions) is read
//! from the store at start-up and refreshed every 30 seconds, so that public pages need no
//! database round trip. Form versions are immutable, so a parsed definition never goes stale.
//! It also holds each municipality's own parameter values (rates) by form key, so that every
//! evaluation of a form's logic uses the municipality's values without a query.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use forms::{FormDefinition, ParamValue, Params};
use store::{FormId, Service, Store, Tenant, TenantId};

use crate::config::Config;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    store: Arc<dyn Store>,
    csrf_key: Arc<[u8; 32]>,
    catalogue: RwLock<Arc<Catalogue>>,
    /// Uploaded files, outside the database (`files/` in the data folder).
    files: crate::uploads::FileStore,
    /// Citizen login, set up once the listening address is known (see [`AppState::set_login`]).
    login: std::sync::OnceLock<crate::citizen::login::Login>,
    /// Staff login through the identity provider, set up once the listening address is known
    /// (see [`AppState::set_staff_login`]).
    staff_login: std::sync::OnceLock<crate::inbox::oidc_login::StaffLogin>,
    /// Each municipality's payment provider.
    providers: crate::payment::Providers,
    /// The address citizens reach the portal at (`PORTAL_PUBLIC_URL`, else the listening
    /// address), for the addresses providers send citizens back to.
    public_base: std::sync::OnceLock<String>,
    /// The CSP with the identity providers' origins in `form-action` (see
    /// [`AppState::set_form_action_origins`]).
    csp: std::sync::OnceLock<axum::http::HeaderValue>,
}

impl AppState {
    pub async fn new(config: Config, store: Arc<dyn Store>, secret: &[u8]) -> anyhow::Result<Self> {
        let catalogue = Catalogue::load(store.as_ref()).await?;
        let files_dir = config.data_dir.join("files");
        let files = crate::uploads::FileStore::local(&files_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot use the folder for uploads {}: {e}",
                files_dir.display()
            )
        })?;
        let providers = crate::payment::Providers::build(&config)?;
        Ok(Self(Arc::new(Inner {
            providers,
            public_base: std::sync::OnceLock::new(),
            files,
            config,
            store,
            csrf_key: Arc::new(derive_key(secret, b"csrf-v1")),
            catalogue: RwLock::new(Arc::new(catalogue)),
            login: std::sync::OnceLock::new(),
            staff_login: std::sync::OnceLock::new(),
            csp: std::sync::OnceLock::new(),
        })))
    }

    /// Citizen login, if this installation offers it.
    pub fn login(&self) -> Option<&crate::citizen::login::Login> {
        self.0.login.get()
    }

    /// The trust level a service needs here: its form's, or higher where the municipality
    /// raised it (`trust_levels` in the configuration); never lower.
    pub fn trust_level(&self, tenant: &Tenant, offering: &Offering) -> forms::TrustLevel {
        let raised = self
            .config()
            .trust_levels
            .get(&format!("{}/{}", tenant.slug, offering.service.slug))
            .copied()
            .unwrap_or_default();
        offering.form.trust_level.max(raised)
    }

    /// Staff login through the identity provider, if this installation offers it.
    pub fn staff_login(&self) -> Option<&crate::inbox::oidc_login::StaffLogin> {
        self.0.staff_login.get()
    }

    /// Sets up staff login through the identity provider once (a second call changes
    /// nothing).
    pub fn set_staff_login(&self, login: crate::inbox::oidc_login::StaffLogin) {
        let _ = self.0.staff_login.set(login);
    }

    /// The CSP every response carries, when identity providers widen its `form-action`.
    pub fn csp(&self) -> Option<&axum::http::HeaderValue> {
        self.0.csp.get()
    }

    /// Allows forms' redirects to the identity providers' pages, once: browsers apply
    /// `form-action` to the redirects after a form post too, and the logout forms' redirects
    /// go to the providers.
    pub fn set_form_action_origins(&self, origins: &[String]) {
        if origins.is_empty() {
            return;
        }
        if let Ok(v) = axum::http::HeaderValue::from_str(&crate::web::csp_with_form_action(origins))
        {
            let _ = self.0.csp.set(v);
        }
    }

    /// Sets up citizen login once (a second call changes nothing).
    pub fn set_login(&self, login: crate::citizen::login::Login) {
        let _ = self.0.login.set(login);
    }

    pub fn providers(&self) -> &crate::payment::Providers {
        &self.0.providers
    }

    /// Sets the public address once the listening address is known (a second call changes
    /// nothing).
    pub fn set_public_base(&self, base: String) {
        let _ = self
            .0
            .public_base
            .set(base.trim_end_matches('/').to_owned());
    }

    pub fn public_base(&self) -> String {
        self.0
            .public_base
            .get()
            .cloned()
            .or_else(|| self.config().public_url.clone())
            .unwrap_or_default()
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// The store, shared (for what outlives a borrow of the state).
    pub fn store_arc(&self) -> Arc<dyn Store> {
        self.0.store.clone()
    }

    pub fn files(&self) -> &crate::uploads::FileStore {
        &self.0.files
    }

    pub fn csrf_key(&self) -> Arc<[u8; 32]> {
        self.0.csrf_key.clone()
    }

    pub fn catalogue(&self) -> Arc<Catalogue> {
        match self.0.catalogue.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub async fn reload_catalogue(&self) -> anyhow::Result<()> {
        let fresh = Arc::new(Catalogue::load(self.store()).await?);
        match self.0.catalogue.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// A form version: from the catalogue, else (no longer offered) from the store. Versions
    /// never change, so the catalogue's copy is as good as the stored one.
    pub async fn form(&self, id: FormId) -> anyhow::Result<Arc<FormDefinition>> {
        if let Some(form) = self.catalogue().form(id) {
            return Ok(form.clone());
        }
        let record = self
            .store()
            .form(id)
            .await?
            .with_context(|| format!("form {} missing", id.0))?;
        let parsed = FormDefinition::from_json(&record.definition)
            .with_context(|| format!("form {} v{}", record.key, record.version))?;
        Ok(Arc::new(parsed))
    }

    /// Keeps the catalogue fresh (other instances or the CLI may add services).
    pub fn spawn_catalogue_refresh(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = state.reload_catalogue().await {
                    tracing::warn!(error = %format!("{e:#}"), "catalogue refresh failed");
                }
            }
        });
    }

    /// Deletes expired sessions and drafts, and uploaded files nothing refers to, once an
    /// hour (see [`crate::sweep`]).
    pub fn spawn_session_sweeper(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let swept =
                    crate::sweep::run(state.store(), state.files(), chrono::Duration::hours(1))
                        .await;
                match swept {
                    Ok(s) if s != crate::sweep::Swept::default() => tracing::info!(
                        sessions = s.sessions,
                        drafts = s.drafts,
                        files = s.files,
                        accounts = s.accounts,
                        "expired data removed"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %format!("{e:#}"), "sweep failed"),
                }
            }
        });
    }
}

/// HMAC-SHA256(secret, purpose): one key per purpose from the one configured secret.
fn derive_key(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut key = [0u8; 32];
    if let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) {
        mac.update(purpose);
        key.copy_from_slice(&mac.finalize().into_bytes());
    }
    key
}

pub struct Offering {
    pub service: Service,
    pub form: Arc<FormDefinition>,
    /// The municipality's own values for the form's parameters, checked against this version
    /// (a value of the wrong type, or for an id the version does not declare, is left out).
    pub params: Params,
    /// What the first page of a blank application shows, worked out on first use.
    pub blank: std::sync::OnceLock<BlankStart>,
}

/// The first page of a blank application: the same for every visitor of an offering (the
/// form's logic on no answers, with the municipality's parameters), so the form page does not
/// evaluate the logic per request. Only this logic result is kept; the page is still rendered
/// per request, with its own CSRF token.
#[derive(Clone, Debug)]
pub struct BlankStart {
    pub step: usize,
    /// Indexes into the step's fields of those the page shows.
    pub fields: Vec<usize>,
    /// The rows of the shown groups (by group id): per row, indexes into the group's fields
    /// of those the row shows.
    pub rows: BTreeMap<String, Vec<Vec<usize>>>,
    /// The computed values the logic comes to on no answers.
    pub computed: BTreeMap<String, i64>,
    pub progress: forms::Progress,
}

impl Offering {
    pub fn new(service: Service, form: Arc<FormDefinition>, params: Params) -> Self {
        Self {
            service,
            form,
            params,
            blank: std::sync::OnceLock::new(),
        }
    }

    pub fn blank_start(&self) -> &BlankStart {
        self.blank.get_or_init(|| {
            let typed = forms::Typed::new();
            let journey = self.form.journey(&typed, &self.params);
            crate::citizen::blank_start_of(&self.form, &journey)
        })
    }
}

/// A municipality's stored parameter values, by form key, then parameter id.
type TenantParams = HashMap<String, BTreeMap<String, ParamValue>>;

#[derive(Default)]
pub struct Catalogue {
    /// Ordered by name.
    tenants: Vec<Tenant>,
    by_slug: HashMap<String, usize>,
    services: HashMap<TenantId, Vec<Offering>>,
    forms: HashMap<FormId, Arc<FormDefinition>>,
    params: HashMap<TenantId, TenantParams>,
}

impl Catalogue {
    pub async fn load(store: &dyn Store) -> anyhow::Result<Self> {
        let tenants = store.tenants().await.context("loading municipalities")?;
        let mut forms: HashMap<FormId, Arc<FormDefinition>> = HashMap::new();
        let mut services = HashMap::new();
        let mut params = HashMap::new();
        for tenant in &tenants {
            let stored = tenant_params(store, tenant).await?;
            let mut offerings = Vec::new();
            for service in store
                .services(tenant.id)
                .await
                .context("loading services")?
            {
                let form = match forms.get(&service.form_id) {
                    Some(f) => f.clone(),
                    None => {
                        let record = store
                            .form(service.form_id)
                            .await?
                            .with_context(|| format!("form {} missing", service.form_id.0))?;
                        let parsed = FormDefinition::from_json(&record.definition)
                            .with_context(|| format!("form {} v{}", record.key, record.version))?;
                        let parsed = Arc::new(parsed);
                        forms.insert(service.form_id, parsed.clone());
                        parsed
                    }
                };
                let own = checked_params(tenant, &form, stored.get(&form.id));
                offerings.push(Offering::new(service, form, own));
            }
            services.insert(tenant.id, offerings);
            params.insert(tenant.id, stored);
        }
        let by_slug = tenants
            .iter()
            .enumerate()
            .map(|(i, t)| (t.slug.clone(), i))
            .collect();
        Ok(Self {
            tenants,
            by_slug,
            services,
            forms,
            params,
        })
    }

    /// A municipality's parameter values for `form` (any version of its key, e.g. the older
    /// one a draft was started on), checked against that version.
    pub fn params(&self, tenant: &Tenant, form: &FormDefinition) -> Params {
        let stored = self.params.get(&tenant.id).and_then(|p| p.get(&form.id));
        checked_params(tenant, form, stored)
    }

    pub fn tenants(&self) -> &[Tenant] {
        &self.tenants
    }

    pub fn tenant(&self, slug: &str) -> Option<&Tenant> {
        self.by_slug.get(slug).map(|&i| &self.tenants[i])
    }

    pub fn tenant_by_id(&self, id: TenantId) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }

    pub fn services(&self, tenant: TenantId) -> &[Offering] {
        self.services
            .get(&tenant)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn offering(&self, tenant: TenantId, slug: &str) -> Option<&Offering> {
        self.services(tenant)
            .iter()
            .find(|o| o.service.slug == slug)
    }

    /// An offered form version by its key and version number.
    pub fn form_by_key(&self, key: &str, version: u32) -> Option<&Arc<FormDefinition>> {
        self.forms
            .values()
            .find(|f| f.id == key && f.version == version)
    }

    pub fn form(&self, id: FormId) -> Option<&Arc<FormDefinition>> {
        self.forms.get(&id)
    }
}

/// A municipality's stored values by form key. A value that is neither an integer nor a text
/// is left out, with a warning (never the value itself: it names no one, but logs carry ids
/// only).
async fn tenant_params(store: &dyn Store, tenant: &Tenant) -> anyhow::Result<TenantParams> {
    let mut out: TenantParams = HashMap::new();
    for stored in store
        .tenant_form_parameters(tenant.id)
        .await
        .context("loading parameter values")?
    {
        match serde_json::from_value::<ParamValue>(stored.value) {
            Ok(value) => {
                out.entry(stored.form_key)
                    .or_default()
                    .insert(stored.param_id, value);
            }
            Err(_) => tracing::warn!(
                tenant = %tenant.slug,
                form = %stored.form_key,
                parameter = %stored.param_id,
                "stored parameter value is neither a number nor a text; the default applies"
            ),
        }
    }
    Ok(out)
}

/// The values `form` declares, of the kind it declares; a value of the wrong kind is left out
/// with a warning (the default applies), one for an id this version does not declare silently
/// (a rate is stored by key and may belong to another version).
fn checked_params(
    tenant: &Tenant,
    form: &FormDefinition,
    stored: Option<&BTreeMap<String, ParamValue>>,
) -> Params {
    let Some(stored) = stored else {
        return Params::defaults();
    };
    let declared = Params(
        stored
            .iter()
            .filter(|(id, _)| form.parameter(id).is_some())
            .map(|(id, v)| (id.clone(), v.clone()))
            .collect(),
    );
    let problems = form.check_params(&declared);
    if problems.is_empty() {
        return declared;
    }
    let mut params = declared;
    for problem in problems {
        let id = problem
            .path
            .strip_prefix("tenant.")
            .unwrap_or(&problem.path);
        tracing::warn!(
            tenant = %tenant.slug,
            form = %form.id,
            version = form.version,
            parameter = %id,
            problem = %problem.message,
            "stored parameter value ignored; the default applies"
        );
        params.0.remove(id);
    }
    params
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const DOG_TAX: &str = include_str!("../demo/forms/hundesteuer-anmeldung.json");

    fn town() -> Tenant {
        Tenant {
            id: TenantId(1),
            slug: "werther".to_owned(),
            name: "Werther".to_owned(),
            code: "WER".to_owned(),
            profile: store::TenantProfile::default(),
            demo: false,
        }
    }

    #[test]
    fn only_declared_values_of_the_declared_kind_are_used() {
        let form = FormDefinition::from_json(DOG_TAX).unwrap();
        let stored: BTreeMap<String, ParamValue> = [
            ("steuer_erster_hund", ParamValue::Int(5400)),
            ("steuer_weiterer_hund", ParamValue::Text("viel".into())),
            ("aus_einer_anderen_version", ParamValue::Int(1)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let params = checked_params(&town(), &form, Some(&stored));
        assert_eq!(
            params,
            Params::defaults().with("steuer_erster_hund", ParamValue::Int(5400))
        );
        assert_eq!(checked_params(&town(), &form, None), Params::defaults());
    }
}
