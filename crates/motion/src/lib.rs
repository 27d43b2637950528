//! Motion-control liveness (issue 17). The hosted page asks for a [`Challenge`]: two or three
//! head moves in order, within a deadline. The server samples the video the page recorded, runs
//! the face engine on each sampled frame and hands the results here as [`Observation`]s; the
//! [`verdict`] says whether a living head made the moves: one face in every frame, the same person
//! as the selfie, the moves in order and in time, 3-D motion that no flat picture can make, and
//! passive liveness over the frames. Each check comes with its score, for the attempt's
//! `validations`.
//!
//! Landmarks are the face detector's five, in its order: the person's right eye, left eye, nose
//! tip, right and left mouth corners, in image pixels.

mod challenge;
mod parallax;
mod pose;
mod verdict;

pub use challenge::{Challenge, Move};
pub use parallax::nose_parallax;
pub use pose::Pose;
pub use verdict::{Check, CheckName, FaceSeen, Observation, Thresholds, Verdict, verdict};

/// A point in image pixels.
pub type Point = (f32, f32);

/// The five landmarks of one face.
pub type Landmarks = [Point; 5];
