//! Frames sampled from an encoded video (motion-control liveness, issue 17).
//!
//! Decoding runs the `ffmpeg` program (Debian's `ffmpeg` package) rather than FFmpeg's libraries
//! through a binding crate: the bindings build against the system's libav headers with bindgen and
//! follow its FFmpeg version, while the program is one package, and a video that crashes or hangs
//! its decoder takes down a child process that is killed, not the server.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::RgbImage;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot run ffmpeg ({0}); install it (Debian: apt-get install ffmpeg)")]
    Tool(#[source] std::io::Error),
    #[error("the data is not a video ffmpeg can decode: {0}")]
    NotAVideo(String),
    #[error("decoding the video took longer than {0:?}")]
    TooSlow(Duration),
}

/// How the video is sampled.
#[derive(Clone, Copy, Debug)]
pub struct Sampling {
    /// Frames kept per second of video.
    pub per_second: u32,
    /// Each frame is scaled down to fit this many pixels a side.
    pub max_side: u32,
    /// At most this many frames are kept, from the start.
    pub max_frames: usize,
    /// ffmpeg is killed after this long.
    pub deadline: Duration,
}

/// One sampled frame and its time from the video's start.
pub struct Frame {
    pub at: f32,
    pub picture: RgbImage,
}

/// The frames of `video` (any container and codec ffmpeg reads: WebM, MP4, QuickTime...).
pub fn sample(video: &[u8], sampling: &Sampling) -> Result<Vec<Frame>, Error> {
    let side = sampling.max_side;
    let filter = format!(
        "fps={},scale='min({side},iw)':'min({side},ih)':force_original_aspect_ratio=decrease",
        sampling.per_second
    );
    // From a file, not a pipe: an MP4 or QuickTime file often keeps its index at the end, which
    // ffmpeg must seek to.
    let mut input = tempfile::NamedTempFile::new().map_err(Error::Tool)?;
    input.write_all(video).map_err(Error::Tool)?;
    let mut child = Command::new("ffmpeg")
        // One decoding thread, like each face worker: a verdict is counted against one core.
        .args(["-v", "error", "-nostdin", "-threads", "1", "-i"])
        .arg(input.path())
        .args(["-an", "-vf", &filter])
        .args(["-frames:v", &sampling.max_frames.to_string()])
        .args(["-f", "image2pipe", "-c:v", "ppm", "pipe:1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Error::Tool)?;
    let started = Instant::now();
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    // The pipes are drained beside the wait, so that a decoder that hangs with them open is
    // still killed at the deadline (which closes them).
    let (status, output, errors) = std::thread::scope(|scope| {
        let output = scope.spawn(move || {
            let mut output = Vec::new();
            stdout.read_to_end(&mut output).map(|_| output)
        });
        let errors = scope.spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if started.elapsed() > sampling.deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(Error::TooSlow(sampling.deadline));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(error) => break Err(Error::Tool(error)),
            }
        };
        let output = output.join().expect("the reader does not panic");
        (status, output, errors.join().unwrap_or_default())
    });
    let (status, output) = (status?, output.map_err(Error::Tool)?);
    if !status.success() {
        return Err(Error::NotAVideo(errors.trim().to_owned()));
    }
    let frames = pictures(&output)?;
    if frames.is_empty() {
        return Err(Error::NotAVideo("it holds no frame".into()));
    }
    Ok(frames
        .into_iter()
        .enumerate()
        .map(|(index, picture)| Frame {
            at: index as f32 / sampling.per_second as f32,
            picture,
        })
        .collect())
}

/// The pictures of ffmpeg's `ppm` stream: each a binary PPM (`P6`, width, height, 255, pixels).
fn pictures(mut stream: &[u8]) -> Result<Vec<RgbImage>, Error> {
    let broken = || Error::NotAVideo("ffmpeg's frame stream is cut short".into());
    let mut pictures = Vec::new();
    while !stream.is_empty() {
        let mut fields = [0u32; 3];
        let mut rest = stream.strip_prefix(b"P6").ok_or_else(broken)?;
        for field in &mut fields {
            let start = rest
                .iter()
                .position(|byte| !byte.is_ascii_whitespace())
                .ok_or_else(broken)?;
            let digits = rest[start..]
                .iter()
                .take_while(|byte| byte.is_ascii_digit())
                .count();
            *field = std::str::from_utf8(&rest[start..start + digits])
                .ok()
                .and_then(|text| text.parse().ok())
                .ok_or_else(broken)?;
            rest = &rest[start + digits..];
        }
        let [width, height, 255] = fields else {
            return Err(broken());
        };
        // One whitespace byte ends the header.
        let pixels = 3 * width as usize * height as usize;
        let body = rest.get(1..1 + pixels).ok_or_else(broken)?;
        pictures.push(RgbImage::from_raw(width, height, body.to_vec()).ok_or_else(broken)?);
        stream = &rest[1 + pixels..];
    }
    Ok(pictures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real_clip() -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/videos/short_hamilton_clip.mp4"),
        )
        .unwrap()
    }

    fn sampling() -> Sampling {
        Sampling {
            per_second: 10,
            max_side: 320,
            max_frames: 1000,
            deadline: Duration::from_secs(30),
        }
    }

    #[test]
    fn a_ppm_stream_splits_into_its_pictures() {
        let mut stream = b"P6\n2 1\n255\n".to_vec();
        stream.extend([1, 2, 3, 4, 5, 6]);
        stream.extend(b"P6\n1 1\n255\n");
        stream.extend([7, 8, 9]);
        let split = pictures(&stream).unwrap();
        assert_eq!(split.len(), 2);
        assert_eq!(split[0].get_pixel(1, 0).0, [4, 5, 6]);
        assert_eq!(split[1].dimensions(), (1, 1));
        assert!(matches!(
            pictures(&stream[..stream.len() - 1]),
            Err(Error::NotAVideo(_))
        ));
    }

    #[test]
    fn the_real_clip_is_sampled_at_the_rate_asked() {
        let clip = real_clip();
        let frames = sample(&clip, &sampling()).unwrap();
        // 9.2 s of video (10 s of container) at 10 frames a second, 640×360 scaled to fit 320.
        assert!((90..=101).contains(&frames.len()), "{}", frames.len());
        assert_eq!(frames[0].picture.dimensions(), (320, 180));
        assert!((frames[10].at - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_decoder_past_its_deadline_is_stopped() {
        let clip = real_clip();
        let hurried = Sampling {
            deadline: Duration::ZERO,
            ..sampling()
        };
        assert!(matches!(sample(&clip, &hurried), Err(Error::TooSlow(_))));
    }

    #[test]
    fn what_is_not_a_video_is_refused() {
        for data in [&b""[..], b"not a video at all", &[0u8; 4096]] {
            assert!(
                matches!(sample(data, &sampling()), Err(Error::NotAVideo(_))),
                "{data:?}"
            );
        }
    }
}
