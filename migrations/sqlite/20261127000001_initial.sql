-- The portal's first schema (SQLite).
-- Types: ids are `integer primary key` (rowid); uuids are hyphenated lowercase text; json is text
-- checked with json_valid; timestamps are text in one fixed-width UTC format,
-- `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so that text order is time order; booleans are 0/1.
-- The store binds every timestamp it writes in that format; the defaults below produce the same
-- shape (strftime's %f has milliseconds, padded to microseconds).

create table tenants (
    id integer primary key,
    slug text not null,
    name text not null,
    code text not null,
    demo integer not null default 0 check (demo in (0, 1)),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint tenants_slug_key unique (slug),
    constraint tenants_code_key unique (code)
);

create table forms (
    id integer primary key,
    key text not null,
    version integer not null,
    -- kept verbatim: a stored definition is immutable
    definition text not null check (json_valid(definition)),
    demo integer not null default 0 check (demo in (0, 1)),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint forms_key_version_key unique (key, version)
);

create table services (
    id integer primary key,
    tenant_id integer not null references tenants (id),
    slug text not null,
    form_id integer not null references forms (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint services_tenant_slug_key unique (tenant_id, slug),
    -- target of the cases' composite key: a case's service belongs to the case's tenant
    constraint services_id_tenant_key unique (id, tenant_id)
);

-- No cascades into cases: a case never vanishes because something else was deleted.
create table cases (
    id text primary key check (length(id) = 36),
    tenant_id integer not null references tenants (id),
    service_id integer not null,
    form_id integer not null references forms (id),
    reference text not null,
    status text not null check (status in (
        'awaiting_payment', 'received', 'forwarded', 'in_progress',
        'needs_info', 'decided', 'closed', 'withdrawn'
    )),
    answers text not null check (json_valid(answers)),
    -- SHA-256 (hex) of the submitting browser's session key; no foreign key, since sessions
    -- expire and are swept while the case stays
    submitter_session text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint cases_reference_key unique (reference),
    constraint cases_service_tenant_fkey foreign key (service_id, tenant_id)
        references services (id, tenant_id)
);

create index cases_tenant_created_idx on cases (tenant_id, created_at desc, id);

create table staff (
    id integer primary key,
    username text not null,
    password_hash text not null,
    demo integer not null default 0 check (demo in (0, 1)),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint staff_username_key unique (username)
);

create table staff_roles (
    id integer primary key,
    staff_id integer not null references staff (id) on delete cascade,
    kind text not null check (kind in ('clerk', 'tenant_admin', 'federation_admin')),
    tenant_id integer references tenants (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    -- federation roles span all tenants, every other role is scoped to exactly one
    check ((kind = 'federation_admin') = (tenant_id is null))
);

create index staff_roles_staff_idx on staff_roles (staff_id);
create index staff_roles_tenant_idx on staff_roles (tenant_id);

create table sessions (
    key_hash text primary key,
    staff_id integer references staff (id) on delete cascade,
    expires_at text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);

create index sessions_expires_idx on sessions (expires_at);
create index sessions_staff_idx on sessions (staff_id);
