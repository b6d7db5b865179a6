-- When an account last signed in (a right password, or a login at its identity provider, with
-- a session or not):
-- shown to administrators for their access reviews, and the clock for removing an identity
-- provider's account that has no role (data minimisation, `Store::delete_idle_accounts`).
-- Null for an account that never signed in since this column exists; an account's latest
-- session still there gives a first value.
alter table staff add column last_login_at timestamptz;
update staff set last_login_at = (select max(x.created_at) from sessions x where x.staff_id = staff.id);
