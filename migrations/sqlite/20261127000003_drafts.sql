-- Drafts (issue 4, item 7): what a citizen typed so far, saved to be resumed with a link.
-- Only the SHA-256 (hex) of the resume token is stored. `form_id` is the exact version the
-- draft was started on. A draft is deleted in the same transaction that submits it.
create table drafts (
    token_hash text primary key check (length(token_hash) = 64),
    tenant_id integer not null references tenants (id),
    service_id integer not null,
    form_id integer not null references forms (id),
    -- `{field id: value as typed}`, not validated
    answers text not null check (json_valid(answers)),
    expires_at text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint drafts_service_tenant_fkey foreign key (service_id, tenant_id)
        references services (id, tenant_id)
);

create index drafts_expires_idx on drafts (expires_at);
create index drafts_tenant_idx on drafts (tenant_id);
