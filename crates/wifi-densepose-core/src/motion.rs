//! The motion level: one type for the signal crate's motion/presence stage and the server's
//! `classification.motion_level` (docs/wire.md §3.3), serialised by name.

use serde::Serialize;

/// Motion level, ordered from no one present to vigorous motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MotionLevel {
    #[default]
    Absent,
    PresentStill,
    PresentMoving,
    Active,
}

impl MotionLevel {
    pub const ALL: [MotionLevel; 4] = [
        MotionLevel::Absent,
        MotionLevel::PresentStill,
        MotionLevel::PresentMoving,
        MotionLevel::Active,
    ];

    /// "absent", "present_still", "present_moving" or "active".
    pub fn as_str(self) -> &'static str {
        match self {
            MotionLevel::Absent => "absent",
            MotionLevel::PresentStill => "present_still",
            MotionLevel::PresentMoving => "present_moving",
            MotionLevel::Active => "active",
        }
    }

    /// 0 (absent) … 3 (active), the position in [`MotionLevel::ALL`].
    pub fn code(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_json_agree() {
        for (i, level) in MotionLevel::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(level.code()), i);
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{}\"", level.as_str()));
        }
        assert_eq!(MotionLevel::PresentMoving.as_str(), "present_moving");
    }
}
