//! The planarity measure on the face detector's real landmarks: the real clip's head shows
//! parallax where it turns, and a still photo moved, tilted and turned in front of the camera
//! (rendered by homographies) does not. Run with `--nocapture` for the numbers.

use std::path::PathBuf;
use std::time::Duration;

use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};
use motion::{Landmarks, Pose, Thresholds, nose_parallax};
use verification::{Pipeline, PipelineConfig, RgbImage};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    std::env::var_os("BAF_SHARED_DIR").map_or_else(|| repo().join("../shared"), PathBuf::from)
}

fn pipeline() -> Pipeline {
    Pipeline::load(&PipelineConfig::in_checkout(&repo())).expect("the face models load")
}

/// The landmarks of each frame holding exactly one face.
fn landmarks(pipeline: &mut Pipeline, frames: &[RgbImage]) -> Vec<Landmarks> {
    frames
        .iter()
        .filter_map(|frame| {
            let found = pipeline.detect(frame).unwrap();
            (found.faces.len() == 1)
                .then(|| found.faces[0].landmarks.map(|p| (p.x as f32, p.y as f32)))
        })
        .collect()
}

/// The nose's parallax of every frame turned at least a turn's threshold from the most frontal
/// one, against it.
fn parallax_of_turns(marks: &[Landmarks]) -> Vec<f32> {
    let poses: Vec<Pose> = marks.iter().map(Pose::of).collect();
    let frontal = (0..poses.len())
        .min_by(|&a, &b| poses[a].yaw.abs().total_cmp(&poses[b].yaw.abs()))
        .unwrap();
    let turn = Thresholds::new(0.0, 0.0).turn;
    (0..poses.len())
        .filter(|&index| (poses[index].yaw - poses[frontal].yaw).abs() >= turn)
        .filter_map(|index| nose_parallax(&marks[frontal], &marks[index]))
        .collect()
}

#[test]
fn the_real_clip_turns_in_three_dimensions() {
    let clip = std::fs::read(shared().join("videos/short_hamilton_clip.mp4")).unwrap();
    let sampling = video::Sampling {
        per_second: 10,
        max_side: 640,
        max_frames: 200,
        deadline: Duration::from_secs(60),
    };
    let frames: Vec<RgbImage> = video::sample(&clip, &sampling)
        .unwrap()
        .into_iter()
        .map(|frame| frame.picture)
        .collect();
    let marks = landmarks(&mut pipeline(), &frames);
    let mut parallax = parallax_of_turns(&marks);
    parallax.sort_by(f32::total_cmp);
    eprintln!(
        "{} frames, {} with one face, {} turned; parallax of the turned: {parallax:?}",
        frames.len(),
        marks.len(),
        parallax.len()
    );
    let threshold = Thresholds::new(0.0, 0.0).parallax;
    let median = parallax[parallax.len() / 2];
    assert!(median >= threshold, "median {median} against {threshold}");
}

/// A 640×480 frame holding `photo` carried by `h` (a 3×3 matrix, row-major).
fn shown(photo: &RgbImage, h: [f32; 9]) -> RgbImage {
    let projection = Projection::from_matrix(h).unwrap();
    let mut frame = RgbImage::new(640, 480);
    let grey = Border::Constant(image::Rgb([90, 90, 90]));
    warp_into(photo, projection, Interpolation::Bilinear, grey, &mut frame);
    frame
}

#[test]
fn a_photo_moved_tilted_and_turned_shows_no_parallax() {
    let photo = image::open(shared().join("faces/selfie/biden/fr_biden.jpg"))
        .unwrap()
        .to_rgb8();
    let fit = 400.0 / photo.width().max(photo.height()) as f32;
    let mut frames = Vec::new();
    for step in 0..=20 {
        let t = step as f32 / 20.0;
        let angle = 0.6 * (t * std::f32::consts::TAU).sin();
        // Turned about its vertical middle line, seen in perspective, slid and brought closer.
        let (scale, slide) = (fit * (1.0 + 0.3 * t), 60.0 * t);
        let tilt = angle.sin() * 0.0006 * scale;
        frames.push(shown(
            &photo,
            [
                scale * angle.cos(),
                0.0,
                100.0 + slide,
                0.0,
                scale,
                20.0,
                tilt,
                0.0,
                1.0,
            ],
        ));
    }
    let marks = landmarks(&mut pipeline(), &frames);
    assert!(marks.len() >= 18, "{} frames with one face", marks.len());
    // Turning a print hardly moves its nose along its eye line: a turn is seldom even seen.
    let turned = parallax_of_turns(&marks).len();
    let worst = marks
        .iter()
        .filter_map(|moved| nose_parallax(&marks[0], moved))
        .fold(0f32, f32::max);
    let threshold = Thresholds::new(0.0, 0.0).parallax;
    eprintln!(
        "{} frames with one face, {turned} of them turned; the largest parallax: {worst} against \
         {threshold}",
        marks.len()
    );
    assert!(worst < threshold, "{worst}");
}
