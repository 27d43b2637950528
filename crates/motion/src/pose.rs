use crate::Landmarks;

/// Where a face points and how large it is, from its five landmarks, in units of the distance
/// between the eyes so that faces far and near compare. A pose means most against the same
/// person's pose at the start of a video: faces differ in how far the nose sits below the eyes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    /// How far the nose tip sits from the middle of the face along the eye line, towards the
    /// person's left eye: positive when the head turns to the person's left, whichever way the
    /// picture is mirrored.
    pub yaw: f32,
    /// How far down the nose tip sits from the eye line towards the mouth, as a share of the
    /// eyes-to-mouth distance: smaller when the head looks up, since the nose stands in front of
    /// the face.
    pub pitch: f32,
    /// The distance between the eyes in pixels: larger when the face comes closer.
    pub size: f32,
}

impl Pose {
    pub fn of(landmarks: &Landmarks) -> Self {
        let [right_eye, left_eye, nose, right_mouth, left_mouth] = *landmarks;
        let middle = |a: (f32, f32), b: (f32, f32)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let eyes = middle(right_eye, left_eye);
        let mouth = middle(right_mouth, left_mouth);
        let across = (left_eye.0 - right_eye.0, left_eye.1 - right_eye.1);
        let size = across.0.hypot(across.1).max(f32::MIN_POSITIVE);
        let down = (mouth.0 - eyes.0, mouth.1 - eyes.1);
        let down_length = down.0.hypot(down.1).max(f32::MIN_POSITIVE);
        // The face's midline runs from between the eyes to between the mouth corners; the nose
        // is measured from its middle along the eye line, and from the eye line along it.
        let centre = middle(eyes, mouth);
        let from_centre = (nose.0 - centre.0, nose.1 - centre.1);
        let from_eyes = (nose.0 - eyes.0, nose.1 - eyes.1);
        Self {
            yaw: (from_centre.0 * across.0 + from_centre.1 * across.1) / (size * size),
            pitch: (from_eyes.0 * down.0 + from_eyes.1 * down.1) / (down_length * down_length),
            size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallax::tests::{HEAD, seen};

    #[test]
    fn a_frontal_face_has_no_yaw_and_a_turn_has_its_sign() {
        let frontal = Pose::of(&seen(&HEAD, 0.0, 0.0, 8.0));
        assert!(frontal.yaw.abs() < 0.01, "{frontal:?}");
        let to_the_left = Pose::of(&seen(&HEAD, 0.4, 0.0, 8.0));
        assert!(to_the_left.yaw > 0.1, "{to_the_left:?}");
        let to_the_right = Pose::of(&seen(&HEAD, -0.4, 0.0, 8.0));
        assert!(to_the_right.yaw < -0.1, "{to_the_right:?}");
    }

    #[test]
    fn looking_up_raises_the_nose_and_coming_closer_grows_the_face() {
        let frontal = Pose::of(&seen(&HEAD, 0.0, 0.0, 8.0));
        let up = Pose::of(&seen(&HEAD, 0.0, 0.35, 8.0));
        assert!(frontal.pitch - up.pitch > 0.08, "{frontal:?} {up:?}");
        let closer = Pose::of(&seen(&HEAD, 0.0, 0.0, 6.0));
        assert!(closer.size / frontal.size > 1.25, "{frontal:?} {closer:?}");
    }
}
