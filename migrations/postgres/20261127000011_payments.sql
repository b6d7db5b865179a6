-- Online payment of fees (issue 6), the case timeline, and the outbox that carries everything
-- that leaves the process after the citizen's request is answered (here: asking a provider
-- about a pending payment; deliveries and emails join it later).

-- What a case costs and when it became complete. `completed_at` is set exactly once, by the
-- one place that completes a case (store: `complete_case`), at submission for a free or
-- pay-later service, else when the first payment is confirmed.
alter table cases
    add column fee_cents bigint constraint cases_fee_check check (fee_cents is null or fee_cents > 0),
    add column currency text,
    add column pay_later boolean not null default false,
    add column completed_at timestamptz,
    -- the fee lines as shown on the check page and the receipt: [{description, quantity, unit_cents}]
    add column fee_items jsonb;

-- One try at paying a case's fee. Its id is the idempotency key of the provider call that
-- creates the payment, written before that call is made.
create table payment_attempts (
    id uuid primary key,
    tenant_id bigint not null references tenants (id),
    case_id uuid not null references cases (id),
    -- stripe, epaybl, pmpayment, simulated
    provider text not null,
    -- the provider's id once it answered (Checkout Session id, transactionId)
    provider_reference text,
    -- the payment page, kept so that a citizen coming back is sent to the same page
    redirect_url text,
    -- the Kassenzeichen, where the provider gives one
    transaction_reference text,
    method text,
    amount_cents bigint not null constraint payment_attempts_amount_check check (amount_cents > 0),
    currency text not null,
    state text not null constraint payment_attempts_state_check check (state in (
        'created', 'pending', 'paid', 'failed', 'cancelled', 'expired',
        'partially_refunded', 'refunded'
    )),
    refunded_cents bigint not null default 0
        constraint payment_attempts_refunded_check check (refunded_cents >= 0),
    -- a paid attempt of a case that was already paid by another: the money goes back
    refund_due boolean not null default false,
    expires_at timestamptz not null,
    paid_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint payment_attempts_provider_ref_key unique (provider, provider_reference)
);

create index payment_attempts_case_idx on payment_attempts (case_id);
create index payment_attempts_tenant_paid_idx on payment_attempts (tenant_id, paid_at);

-- A provider's notifications, each stored once: the first delivery is handled, repeats are not.
create table payment_notifications (
    tenant_id bigint not null references tenants (id),
    provider text not null,
    event_id text not null,
    received_at timestamptz not null default now(),
    primary key (tenant_id, provider, event_id)
);

-- Refunds: through the provider, or recorded by a clerk as paid out by the cash office.
-- The id is the idempotency key of the provider call, written before it.
create table refunds (
    id uuid primary key,
    tenant_id bigint not null references tenants (id),
    attempt_id uuid not null references payment_attempts (id),
    amount_cents bigint not null constraint refunds_amount_check check (amount_cents > 0),
    reason text not null,
    via text not null constraint refunds_via_check check (via in ('provider', 'cash_office')),
    state text not null constraint refunds_state_check check (state in ('requested', 'done', 'failed')),
    provider_refund_id text,
    error text,
    staff_id bigint references staff (id),
    created_at timestamptz not null default now()
);

create index refunds_attempt_idx on refunds (attempt_id);

-- The case's timeline: append-only.
create table case_events (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id),
    case_id uuid not null references cases (id),
    -- submitted, payment_started, payment_paid, payment_failed, ..., completed, refund
    kind text not null,
    -- who: 'citizen', 'system', a provider's name, or a staff member's username
    actor text not null,
    -- details for display, no personal data beyond what the case holds
    detail jsonb not null default '{}',
    at timestamptz not null default now()
);

create index case_events_case_idx on case_events (case_id, id);

-- The outbox: work that leaves the process, leased by a worker (FOR UPDATE SKIP LOCKED, so
-- several instances share it), retried with backoff, dead-lettered after too many attempts.
-- `idempotency_key` is unique: the same work is never queued twice.
create table outbox_jobs (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id),
    -- reconcile_payment (subject: the attempt id); later: deliver, email
    kind text not null,
    subject text not null,
    idempotency_key text not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    lease_until timestamptz,
    last_error text,
    dead boolean not null default false,
    done_at timestamptz,
    created_at timestamptz not null default now(),
    constraint outbox_jobs_key unique (idempotency_key)
);

create index outbox_jobs_due_idx on outbox_jobs (next_attempt_at) where done_at is null and not dead;
