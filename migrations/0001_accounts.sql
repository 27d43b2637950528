-- A tenant of the server. Settings are a JSON document (baf_domain::AccountSettings) so a new
-- switch needs no migration; missing keys take their defaults when read.
create table account (
    account_id uuid primary key,
    name       text        not null,
    settings   jsonb       not null default '{}',
    created    timestamptz not null default now()
);

-- API keys are stored as the sha256 of the clear key. Keys are random uuids (122 bits), so a
-- fast hash is enough: there is nothing to brute-force, and lookups stay one index probe.
create table api_key (
    key_hash   bytea       primary key check (length(key_hash) = 32),
    account_id uuid        not null references account on delete cascade,
    kind       text        not null check (kind in ('secret', 'public')),
    created    timestamptz not null default now()
);

create index api_key_account on api_key (account_id);
