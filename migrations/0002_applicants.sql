create table applicant (
    applicant_id               uuid        primary key,
    account_id                 uuid        not null references account on delete cascade,
    first_name                 text,
    last_name                  text,
    phone                      text,
    email                      text,
    reference_id               text,
    -- free string map chosen by the client (e.g. its own tenant key)
    metadata                   jsonb       not null default '{}',
    callback_url               text,
    send_sms                   boolean     not null default false,
    verification_method        smallint    not null default 1 check (verification_method in (0, 1)),
    -- 0 Pending, 1 Success, 2 Failed, 3 Canceled, 5 FailedAttempt (4 is unused by the vendor)
    status                     smallint    not null default 0 check (status in (0, 1, 2, 3, 5)),
    attempts_count             integer     not null default 0 check (attempts_count >= 0),
    attempts_used              integer     not null default 0 check (attempts_used >= 0),
    last_attempt_id            bigint,
    success_attempt_id         bigint,
    opened_link_times          integer     not null default 0,
    document_expired           boolean,
    has_risk_events            boolean     not null default false,
    has_background_risk_events boolean     not null default false,
    -- snapshot of the account's validation settings when the applicant was created
    settings                   jsonb       not null,
    -- the code of the short validation link: <public url>/<short_code>
    short_code                 text        not null unique,
    created                    timestamptz not null default now()
);

-- every list query is scoped to one account and ordered newest first by default
create index applicant_account_created on applicant (account_id, created desc, applicant_id);
create index applicant_account_reference on applicant (account_id, reference_id);
