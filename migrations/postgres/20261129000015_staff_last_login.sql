-- When an account last logged in (a right password, or a provider login that got a session):
-- shown to administrators for their access reviews, and the clock for removing an identity
-- provider's account that has no role (data minimisation, `Store::delete_idle_accounts`).
-- Null for an account that never logged in since this column exists.
alter table staff add column last_login_at timestamptz;
