-- A municipality's own values for the parameters of a shared form (rates, amounts), by form
-- key rather than by version: a rate outlives a new version of the form. A version ignores
-- the values whose id it does not declare. No row: the definition's default applies.
create table form_parameters (
    tenant_id integer not null references tenants (id),
    form_key text not null,
    param_id text not null,
    -- a JSON number (cents for money) or string, checked against the form version on use
    value text not null check (json_valid(value)),
    updated_at text not null,
    -- who set it; the value stays when that staff account is removed
    updated_by integer references staff (id) on delete set null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    primary key (tenant_id, form_key, param_id)
);

create index form_parameters_updated_by_idx on form_parameters (updated_by);
