-- Forwarding completed cases to the municipalities' backends (issue 7).

-- The delivery targets of the configuration file (`[[delivery.<municipality>]]`), mirrored
-- at start-up so that the transaction completing a case can write one outbox job per target.
-- Secrets and addresses stay in the configuration; a target removed from it is kept here,
-- inactive, because jobs and history point at it.
create table delivery_targets (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id),
    -- the target's name in the configuration: [a-z0-9-], unique per municipality
    name text not null,
    kind text not null check (kind in ('webhook', 'email', 'fit_connect', 'file_drop', 'pull_api')),
    -- service slugs the target receives; null: every service
    services jsonb,
    active boolean not null default true,
    created_at timestamptz not null default now(),
    constraint delivery_targets_name_key unique (tenant_id, name)
);

-- Jobs about a case (deliveries, citizen emails) name it; deliveries name their target.
-- Kinds: deliver (a push target), pull (a pull-API target: done when the backend
-- acknowledges), mail (a citizen email; subject: the message's kind).
alter table outbox_jobs add column case_id uuid references cases (id);
alter table outbox_jobs add column target_id bigint references delivery_targets (id);
-- what the target answered, for the case page (e.g. a FIT-Connect submission id)
alter table outbox_jobs add column outcome text;
-- how far a delivery of several calls got (a FIT-Connect submission created but not yet
-- sent), saved before the next call so that a retry after a crash continues it
alter table outbox_jobs add column progress text;

create index outbox_jobs_case_idx on outbox_jobs (case_id) where case_id is not null;
create index outbox_jobs_dead_idx on outbox_jobs (tenant_id) where dead;

-- The backend's latest word for the citizen (pull API), shown with the status.
alter table cases add column status_note text;
