-- The trust level of the citizen's login a case was submitted with (issue 5 review): `low`,
-- `substantial` or `high`; null for a case submitted without a login (and for every case
-- submitted before this column existed). Written with the case, never changed.
alter table cases add column login_level text
    constraint cases_login_level_check
    check (login_level is null or login_level in ('low', 'substantial', 'high'));
