-- Secrets every server process of one database shares, created at first start: the key that
-- signs the capability tokens of the hosted verification page.
create table server_secret (
    name    text        primary key,
    value   bytea       not null,
    created timestamptz not null default now()
);

-- Outbox of applicant status changes for the operator's webhook: written in the transaction that
-- changes the status, delivered (and retried) by a background worker, kept as a delivery log.
create table webhook_delivery (
    delivery_id  bigserial   primary key,
    account_id   uuid        not null references account on delete cascade,
    applicant_id uuid        not null,
    payload      jsonb       not null,
    -- pending: not yet delivered (or retrying); delivered; failed: gave up after the last retry
    state        text        not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
    attempts     integer     not null default 0,
    next_attempt timestamptz not null default now(),
    last_error   text,
    created      timestamptz not null default now(),
    delivered    timestamptz
);

create index webhook_delivery_pending on webhook_delivery (next_attempt) where state = 'pending';
