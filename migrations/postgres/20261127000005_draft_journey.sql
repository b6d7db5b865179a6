-- Drafts become the server-side state of the multi-step journey: saved at every step, bound to
-- the browser that started them, and handed over to another browser by a resume link.
-- `id` is a uuid (not secret, used in URLs, always together with the owner); `owner` is the
-- SHA-256 (hex) of the owning browser's session cookie; `token_hash`, the SHA-256 of the resume
-- token, is now optional (set when the citizen asks for a link) and unique when set.
-- Existing drafts get a fresh uuid and their token hash as owner: no browser holds that, so
-- they stay reachable only through their resume link, as before.

-- The volatile default gives every existing row its own uuid; new ids come from the store.
alter table drafts add column id uuid not null default gen_random_uuid();
alter table drafts alter column id drop default;
alter table drafts add column owner text;
update drafts set owner = token_hash;
alter table drafts
    alter column owner set not null,
    add constraint drafts_owner_check check (length(owner) = 64);

-- The token is no longer the key; dropping the key leaves its not-null behind, so drop it too.
alter table drafts drop constraint drafts_pkey;
alter table drafts
    alter column token_hash drop not null,
    add constraint drafts_pkey primary key (id),
    add constraint drafts_token_hash_key unique (token_hash);

create index drafts_owner_idx on drafts (owner);
