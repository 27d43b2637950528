-- BAF's Risks API: every risk found on an attempt, queryable by time, level and type, and the
-- request facts the velocity risks count.

-- Where the request came from (the connection's peer, or X-Forwarded-For behind a trusted proxy)
-- and the hosted page's browser fingerprint, when it sent one.
alter table attempt
    add column client_address      text,
    add column browser_fingerprint text;

update attempt set client_address = record->>'requestIpAddress';

create index attempt_client_address on attempt (account_id, client_address, created)
    where client_address is not null;
create index attempt_browser_fingerprint on attempt (account_id, browser_fingerprint, created)
    where browser_fingerprint is not null;

-- One risk found on one attempt. `risk_type` is the vendor's number (0 MassAttack, 1 PeriodicAttack,
-- 6 DuplicateFace, 7 InconsistentMetadata; 2 BlackListed, none of the vendor's), `level` 0 Moderate
-- or 1 Significant; an inactive risk was recorded without failing the attempt.
create table risk_event (
    risk_event_id bigserial   primary key,
    account_id    uuid        not null references account on delete cascade,
    applicant_id  uuid        not null references applicant on delete cascade,
    attempt_id    bigint      not null references attempt on delete cascade,
    risk_type     smallint    not null,
    level         smallint    not null check (level in (0, 1)),
    is_active     boolean     not null,
    created       timestamptz not null
);

create index risk_event_account_created on risk_event (account_id, created desc, risk_event_id desc);
create index risk_event_attempt on risk_event (attempt_id);

-- The risks of attempts recorded before this table, as their records hold them. DuplicateFace was
-- stored as 1 before it got the vendor's 6.
insert into risk_event (account_id, applicant_id, attempt_id, risk_type, level, is_active, created)
select a.account_id, a.applicant_id, a.attempt_id,
       case e->>'riskName' when 'DuplicateFace' then 6 when 'BlackListed' then 2
                           else (e->>'riskNumber')::smallint end,
       1,
       coalesce((e->>'isActive')::boolean, true),
       coalesce((e->>'created')::timestamptz, a.created)
from attempt a, jsonb_array_elements(a.record->'riskEvents') e
order by a.attempt_id;

-- InconsistentMetadata compares phone numbers by their digits.
create index applicant_phone_digits on applicant (account_id, regexp_replace(phone, '[^0-9]', '', 'g'))
    where phone is not null;
