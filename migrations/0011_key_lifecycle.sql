-- Key rotation and revocation: a key's first characters (`sk_3938ab7b`) name it to the operator,
-- and a rotated-out key works until `expires`. Keys made before this have no prefix; they are
-- revoked by their full value or retired by a rotation.
alter table api_key
    add column prefix  text,
    add column expires timestamptz;
