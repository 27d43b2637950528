use imageproc::geometric_transformations::Projection;

use crate::Landmarks;

/// How far the nose tip of `moved` lies from where a flat picture would put it: the homography
/// that takes `reference`'s eyes and mouth corners onto `moved`'s carries `reference`'s nose
/// tip somewhere, and the distance from there to `moved`'s, in units of `moved`'s distance
/// between the eyes, is the answer. Any picture of a flat face (a print moved, turned or tilted,
/// a screen) maps by one homography, so its parallax is the detector's noise; a living head's
/// nose stands in front of its eyes and mouth and moves apart from them when the head turns.
/// `None` when the four points are too close to a line for a homography.
pub fn nose_parallax(reference: &Landmarks, moved: &Landmarks) -> Option<f32> {
    let corners = |marks: &Landmarks| [marks[0], marks[1], marks[3], marks[4]];
    let projection = Projection::from_control_points(corners(reference), corners(moved))?;
    let (x, y) = projection * reference[2];
    let nose = moved[2];
    let eyes = (moved[1].0 - moved[0].0).hypot(moved[1].1 - moved[0].1);
    (eyes > 0.0).then(|| (x - nose.0).hypot(y - nose.1) / eyes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A head's five landmarks in units of the distance between the eyes: x towards the
    /// person's left (the camera's right), y down, and forward towards the camera.
    pub(crate) const HEAD: [(f32, f32, f32); 5] = [
        (-0.5, 0.0, 0.0),
        (0.5, 0.0, 0.0),
        (0.0, 0.6, 0.35),
        (-0.4, 1.1, 0.1),
        (0.4, 1.1, 0.1),
    ];

    /// The point the head turns about: inside it, behind the eyes.
    const PIVOT: (f32, f32, f32) = (0.0, 0.5, -1.0);

    /// `head`'s landmarks seen by a 500-pixel pinhole camera from `distance` (eye distances),
    /// turned by `yaw` radians to the person's left and by `pitch` radians up.
    pub(crate) fn seen(
        head: &[(f32, f32, f32); 5],
        yaw: f32,
        pitch: f32,
        distance: f32,
    ) -> Landmarks {
        head.map(|(x, y, forward)| {
            let (x, y, forward) = (x - PIVOT.0, y - PIVOT.1, forward - PIVOT.2);
            let (x, forward) = (
                x * yaw.cos() + forward * yaw.sin(),
                -x * yaw.sin() + forward * yaw.cos(),
            );
            let (y, forward) = (
                y * pitch.cos() - forward * pitch.sin(),
                y * pitch.sin() + forward * pitch.cos(),
            );
            let (x, y, forward) = (x + PIVOT.0, y + PIVOT.1, forward + PIVOT.2);
            let depth = distance - forward;
            (320.0 + 500.0 * x / depth, 240.0 + 500.0 * y / depth)
        })
    }

    /// The same landmarks moved by a homography: a flat picture of them moved and tilted.
    pub(crate) fn warped(marks: &Landmarks, h: [[f32; 3]; 3]) -> Landmarks {
        marks.map(|(x, y)| {
            let w = h[2][0] * x + h[2][1] * y + h[2][2];
            (
                (h[0][0] * x + h[0][1] * y + h[0][2]) / w,
                (h[1][0] * x + h[1][1] * y + h[1][2]) / w,
            )
        })
    }

    #[test]
    fn a_turning_head_shows_parallax() {
        let frontal = seen(&HEAD, 0.0, 0.0, 8.0);
        for (yaw, pitch) in [(0.35, 0.0), (-0.35, 0.0), (0.0, 0.35)] {
            let turned = seen(&HEAD, yaw, pitch, 8.0);
            let parallax = nose_parallax(&frontal, &turned).unwrap();
            assert!(parallax > 0.08, "{yaw} {pitch}: {parallax}");
        }
    }

    #[test]
    fn a_flat_picture_moved_and_tilted_shows_none() {
        let photo = seen(&HEAD, 0.0, 0.0, 8.0);
        for h in [
            [[1.0, 0.0, 40.0], [0.0, 1.0, -25.0], [0.0, 0.0, 1.0]],
            [[0.8, -0.2, 30.0], [0.25, 0.9, 0.0], [0.0, 0.0, 1.0]],
            [[1.0, 0.05, 0.0], [0.0, 1.0, 0.0], [0.0012, 0.0003, 1.0]],
            [[0.7, 0.0, 90.0], [0.0, 1.0, 0.0], [-0.0009, 0.0, 1.0]],
        ] {
            let parallax = nose_parallax(&photo, &warped(&photo, h)).unwrap();
            assert!(parallax < 1e-3, "{h:?}: {parallax}");
        }
    }

    #[test]
    fn a_flat_picture_turned_in_front_of_the_camera_shows_none() {
        let flat = HEAD.map(|(x, y, _)| (x, y, 0.0));
        let frontal = seen(&flat, 0.0, 0.0, 8.0);
        for (yaw, pitch) in [(0.6, 0.0), (-0.6, 0.2), (0.0, 0.5)] {
            let parallax = nose_parallax(&frontal, &seen(&flat, yaw, pitch, 8.0)).unwrap();
            assert!(parallax < 1e-3, "{yaw} {pitch}: {parallax}");
        }
    }

    #[test]
    fn a_gently_bent_picture_shows_less_than_a_head() {
        // A print bowed around a vertical axis so that its edges, one eye distance from the
        // nose, lie a third of an eye distance further back: the nose stands out a little.
        let bent = HEAD.map(|(x, y, _)| (x, y, -x * x / 3.0));
        let frontal = seen(&bent, 0.0, 0.0, 8.0);
        let head = nose_parallax(&seen(&HEAD, 0.0, 0.0, 8.0), &seen(&HEAD, 0.35, 0.0, 8.0));
        let print = nose_parallax(&frontal, &seen(&bent, 0.35, 0.0, 8.0));
        assert!(print.unwrap() < 0.05, "{print:?} against a head's {head:?}");
        assert!(head.unwrap() > 0.11, "{head:?}");
    }

    #[test]
    fn landmarks_on_a_line_have_no_homography() {
        let line = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0), (4.0, 0.0)];
        assert_eq!(nose_parallax(&line, &line), None);
    }
}
