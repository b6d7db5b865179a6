//! Who is asking: a browser (its session cookie, if any) and, when a citizen logged in, the
//! citizen. Drafts and cases belong to an *owner*: the logged-in citizen's owner hash (the
//! same in every browser, for every login of that person), else the browser's session hash.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use forms::TrustLevel;
use store::CitizenLogin;

use crate::auth::session::SessionKey;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Clone, Debug, Default)]
pub struct Visitor {
    /// The browser's session cookie.
    pub key: Option<SessionKey>,
    /// The citizen logged in with this browser, while the login lasts.
    pub login: Option<CitizenLogin>,
}

impl Visitor {
    /// Whose drafts and cases this request may see: the citizen's, else the browser's.
    pub fn owner(&self) -> Option<String> {
        match &self.login {
            Some(login) => Some(login.owner.clone()),
            None => self.key.as_ref().map(SessionKey::hash),
        }
    }

    /// The trust level of the login; `None` without one.
    pub fn level(&self) -> Option<TrustLevel> {
        self.login.as_ref().and_then(|l| l.level.parse().ok())
    }

    /// Whether the login reaches `needed` (anything reaches `none`).
    pub fn reaches(&self, needed: TrustLevel) -> bool {
        needed == TrustLevel::None || self.level().is_some_and(|l| l >= needed)
    }

    /// The citizen's name for the page header.
    pub fn name(&self) -> Option<String> {
        let claims = &self.login.as_ref()?.claims;
        let part = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::trim);
        let name = [part("given_name"), part("family_name")]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Some(name)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Read once per request: the page context and the handler share it.
        if let Some(v) = parts.extensions.get::<Visitor>() {
            return Ok(v.clone());
        }
        let key = SessionKey::from_headers(&parts.headers);
        let mut login = None;
        // Only a key drawn at a citizen's login can hold one: anonymous browsers (most
        // visitors) and staff cost no look-up.
        if let Some(key) = key.as_ref().filter(|k| k.may_hold_login())
            && let Some(record) = state.store().session(&key.hash()).await?
            && let Some(citizen) = record.citizen
        {
            // A login lasts `citizen_login_idle_minutes` after the last request: moved on at
            // most once a minute, so that a busy citizen costs one write a minute.
            let idle =
                chrono::Duration::minutes(i64::from(state.config().citizen_login_idle_minutes));
            let now = Utc::now();
            if citizen.idle_expires_at < now + idle - chrono::Duration::minutes(1) {
                state.store().touch_session(&key.hash(), now + idle).await?;
            }
            login = Some(citizen);
        }
        let visitor = Visitor { key, login };
        parts.extensions.insert(visitor.clone());
        Ok(visitor)
    }
}
