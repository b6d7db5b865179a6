-- Citizen login through OpenID Connect (issue 5).
--
-- A session row now also stands for a logged-in citizen: `citizen` is the SHA-256 (hex) of
-- `issuer|sub`, the owner of the citizen's drafts and cases (the pseudonym itself is not
-- stored as a key). `citizen_claims` holds the identity attributes for prefill, `id_token`
-- the hint for the provider's logout. A citizen session ends 30 minutes after the last request
-- (`idle_expires_at`) or at `expires_at` (12 hours after login), whichever comes first.
alter table sessions add column citizen text
    constraint sessions_citizen_check check (citizen is null or length(citizen) = 64);
alter table sessions add column citizen_level text
    constraint sessions_citizen_level_check
    check (citizen_level is null or citizen_level in ('low', 'substantial', 'high'));
alter table sessions add column citizen_claims jsonb;
alter table sessions add column id_token text;
alter table sessions add column idle_expires_at timestamptz;

-- A login in progress: state (only its SHA-256), nonce and PKCE verifier, bound to the
-- browser session that began it, single use (deleted when the provider sends the browser
-- back), valid 10 minutes.
create table login_flows (
    state_hash text primary key constraint login_flows_state_hash_check
        check (length(state_hash) = 64),
    session_hash text not null references sessions (key_hash) on delete cascade,
    nonce text not null,
    pkce_verifier text not null,
    -- the trust level asked for
    level text not null constraint login_flows_level_check
        check (level in ('low', 'substantial', 'high')),
    -- a path on this portal, checked before it was stored
    return_to text not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now()
);

create index login_flows_session_idx on login_flows (session_hash);
create index login_flows_expires_idx on login_flows (expires_at);
create index sessions_citizen_idx on sessions (citizen) where citizen is not null;

-- `cases.submitter_session` keeps its name: for a logged-in citizen it holds the citizen's
-- owner hash (as `drafts.owner` does), for anyone else the submitting browser's session hash.
create index cases_submitter_idx on cases (submitter_session);
