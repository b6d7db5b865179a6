-- Who published a form version: the municipality whose admin published it (a form of its
-- own), or null for the whole federation (shared forms, and every form seeded or created
-- before). Rows are still only inserted: a published version never changes.
alter table forms add column tenant_id integer references tenants (id);

create index forms_tenant_idx on forms (tenant_id);
-- A publish moves the services of a form's older versions (PostgreSQL has had this index
-- since the first migration).
create index services_form_idx on services (form_id);
