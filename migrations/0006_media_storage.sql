-- Images and videos arrive compressed (JPEG, PNG, MP4): trying to compress them again costs CPU
-- on every attempt for nothing, so they are stored out of line without compression.
alter table attempt_media alter column bytes set storage external;
