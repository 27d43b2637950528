use std::time::Duration;

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use serde::Serialize;

/// One head move the page asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::Display, strum::EnumString)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum Move {
    /// The head turns to the person's own left.
    TurnLeft,
    /// The head turns to the person's own right.
    TurnRight,
    LookUp,
    ComeCloser,
}

impl Move {
    /// Moves that turn the head, so that the nose's parallax shows a solid head.
    pub(crate) fn turns(self) -> bool {
        self != Self::ComeCloser
    }
}

/// What the page asks one person to do: the moves in order, within `deadline` of the recording's
/// start. The nonce binds the recording to this challenge; a challenge is answered once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Challenge {
    pub moves: Vec<Move>,
    pub nonce: String,
    #[serde(serialize_with = "seconds")]
    pub deadline: Duration,
}

/// Seconds a challenge gives for each move it asks for.
const SECONDS_PER_MOVE: u64 = 3;

impl Challenge {
    /// Two or three different moves in a random order, at least one of them a turn of the head
    /// (coming closer alone shows no parallax), and a 128-bit nonce.
    pub fn random(rng: &mut impl Rng) -> Self {
        const ALL: [Move; 4] = [
            Move::TurnLeft,
            Move::TurnRight,
            Move::LookUp,
            Move::ComeCloser,
        ];
        let count = rng.random_range(2..=3);
        let mut moves: Vec<Move> = ALL.choose_multiple(rng, count).copied().collect();
        if !moves.iter().any(|one| one.turns()) {
            let turns: Vec<Move> = ALL.into_iter().filter(|one| one.turns()).collect();
            moves[0] = *turns.choose(rng).expect("three moves turn the head");
        }
        moves.shuffle(rng);
        let nonce: [u8; 16] = rng.random();
        Self {
            deadline: Duration::from_secs(SECONDS_PER_MOVE * moves.len() as u64),
            moves,
            nonce: nonce.iter().map(|byte| format!("{byte:02x}")).collect(),
        }
    }
}

fn seconds<S: serde::Serializer>(deadline: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(deadline.as_secs())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn challenges_ask_for_two_or_three_different_moves_with_a_turn() {
        let mut rng = StdRng::seed_from_u64(17);
        let mut nonces = std::collections::HashSet::new();
        for _ in 0..500 {
            let challenge = Challenge::random(&mut rng);
            let moves = &challenge.moves;
            assert!((2..=3).contains(&moves.len()), "{challenge:?}");
            assert!(moves.iter().any(|one| one.turns()), "{challenge:?}");
            for (index, one) in moves.iter().enumerate() {
                assert!(!moves[index + 1..].contains(one), "{challenge:?}");
            }
            assert_eq!(challenge.deadline.as_secs(), 3 * moves.len() as u64);
            assert_eq!(challenge.nonce.len(), 32);
            assert!(nonces.insert(challenge.nonce));
        }
    }

    #[test]
    fn moves_are_named_as_the_page_shows_them() {
        assert_eq!(Move::TurnLeft.to_string(), "turnLeft");
        assert_eq!("comeCloser".parse::<Move>().unwrap(), Move::ComeCloser);
    }
}
