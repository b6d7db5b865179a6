-- Drafts become the server-side state of the multi-step journey: saved at every step, bound to
-- the browser that started them, and handed over to another browser by a resume link.
-- `id` is a uuid (not secret, used in URLs, always together with the owner); `owner` is the
-- SHA-256 (hex) of the owning browser's session cookie; `token_hash`, the SHA-256 of the resume
-- token, is now optional (set when the citizen asks for a link) and unique when set.
-- Existing drafts get a fresh uuid and their token hash as owner: no browser holds that, so
-- they stay reachable only through their resume link, as before.
-- SQLite cannot change a primary key in place: a new table, the rows copied, the old one
-- dropped. Nothing references drafts, so this is safe with foreign keys on.
create table drafts_new (
    id text primary key check (length(id) = 36),
    owner text not null check (length(owner) = 64),
    token_hash text check (token_hash is null or length(token_hash) = 64),
    tenant_id integer not null references tenants (id),
    service_id integer not null,
    form_id integer not null references forms (id),
    -- `{field id: value as typed}`, not validated
    answers text not null check (json_valid(answers)),
    expires_at text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint drafts_token_hash_key unique (token_hash),
    constraint drafts_service_tenant_fkey foreign key (service_id, tenant_id)
        references services (id, tenant_id)
);

-- A random (version 4) uuid per row, hyphenated lowercase like every uuid the store writes:
-- the version nibble is 4, the variant nibble one of 8, 9, a, b.
insert into drafts_new (id, owner, token_hash, tenant_id, service_id, form_id, answers,
                        expires_at, created_at, updated_at)
select lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
           || substr(lower(hex(randomblob(2))), 2) || '-'
           || substr('89ab', 1 + abs(random() % 4), 1)
           || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
       token_hash, token_hash, tenant_id, service_id, form_id, answers,
       expires_at, created_at, updated_at
from drafts;

-- Takes the old table's indexes with it.
drop table drafts;
alter table drafts_new rename to drafts;

create index drafts_owner_idx on drafts (owner);
create index drafts_expires_idx on drafts (expires_at);
create index drafts_tenant_idx on drafts (tenant_id);
