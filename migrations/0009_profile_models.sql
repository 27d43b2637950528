-- A face profile records the embedding model that made it (verification::EmbeddingModel names) and
-- the blob of the image it was computed from: embeddings of different models are never compared,
-- and after a model change `baf-server profiles reembed` recomputes them from that image. Every
-- profile written before was a dlib ResNet embedding of the applicant's registration selfie (its
-- image is found through the applicant's successful attempt).
alter table face_profile
    drop constraint face_profile_embedding_check,
    add column model text not null default 'dlib-resnet-v1',
    add column image_key text;

alter table face_profile
    alter column model drop default,
    -- 128: dlib ResNet, 256: MobileFace V2, 384: their fusion
    add constraint face_profile_embedding_length check (array_length(embedding, 1) in (128, 256, 384));

create index face_profile_model on face_profile (model, applicant_id);

-- A banned face keeps the model that made it, and is compared only with faces of that model.
alter table blacklist_person
    drop constraint blacklist_person_embedding_check,
    add column embedding_model text;

update blacklist_person set embedding_model = 'dlib-resnet-v1' where embedding is not null;

alter table blacklist_person
    add constraint blacklist_person_embedding_model check ((embedding is null) = (embedding_model is null)),
    add constraint blacklist_person_embedding_length
        check (embedding is null or array_length(embedding, 1) in (128, 256, 384));
