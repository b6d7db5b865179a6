-- Staff identity providers per municipality (issue 5 item 5).
--
-- `staff.oidc_tenant`: an account of a municipality's own identity provider; its roles count
-- only in that municipality (null: a local account, or one of the installation's provider).
-- `login_flows.staff_provider`: a staff login begun at a municipality's provider (its slug);
-- only that provider's callback completes it.
alter table staff add column oidc_tenant bigint references tenants (id);
alter table login_flows add column staff_provider text;
