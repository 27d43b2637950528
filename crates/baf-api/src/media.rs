//! Content types of stored images and videos, read from their first bytes.

use baf_store::attempts::MediaKind;

pub fn content_type(kind: MediaKind, bytes: &[u8]) -> &'static str {
    match kind {
        MediaKind::Face | MediaKind::Front | MediaKind::Back => match image::guess_format(bytes) {
            Ok(format) => format.to_mime_type(),
            Err(_) => "application/octet-stream",
        },
        MediaKind::LivenessVideo | MediaKind::LivenessActionVideo => video_type(bytes),
    }
}

fn video_type(bytes: &[u8]) -> &'static str {
    if bytes.get(4..8) == Some(b"ftyp") {
        if bytes.get(8..10) == Some(b"qt") { "video/quicktime" } else { "video/mp4" }
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "video/webm"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(content_type(MediaKind::Face, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), "image/jpeg");
        assert_eq!(content_type(MediaKind::Face, b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(content_type(MediaKind::LivenessVideo, b"\0\0\0\x20ftypisom"), "video/mp4");
        assert_eq!(content_type(MediaKind::LivenessVideo, &[0x1A, 0x45, 0xDF, 0xA3, 1]), "video/webm");
        assert_eq!(content_type(MediaKind::LivenessActionVideo, b"nope"), "application/octet-stream");
    }
}
