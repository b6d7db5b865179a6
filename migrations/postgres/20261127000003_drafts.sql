-- Drafts (issue 4, item 7): what a citizen typed so far, saved to be resumed with a link.
-- Only the SHA-256 (hex) of the resume token is stored. `form_id` is the exact version the
-- draft was started on. A draft is deleted in the same transaction that submits it.
create table drafts (
    token_hash text primary key check (length(token_hash) = 64),
    tenant_id bigint not null references tenants (id),
    service_id bigint not null,
    form_id bigint not null references forms (id),
    -- `{field id: value as typed}`, not validated
    answers jsonb not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint drafts_service_tenant_fkey foreign key (service_id, tenant_id)
        references services (id, tenant_id)
);

create index drafts_expires_idx on drafts (expires_at);
create index drafts_tenant_idx on drafts (tenant_id);
