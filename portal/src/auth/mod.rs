//! Staff login, sessions, CSRF and roles.

pub mod csrf;
pub mod password;
pub mod session;
pub mod staff;
