-- Media retention (account settings `retention.attemptMediaDays`, `retention.registrationMediaDays`):
-- a background pass deletes the images and videos of expired attempts and keeps the attempts.

-- When the attempt's files were deleted for their age; its Images and Video routes then answer
-- the vendor's "no media" errors.
alter table attempt add column media_removed timestamptz;

create index attempt_media_kept on attempt (account_id, created) where media_removed is null;

-- What each pass removed, for the operator (`baf-server retention run` prints the same).
create table retention_pass (
    pass_id  bigserial   primary key,
    started  timestamptz not null,
    finished timestamptz not null,
    attempts bigint      not null,
    files    bigint      not null
);
