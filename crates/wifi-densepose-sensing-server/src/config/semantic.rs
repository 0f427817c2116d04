//! The semantic primitives' flags (docs/wire.md §6, §7.10): which primitives are switched
//! off and the zones file. They shape what the sensing layer computes for the WebSocket,
//! REST and MQTT alike, so they apply with or without `--mqtt`.

use std::path::{Path, PathBuf};

use clap::Args;
use wifi_densepose_ha::config::parse_disabled_primitives;
use wifi_densepose_ha::{Entity, Zones};

#[derive(Debug, Clone, Args)]
pub struct SemanticArgs {
    /// Disable one semantic primitive (repeatable): sleeping, distress, room_active,
    /// elderly_anomaly, meeting, bathroom, fall_risk, bed_exit, no_movement, multi_room.
    #[arg(long = "no-semantic", value_name = "PRIMITIVE")]
    pub no_semantic: Vec<String>,
    /// TOML file mapping nodes to rooms and tags; enables the zone primitives.
    #[arg(long, value_name = "FILE")]
    pub zones: Option<PathBuf>,
}

/// The validated semantic flags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SemanticSettings {
    /// Primitives switched off with `--no-semantic`.
    pub disabled: Vec<Entity>,
    /// `--zones`, read at startup ([`load_zones`]).
    pub zones_file: Option<PathBuf>,
}

impl SemanticArgs {
    /// A message for a usage error (an unknown primitive name).
    pub fn into_settings(self) -> Result<SemanticSettings, String> {
        Ok(SemanticSettings {
            disabled: parse_disabled_primitives(&self.no_semantic).map_err(|e| e.to_string())?,
            zones_file: self.zones,
        })
    }
}

/// Why the zones file cannot be used (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("zones file {path}: {message}")]
pub struct ZonesError {
    pub path: PathBuf,
    pub message: String,
}

/// Reads and checks the zones file.
pub fn load_zones(path: &Path) -> Result<Zones, ZonesError> {
    let zones_error = |message: String| ZonesError {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| zones_error(e.to_string()))?;
    Zones::parse(&text).map_err(|e| zones_error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Args {
        #[command(flatten)]
        semantic: SemanticArgs,
    }

    fn settings(args: &[&str]) -> Result<SemanticSettings, String> {
        let argv = std::iter::once("wifi-densepose-sensing-server").chain(args.iter().copied());
        let args = Args::try_parse_from(argv).map_err(|e| e.to_string())?;
        args.semantic.into_settings()
    }

    #[test]
    fn names_and_zones_reach_the_settings() {
        assert_eq!(settings(&[]).unwrap(), SemanticSettings::default());
        let s = settings(&[
            "--no-semantic",
            "sleeping",
            "--no-semantic",
            "bed_exit",
            "--zones",
            "zones.toml",
        ])
        .unwrap();
        assert_eq!(s.disabled, [Entity::SomeoneSleeping, Entity::BedExit]);
        assert_eq!(s.zones_file.as_deref(), Some(Path::new("zones.toml")));
        assert!(settings(&["--no-semantic", "nap"]).is_err());
    }

    #[test]
    fn a_zones_file_without_nodes_is_refused_with_its_path() {
        let dir = std::env::temp_dir().join(format!("wdp-zones-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("zones.toml");
        std::fs::write(&path, "[rooms.a]\nnodes = []\n").unwrap();
        let error = load_zones(&path).unwrap_err().to_string();
        assert!(error.starts_with(&format!("zones file {}: ", path.display())));
        assert!(error.contains("lists no nodes"), "{error}");
        std::fs::write(&path, "[rooms.a]\nnodes = [3]\n").unwrap();
        assert_eq!(load_zones(&path).unwrap().room_of(3).unwrap().name, "a");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
