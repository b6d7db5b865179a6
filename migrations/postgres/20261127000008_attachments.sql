-- Files a citizen uploads in a form step. The bytes live outside the database, in the object
-- store under `storage_key` (a name the server chose); a row here holds what is known of them.
-- An attachment belongs to a draft while the application is in progress and moves to the case
-- in the transaction that submits it, so exactly one of `draft_id` and `case_id` is set. It
-- goes with its draft (expired and swept, or left out on submit); files without a row are
-- swept from the object store afterwards.
create table attachments (
    id uuid primary key,
    tenant_id bigint not null references tenants (id),
    draft_id uuid references drafts (id) on delete cascade,
    -- no cascade: a case never vanishes, nor do its files
    case_id uuid references cases (id),
    -- the form field it was uploaded for
    field_id text not null,
    -- the citizen's file name, sanitised by the portal; offered again on download only
    file_name text not null,
    content_type text not null,
    size_bytes bigint not null constraint attachments_size_check check (size_bytes >= 0),
    -- SHA-256 (hex) of the content
    sha256 text not null constraint attachments_sha256_check check (length(sha256) = 64),
    storage_key text not null,
    created_at timestamptz not null default now(),
    constraint attachments_storage_key_key unique (storage_key),
    constraint attachments_owner_check check ((draft_id is null) <> (case_id is null))
);

create index attachments_draft_idx on attachments (draft_id) where draft_id is not null;
create index attachments_case_idx on attachments (case_id) where case_id is not null;
create index attachments_tenant_idx on attachments (tenant_id);
