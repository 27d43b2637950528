-- New images and videos live in the blob store (baf-blobs; a local folder by default) and their row
-- keeps the key: storing a selfie as bytea cost Postgres about as much CPU as the rest of the
-- attempt. Rows written before keep their bytes here and are served from them.
alter table attempt_media
    alter column bytes drop not null,
    add column blob_key text,
    add constraint attempt_media_one_location check ((bytes is null) <> (blob_key is null));
