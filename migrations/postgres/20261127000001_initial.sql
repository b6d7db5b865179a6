-- The portal's first schema (PostgreSQL). Constraint names are part of the contract: the store
-- maps unique violations to errors by name.

create table tenants (
    id bigint generated always as identity primary key,
    slug text not null,
    name text not null,
    code text not null,
    demo boolean not null default false,
    created_at timestamptz not null default now(),
    constraint tenants_slug_key unique (slug),
    constraint tenants_code_key unique (code)
);

create table forms (
    id bigint generated always as identity primary key,
    key text not null,
    version integer not null,
    -- `json`, not `jsonb`: validated, but kept verbatim, since a stored definition is immutable
    definition json not null,
    demo boolean not null default false,
    created_at timestamptz not null default now(),
    constraint forms_key_version_key unique (key, version)
);

create table services (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id),
    slug text not null,
    form_id bigint not null references forms (id),
    created_at timestamptz not null default now(),
    constraint services_tenant_slug_key unique (tenant_id, slug),
    -- target of the cases' composite key: a case's service belongs to the case's tenant
    constraint services_id_tenant_key unique (id, tenant_id)
);

create index services_form_idx on services (form_id);

-- No cascades into cases: a case never vanishes because something else was deleted.
create table cases (
    id uuid primary key,
    tenant_id bigint not null references tenants (id),
    service_id bigint not null,
    form_id bigint not null references forms (id),
    reference text not null,
    status text not null check (status in (
        'awaiting_payment', 'received', 'forwarded', 'in_progress',
        'needs_info', 'decided', 'closed', 'withdrawn'
    )),
    answers jsonb not null,
    -- SHA-256 (hex) of the submitting browser's session key; no foreign key, since sessions
    -- expire and are swept while the case stays
    submitter_session text,
    created_at timestamptz not null default now(),
    constraint cases_reference_key unique (reference),
    constraint cases_service_tenant_fkey foreign key (service_id, tenant_id)
        references services (id, tenant_id)
);

create index cases_tenant_created_idx on cases (tenant_id, created_at desc, id);
create index cases_form_idx on cases (form_id);

create table staff (
    id bigint generated always as identity primary key,
    username text not null,
    password_hash text not null,
    demo boolean not null default false,
    created_at timestamptz not null default now(),
    constraint staff_username_key unique (username)
);

create table staff_roles (
    id bigint generated always as identity primary key,
    staff_id bigint not null references staff (id) on delete cascade,
    kind text not null check (kind in ('clerk', 'tenant_admin', 'federation_admin')),
    tenant_id bigint references tenants (id),
    created_at timestamptz not null default now(),
    -- federation roles span all tenants, every other role is scoped to exactly one
    constraint staff_roles_scope_check check ((kind = 'federation_admin') = (tenant_id is null))
);

create index staff_roles_staff_idx on staff_roles (staff_id);
create index staff_roles_tenant_idx on staff_roles (tenant_id);

create table sessions (
    key_hash text primary key,
    staff_id bigint references staff (id) on delete cascade,
    expires_at timestamptz not null,
    created_at timestamptz not null default now()
);

create index sessions_expires_idx on sessions (expires_at);
create index sessions_staff_idx on sessions (staff_id);
