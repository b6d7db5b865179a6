-- Brute-force protection of the staff login: consecutive failed logins per account, and the
-- time until which the account refuses every login (without checking the password). A right
-- password resets both. Kept in the database so that every instance and a restart see it.
alter table staff add column failed_logins integer not null default 0
    constraint staff_failed_logins_check check (failed_logins >= 0);
alter table staff add column locked_until timestamptz;
