//! Staff login, sessions, CSRF and roles.

pub mod citizen;
pub mod csrf;
pub mod oidc;
pub mod password;
pub mod session;
pub mod staff;
