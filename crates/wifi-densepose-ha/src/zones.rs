//! The zones file (`--zones zones.toml`): which room each node is in, and room tags.
//!
//! ```toml
//! utc_offset_minutes = 60        # local time for bed_exit's night window; default 0
//!
//! [rooms.bathroom]
//! nodes = [2]
//! tags = ["bathroom"]
//!
//! [rooms.bedroom]
//! nodes = [1]
//! tags = ["bed"]
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{HaError, HaResult};

/// Tag of rooms that feed `bathroom_occupied`.
pub const TAG_BATHROOM: &str = "bathroom";
/// Tag of rooms that feed `bed_exit`.
pub const TAG_BED: &str = "bed";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZonesFile {
    #[serde(default)]
    utc_offset_minutes: i32,
    rooms: BTreeMap<String, RoomFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoomFile {
    nodes: Vec<u8>,
    #[serde(default)]
    tags: Vec<String>,
}

/// One room: its nodes and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub name: String,
    pub nodes: Vec<u8>,
    pub tags: Vec<String>,
}

impl Room {
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// A validated zones file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zones {
    rooms: Vec<Room>,
    utc_offset_minutes: i32,
}

impl Zones {
    /// Parses and validates the TOML text of a zones file.
    pub fn parse(text: &str) -> HaResult<Self> {
        let file: ZonesFile = toml::from_str(text).map_err(|e| HaError::ZonesSyntax {
            message: e.to_string(),
        })?;
        if !(-720..=840).contains(&file.utc_offset_minutes) {
            return Err(HaError::ZonesSyntax {
                message: format!(
                    "utc_offset_minutes must be in -720..=840, got {}",
                    file.utc_offset_minutes
                ),
            });
        }
        let mut rooms: Vec<Room> = Vec::with_capacity(file.rooms.len());
        for (name, room) in file.rooms {
            let invalid = |message: String| HaError::InvalidZone {
                room: name.clone(),
                message,
            };
            if room.nodes.is_empty() {
                return Err(invalid("lists no nodes".into()));
            }
            if room.tags.iter().any(|t| t.trim().is_empty()) {
                return Err(invalid("has an empty tag".into()));
            }
            for &node in &room.nodes {
                if let Some(other) = rooms.iter().find(|r| r.nodes.contains(&node)) {
                    return Err(invalid(format!(
                        "node {node} is already in room {:?}",
                        other.name
                    )));
                }
            }
            rooms.push(Room {
                name,
                nodes: room.nodes,
                tags: room.tags,
            });
        }
        Ok(Zones {
            rooms,
            utc_offset_minutes: file.utc_offset_minutes,
        })
    }

    /// The room node `node_id` is in.
    pub fn room_of(&self, node_id: u8) -> Option<&Room> {
        self.rooms.iter().find(|r| r.nodes.contains(&node_id))
    }

    pub fn rooms(&self) -> &[Room] {
        &self.rooms
    }

    pub fn utc_offset_minutes(&self) -> i32 {
        self.utc_offset_minutes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
utc_offset_minutes = 60

[rooms.bathroom]
nodes = [2]
tags = ["bathroom"]

[rooms.bedroom]
nodes = [1, 3]
tags = ["bed"]

[rooms.office]
nodes = [4]
"#;

    #[test]
    fn parses_rooms_and_tags() {
        let z = Zones::parse(EXAMPLE).unwrap();
        assert_eq!(z.utc_offset_minutes(), 60);
        assert_eq!(z.rooms().len(), 3);
        assert_eq!(z.room_of(3).unwrap().name, "bedroom");
        assert!(z.room_of(3).unwrap().has_tag(TAG_BED));
        assert!(z.room_of(2).unwrap().has_tag(TAG_BATHROOM));
        assert!(z.room_of(4).unwrap().tags.is_empty());
        assert_eq!(z.room_of(9), None);
    }

    #[test]
    fn rejects_bad_files_with_the_room() {
        let twice = "[rooms.a]\nnodes = [1]\n[rooms.b]\nnodes = [1]\n";
        let e = Zones::parse(twice).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zones file: room \"b\": node 1 is already in room \"a\""
        );
        let empty = "[rooms.a]\nnodes = []\n";
        assert!(Zones::parse(empty)
            .unwrap_err()
            .to_string()
            .contains("lists no nodes"));
        let bad_node = "[rooms.a]\nnodes = [256]\n";
        assert_eq!(Zones::parse(bad_node).unwrap_err().code(), "ZonesSyntax");
        let unknown = "[rooms.a]\nnodes = [1]\nfloor = 2\n";
        assert!(Zones::parse(unknown)
            .unwrap_err()
            .to_string()
            .contains("floor"));
        let offset = "utc_offset_minutes = 900\n[rooms.a]\nnodes = [1]\n";
        assert!(Zones::parse(offset)
            .unwrap_err()
            .to_string()
            .contains("900"));
        assert!(Zones::parse("rooms = 3").is_err());
    }

    use wifi_densepose_core::ErrorInfo;
}
