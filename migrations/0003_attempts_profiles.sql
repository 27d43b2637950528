-- One verification attempt (BAF's "validation response"). The vendor numbers them with integers.
create table attempt (
    attempt_id      bigserial   primary key,
    account_id      uuid        not null references account on delete cascade,
    applicant_id    uuid        not null references applicant on delete cascade,
    created         timestamptz not null default now(),
    document_type   smallint    not null,
    -- 0 Success, 1 Fail, 2 InvalidData, 3 Error
    response_status smallint    not null check (response_status in (0, 1, 2, 3)),
    has_risk_events boolean     not null default false,
    -- the attempt's full outcome (baf_domain::validation::AttemptRecord): verdicts, scores, risk events,
    -- similar applicants; written once, read back by GET .../Attempts/{attemptId}
    record          jsonb       not null
);

create index attempt_applicant on attempt (account_id, applicant_id, attempt_id desc);

-- Images and videos of an attempt, stored as received (already compressed: JPEG, PNG, MP4...).
-- They live and die with the attempt, and deleting the applicant deletes them in the same transaction.
create table attempt_media (
    attempt_id   bigint not null references attempt on delete cascade,
    kind         text   not null check (kind in ('face', 'front', 'back', 'liveness_video', 'liveness_action_video')),
    content_type text   not null,
    bytes        bytea  not null,
    primary key (attempt_id, kind)
);

-- The registered face of an applicant: at most one. `seq` grows with every write, so a server
-- process can fetch exactly the profiles it has not seen yet (gallery catch-up).
create sequence face_profile_seq;

create table face_profile (
    applicant_id uuid        primary key references applicant on delete cascade,
    account_id   uuid        not null references account on delete cascade,
    embedding    real[]      not null check (array_length(embedding, 1) = 128),
    seq          bigint      not null default nextval('face_profile_seq'),
    updated      timestamptz not null default now()
);

create index face_profile_account_seq on face_profile (account_id, seq);

-- The newest attempt's time and outcome, kept on the applicant so a page of applicants is one query.
alter table applicant
    add column last_attempt_created  timestamptz,
    add column last_response_status  smallint check (last_response_status in (0, 1, 2, 3));
