-- Staff login through OpenID Connect (issue 5 item 5), beside the local password accounts.
--
-- `staff.oidc_subject` is the SHA-256 (hex) of the provider's `issuer|sub` for an account the
-- provider vouches for (its password hash is unusable); null for a local account. A staff
-- session keeps the login's `acr` and `amr` (a JSON list) as the provider sent them. A login
-- flow is a citizen's or a staff member's: one kind's callback never takes the other's flow.
alter table staff add column oidc_subject text
    check (oidc_subject is null or length(oidc_subject) = 64);
create unique index staff_oidc_subject_key on staff (oidc_subject) where oidc_subject is not null;

alter table sessions add column staff_acr text;
alter table sessions add column staff_amr text
    check (staff_amr is null or json_valid(staff_amr));

alter table login_flows add column kind text not null default 'citizen'
    check (kind in ('citizen', 'staff'));
