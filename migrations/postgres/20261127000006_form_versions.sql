-- Who published a form version: the municipality whose admin published it (a form of its
-- own), or null for the whole federation (shared forms, and every form seeded or created
-- before). Rows are still only inserted: a published version never changes.
alter table forms add column tenant_id bigint references tenants (id);

create index forms_tenant_idx on forms (tenant_id) where tenant_id is not null;
