-- People an account refuses. Names are stored upper-case; a person blacklisted from an applicant
-- keeps that applicant's id (no foreign key: the entry outlives the applicant) and a copy of its
-- registered face, so the face stays banned after the applicant is deleted.
create table blacklist_person (
    person_id    uuid        primary key,
    account_id   uuid        not null references account on delete cascade,
    applicant_id uuid,
    first_name   text,
    middle_name  text,
    family_name  text,
    dob          timestamptz,
    embedding    real[]      check (embedding is null or array_length(embedding, 1) = 128),
    created      timestamptz not null default now()
);

-- "BlacklistPerson already exists": the same names and date of birth in one account
create unique index blacklist_person_identity on blacklist_person (
    account_id, coalesce(first_name, ''), coalesce(middle_name, ''), coalesce(family_name, ''),
    coalesce(dob, '-infinity'::timestamptz)
);
create index blacklist_person_account_created on blacklist_person (account_id, created desc);
