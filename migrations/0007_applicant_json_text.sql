-- An applicant's metadata and settings snapshot are written once and read whole on every GET;
-- they are never queried inside. As `json` (text) Postgres returns them as stored, where `jsonb`
-- is re-serialised on every read (measured: +4% GET requests/s with bench/api-load.sh).
alter table applicant
    alter column metadata drop default,
    alter column metadata type json using metadata::json,
    alter column metadata set default '{}',
    alter column settings type json using settings::json;
