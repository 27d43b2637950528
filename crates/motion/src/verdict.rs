use serde::Serialize;

use crate::{Challenge, Landmarks, Move, Pose, nose_parallax};

/// What the face engine found in one frame sampled from the recording.
#[derive(Clone, Copy, Debug)]
pub struct Observation {
    /// Seconds from the recording's start.
    pub at: f32,
    /// How many faces the detector found.
    pub faces: usize,
    /// The face, where there is exactly one.
    pub face: Option<FaceSeen>,
}

#[derive(Clone, Copy, Debug)]
pub struct FaceSeen {
    pub landmarks: Landmarks,
    /// Cosine similarity of its embedding to the selfie's.
    pub similarity: f32,
    /// The passive liveness model's score for it (0 to 1).
    pub liveness: f32,
}

/// What the verdict requires. The geometric ones are in eye distances ([`Pose`]).
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// The registration threshold: every frame's face is the selfie's person at least this much.
    pub similarity: f32,
    /// The passive liveness threshold, against the mean over the frames.
    pub liveness: f32,
    /// A turn: the nose moves this far along the eye line from where it started.
    pub turn: f32,
    /// Looking up: the nose rises this share of the eyes-to-mouth distance.
    pub look_up: f32,
    /// Coming closer: the face grows by this factor.
    pub closer: f32,
    /// 3-D motion: the nose's parallax in the frames where the head turned.
    pub parallax: f32,
    /// Frames that must hold exactly one face (none may hold more).
    pub one_face_share: f32,
}

impl Thresholds {
    /// The geometric thresholds: a turn of about 15°, a look up of about 10°, a fifth closer
    /// (on the `parallax` tests' synthetic head), and a parallax between what the face
    /// detector's landmarks make of a print and of a head (`tests/real_faces.rs`): a print of
    /// `fr_biden.jpg` moved, turned and tilted reaches 0.09, the real clip's turned frames 0.13
    /// to 0.37 (median 0.26). The synthetic head shows 0.09 at 15° and 0.13 at 20°.
    pub fn new(similarity: f32, liveness: f32) -> Self {
        Self {
            similarity,
            liveness,
            turn: 0.1,
            look_up: 0.06,
            closer: 1.2,
            parallax: 0.11,
            one_face_share: 0.9,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::Display)]
pub enum CheckName {
    /// Exactly one face in the frames used.
    OneFace,
    /// The selfie's person in every frame.
    SamePerson,
    /// The challenge's moves, in order, before its deadline.
    MovesFollowed,
    /// Motion no flat picture makes.
    Depth,
    /// Passive liveness over the frames.
    PassiveLiveness,
}

/// One check of the verdict with its score: a share of frames, a similarity, a count of moves,
/// a parallax or a liveness score, by check.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Check {
    pub name: CheckName,
    pub passed: bool,
    pub score: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub checks: Vec<Check>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }
}

/// How many frames from the start set the pose the moves are measured from.
const START_FRAMES: usize = 3;

/// The verdict on `frames` (in time order) as the answer to `challenge`.
pub fn verdict(challenge: &Challenge, frames: &[Observation], thresholds: &Thresholds) -> Verdict {
    let faces: Vec<(f32, FaceSeen)> = frames
        .iter()
        .filter_map(|frame| frame.face.map(|face| (frame.at, face)))
        .collect();
    let one_face_share =
        frames.iter().filter(|frame| frame.faces == 1).count() as f32 / frames.len().max(1) as f32;
    let crowded = frames.iter().any(|frame| frame.faces > 1);
    let least_similar = faces
        .iter()
        .map(|(_, face)| face.similarity)
        .reduce(f32::min)
        .unwrap_or(0.0);
    let liveness =
        faces.iter().map(|(_, face)| face.liveness).sum::<f32>() / faces.len().max(1) as f32;
    let (seen, parallax) = moves_seen(challenge, &faces, thresholds);
    let check = |name, passed, score| Check {
        name,
        passed,
        score,
    };
    Verdict {
        checks: vec![
            check(
                CheckName::OneFace,
                !crowded && !faces.is_empty() && one_face_share >= thresholds.one_face_share,
                one_face_share,
            ),
            check(
                CheckName::SamePerson,
                !faces.is_empty() && least_similar >= thresholds.similarity,
                least_similar,
            ),
            check(
                CheckName::MovesFollowed,
                seen == challenge.moves.len(),
                seen as f32,
            ),
            check(CheckName::Depth, parallax >= thresholds.parallax, parallax),
            check(
                CheckName::PassiveLiveness,
                !faces.is_empty() && liveness >= thresholds.liveness,
                liveness,
            ),
        ],
    }
}

/// How many of the challenge's moves the faces make in order before the deadline, and the
/// largest nose parallax, against the starting frame, of the frames where a turning move
/// peaked.
fn moves_seen(
    challenge: &Challenge,
    faces: &[(f32, FaceSeen)],
    thresholds: &Thresholds,
) -> (usize, f32) {
    let poses: Vec<Pose> = faces
        .iter()
        .map(|(_, face)| Pose::of(&face.landmarks))
        .collect();
    let start_count = poses.len().min(START_FRAMES);
    if start_count == 0 {
        return (0, 0.0);
    }
    let median = |value: fn(&Pose) -> f32| {
        let mut values: Vec<f32> = poses[..start_count].iter().map(value).collect();
        values.sort_by(f32::total_cmp);
        values[start_count / 2]
    };
    let start = Pose {
        yaw: median(|pose| pose.yaw),
        pitch: median(|pose| pose.pitch),
        size: median(|pose| pose.size),
    };
    // The starting frame the parallax is measured from: the most frontal of the first ones.
    let reference = (0..start_count)
        .min_by(|&a, &b| poses[a].yaw.abs().total_cmp(&poses[b].yaw.abs()))
        .map_or(faces[0].1.landmarks, |index| faces[index].1.landmarks);
    // How far each move has gone at a pose, in units of its threshold: 1 or more is made.
    let progress = |one: Move, pose: &Pose| match one {
        Move::TurnLeft => (pose.yaw - start.yaw) / thresholds.turn,
        Move::TurnRight => (start.yaw - pose.yaw) / thresholds.turn,
        Move::LookUp => (start.pitch - pose.pitch) / thresholds.look_up,
        Move::ComeCloser => (pose.size / start.size - 1.0) / (thresholds.closer - 1.0),
    };
    let deadline = challenge.deadline.as_secs_f32();
    let (mut seen, mut parallax, mut from) = (0, 0f32, 0);
    for &one in &challenge.moves {
        let Some(made) = (from..poses.len())
            .find(|&index| faces[index].0 <= deadline && progress(one, &poses[index]) >= 1.0)
        else {
            break;
        };
        // The move peaks where it goes furthest before the head comes back.
        let peak = (made..poses.len())
            .take_while(|&index| progress(one, &poses[index]) >= 1.0)
            .max_by(|&a, &b| progress(one, &poses[a]).total_cmp(&progress(one, &poses[b])))
            .unwrap_or(made);
        if one.turns() {
            let depth = nose_parallax(&reference, &faces[peak].1.landmarks).unwrap_or(0.0);
            parallax = parallax.max(depth);
        }
        seen += 1;
        from = peak + 1;
    }
    (seen, parallax)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::parallax::tests::{HEAD, seen, warped};

    const FRAMES_PER_SECOND: f32 = 10.0;

    fn challenge(moves: &[Move]) -> Challenge {
        Challenge {
            moves: moves.to_vec(),
            nonce: "test".into(),
            deadline: Duration::from_secs(3 * moves.len() as u64),
        }
    }

    fn judge(moves: &[Move], frames: &[Observation]) -> Verdict {
        verdict(&challenge(moves), frames, &Thresholds::new(0.5, 0.5))
    }

    /// `frames` with each face changed by `change`.
    fn altered(mut frames: Vec<Observation>, change: impl Fn(&mut FaceSeen)) -> Vec<Observation> {
        for face in frames.iter_mut().filter_map(|frame| frame.face.as_mut()) {
            change(face);
        }
        frames
    }

    /// Frames of one person, a face in each, at ten a second.
    fn filmed(track: impl IntoIterator<Item = Landmarks>) -> Vec<Observation> {
        track
            .into_iter()
            .enumerate()
            .map(|(index, landmarks)| Observation {
                at: index as f32 / FRAMES_PER_SECOND,
                faces: 1,
                face: Some(FaceSeen {
                    landmarks,
                    similarity: 0.8,
                    liveness: 0.9,
                }),
            })
            .collect()
    }

    /// A head going from its start pose to `(yaw, pitch, distance)` and back, in ten frames.
    fn there_and_back(yaw: f32, pitch: f32, distance: f32) -> Vec<(f32, f32, f32)> {
        (0..=10)
            .map(|step| {
                let share = 1.0 - (step as f32 / 5.0 - 1.0).abs();
                (yaw * share, pitch * share, 8.0 + (distance - 8.0) * share)
            })
            .collect()
    }

    fn still(frames: usize) -> Vec<(f32, f32, f32)> {
        vec![(0.0, 0.0, 8.0); frames]
    }

    fn head_doing(moves: &[(f32, f32, f32)]) -> Vec<Landmarks> {
        let mut poses = still(3);
        for &(yaw, pitch, distance) in moves {
            poses.extend(there_and_back(yaw, pitch, distance));
        }
        poses
            .into_iter()
            .map(|(yaw, pitch, distance)| seen(&HEAD, yaw, pitch, distance))
            .collect()
    }

    fn failed(verdict: &Verdict) -> Vec<CheckName> {
        verdict
            .checks
            .iter()
            .filter(|check| !check.passed)
            .map(|check| check.name)
            .collect()
    }

    const LEFT: (f32, f32, f32) = (0.35, 0.0, 8.0);
    const RIGHT: (f32, f32, f32) = (-0.35, 0.0, 8.0);
    const UP: (f32, f32, f32) = (0.0, 0.35, 8.0);
    const CLOSER: (f32, f32, f32) = (0.0, 0.0, 6.0);

    #[test]
    fn a_head_making_the_moves_passes_every_check() {
        for (moves, track) in [
            (vec![Move::TurnLeft, Move::LookUp], vec![LEFT, UP]),
            (
                vec![Move::TurnRight, Move::ComeCloser, Move::TurnLeft],
                vec![RIGHT, CLOSER, LEFT],
            ),
            (vec![Move::ComeCloser, Move::LookUp], vec![CLOSER, UP]),
        ] {
            let judged = judge(&moves, &filmed(head_doing(&track)));
            assert!(judged.passed(), "{moves:?}: {judged:?}");
        }
    }

    #[test]
    fn moves_out_of_order_or_late_are_not_followed() {
        let frames = filmed(head_doing(&[UP, LEFT]));
        let swapped = judge(&[Move::TurnLeft, Move::LookUp], &frames);
        assert_eq!(failed(&swapped), [CheckName::MovesFollowed]);
        let mut slow = frames.clone();
        for frame in &mut slow {
            frame.at *= 5.0;
        }
        let late = judge(&[Move::LookUp, Move::TurnLeft], &slow);
        assert_eq!(failed(&late), [CheckName::MovesFollowed]);
    }

    #[test]
    fn a_frozen_frame_makes_no_move_and_no_depth() {
        let frames = filmed(vec![seen(&HEAD, 0.0, 0.0, 8.0); 30]);
        let judged = judge(&[Move::TurnLeft, Move::LookUp], &frames);
        assert_eq!(
            failed(&judged),
            [CheckName::MovesFollowed, CheckName::Depth]
        );
    }

    #[test]
    fn a_photo_moved_tilted_and_turned_shows_no_depth() {
        // A print of a face: its landmarks on one plane, held in front of the camera.
        let print = HEAD.map(|(x, y, _)| (x, y, 0.0));
        let facing = seen(&print, 0.0, 0.0, 8.0);
        let mut track = vec![facing; 3];
        // Brought closer and slid across, then turned and tilted like a head, then held still.
        for step in 0..=10 {
            let share = 1.0 - (step as f32 / 5.0 - 1.0).abs();
            let (scale, shift) = (1.0 + 0.4 * share, -120.0 * share);
            track.push(warped(
                &facing,
                [[scale, 0.0, shift], [0.0, scale, shift], [0.0, 0.0, 1.0]],
            ));
        }
        for (yaw, pitch) in [(0.7, 0.0), (-0.7, 0.0), (0.0, 0.6), (0.5, 0.5)] {
            track.extend(
                there_and_back(yaw, pitch, 7.0)
                    .into_iter()
                    .map(|(yaw, pitch, distance)| seen(&print, yaw, pitch, distance)),
            );
        }
        track.extend(vec![facing; 10]);
        for moves in [
            [Move::TurnLeft, Move::LookUp],
            [Move::ComeCloser, Move::TurnRight],
        ] {
            let judged = judge(&moves, &filmed(track.clone()));
            assert!(
                failed(&judged).contains(&CheckName::Depth),
                "{moves:?}: {judged:?}"
            );
        }
    }

    #[test]
    fn another_persons_frames_or_a_second_face_fail_their_checks() {
        let moves = [Move::TurnLeft, Move::ComeCloser];
        let mut spliced = filmed(head_doing(&[LEFT, CLOSER]));
        let another = altered(spliced.split_off(12), |face| face.similarity = 0.2);
        spliced.extend(another);
        let judged = judge(&moves, &spliced);
        assert_eq!(failed(&judged), [CheckName::SamePerson]);
        let mut crowded = filmed(head_doing(&[LEFT, CLOSER]));
        crowded[7].faces = 2;
        crowded[7].face = None;
        let judged = judge(&moves, &crowded);
        assert_eq!(failed(&judged), [CheckName::OneFace]);
    }

    #[test]
    fn low_passive_liveness_over_the_frames_fails() {
        let frames = altered(filmed(head_doing(&[LEFT, UP])), |face| face.liveness = 0.3);
        let judged = judge(&[Move::TurnLeft, Move::LookUp], &frames);
        assert_eq!(failed(&judged), [CheckName::PassiveLiveness]);
    }

    #[test]
    fn no_frames_fail_every_check_without_panicking() {
        let judged = judge(&[Move::TurnLeft, Move::LookUp], &[]);
        assert_eq!(failed(&judged).len(), 5, "{judged:?}");
    }
}
