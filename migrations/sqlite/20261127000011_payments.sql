-- Online payment of fees (issue 6), the case timeline, and the outbox that carries everything
-- that leaves the process after the citizen's request is answered (here: asking a provider
-- about a pending payment; deliveries and emails join it later).

-- What a case costs and when it became complete. `completed_at` is set exactly once, by the
-- one place that completes a case (store: `complete_case`), at submission for a free or
-- pay-later service, else when the first payment is confirmed.
alter table cases add column fee_cents integer check (fee_cents is null or fee_cents > 0);
alter table cases add column currency text;
alter table cases add column pay_later integer not null default 0 check (pay_later in (0, 1));
alter table cases add column completed_at text;
-- the fee lines as shown on the check page and the receipt: [{description, quantity, unit_cents}]
alter table cases add column fee_items text check (fee_items is null or json_valid(fee_items));

-- One try at paying a case's fee. Its id is the idempotency key of the provider call that
-- creates the payment, written before that call is made.
create table payment_attempts (
    id text primary key check (length(id) = 36),
    tenant_id integer not null references tenants (id),
    case_id text not null references cases (id),
    -- stripe, epaybl, pmpayment, simulated
    provider text not null,
    -- the provider's id once it answered (Checkout Session id, transactionId)
    provider_reference text,
    -- the payment page, kept so that a citizen coming back is sent to the same page
    redirect_url text,
    -- the Kassenzeichen, where the provider gives one
    transaction_reference text,
    method text,
    amount_cents integer not null check (amount_cents > 0),
    currency text not null,
    state text not null check (state in (
        'created', 'pending', 'paid', 'failed', 'cancelled', 'expired',
        'partially_refunded', 'refunded'
    )),
    refunded_cents integer not null default 0 check (refunded_cents >= 0),
    -- a paid attempt of a case that was already paid by another: the money goes back
    refund_due integer not null default 0 check (refund_due in (0, 1)),
    expires_at text not null,
    paid_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint payment_attempts_provider_ref_key unique (provider, provider_reference)
);

create index payment_attempts_case_idx on payment_attempts (case_id);
create index payment_attempts_tenant_paid_idx on payment_attempts (tenant_id, paid_at);

-- A provider's notifications, each stored once: the first delivery is handled, repeats are not.
create table payment_notifications (
    tenant_id integer not null references tenants (id),
    provider text not null,
    event_id text not null,
    received_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    primary key (tenant_id, provider, event_id)
);

-- Refunds: through the provider, or recorded by a clerk as paid out by the cash office.
-- The id is the idempotency key of the provider call, written before it.
create table refunds (
    id text primary key check (length(id) = 36),
    tenant_id integer not null references tenants (id),
    attempt_id text not null references payment_attempts (id),
    amount_cents integer not null check (amount_cents > 0),
    reason text not null,
    via text not null check (via in ('provider', 'cash_office')),
    state text not null check (state in ('requested', 'done', 'failed')),
    provider_refund_id text,
    error text,
    staff_id integer references staff (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);

create index refunds_attempt_idx on refunds (attempt_id);

-- The case's timeline: append-only.
create table case_events (
    id integer primary key,
    tenant_id integer not null references tenants (id),
    case_id text not null references cases (id),
    -- submitted, payment_started, payment_paid, payment_failed, ..., completed, refund
    kind text not null,
    -- who: 'citizen', 'system', a provider's name, or a staff member's username
    actor text not null,
    -- details for display, no personal data beyond what the case holds
    detail text not null default '{}' check (json_valid(detail)),
    at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);

create index case_events_case_idx on case_events (case_id, id);

-- The outbox: work that leaves the process, leased by a worker, retried with backoff, dead-
-- lettered after too many attempts. `idempotency_key` is unique: the same work is never
-- queued twice.
create table outbox_jobs (
    id integer primary key,
    tenant_id integer not null references tenants (id),
    -- reconcile_payment (subject: the attempt id); later: deliver, email
    kind text not null,
    subject text not null,
    idempotency_key text not null,
    attempts integer not null default 0,
    next_attempt_at text not null,
    lease_until text,
    last_error text,
    dead integer not null default 0 check (dead in (0, 1)),
    done_at text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    constraint outbox_jobs_key unique (idempotency_key)
);

create index outbox_jobs_due_idx on outbox_jobs (next_attempt_at) where done_at is null and dead = 0;
