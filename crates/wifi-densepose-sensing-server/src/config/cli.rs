//! Command line (docs/wire.md §6) and the validated configuration built from it.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::error::ErrorKind as ClapErrorKind;
use clap::{ArgAction, CommandFactory, Parser};
use ipnet::IpNet;

use crate::config::parse::{
    parse_bool, parse_ip_or_cidr, parse_node_positions, parse_positive_rate, parse_source,
    parse_speed,
};
use crate::sensing::mode::{NodePositions, SourceMode};
use crate::sensing::room::RoomOccupancy;

/// `wifi-densepose-sensing-server`: ESP32 CSI in; WebSocket and REST out.
#[derive(Debug, Parser)]
#[command(name = "wifi-densepose-sensing-server", version, about)]
pub struct Args {
    /// HTTP listener: REST, /ws/sensing and /api/v1/stream/pose.
    #[arg(long, default_value_t = 8080)]
    pub http_port: u16,
    /// Second listener with /ws/sensing and /health only.
    #[arg(long, default_value_t = 8765)]
    pub ws_port: u16,
    /// UDP port for ESP32 datagrams.
    #[arg(long, default_value_t = 5005)]
    pub udp_port: u16,
    /// Address of both TCP listeners.
    #[arg(long, env = "SENSING_BIND_ADDR", default_value = "127.0.0.1")]
    pub bind_addr: IpAddr,
    /// Address of the UDP socket.
    #[arg(long, env = "RUVIEW_UDP_BIND", default_value = "127.0.0.1")]
    pub udp_bind: IpAddr,
    /// Source allowlist (IP or CIDR); repeatable or comma-separated.
    #[arg(long, env = "RUVIEW_UDP_ALLOW", value_delimiter = ',', value_parser = parse_ip_or_cidr)]
    pub udp_allow: Vec<IpNet>,
    /// Accept a routable UDP bind without an allowlist.
    #[arg(long, env = "RUVIEW_UDP_INSECURE_LAN", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub udp_insecure_lan: bool,
    /// Simulator period and re-broadcast period, milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub tick_ms: u64,
    /// auto | esp32 | simulate (alias simulated).
    #[arg(long, value_parser = parse_source)]
    pub source: Option<SourceMode>,
    /// Synthetic node whose CSI carries breathing and heartbeat, plus edge_vitals at 1 Hz.
    #[arg(long, env = "RUVIEW_MOCK_FRAMES", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub mock_frames: bool,
    /// Breathing rate the mock node's CSI carries, BPM.
    #[arg(long, default_value_t = 15.0, value_parser = parse_positive_rate)]
    pub mock_breathing_bpm: f64,
    /// Heart rate the mock node's CSI carries, BPM.
    #[arg(long, default_value_t = 72.0, value_parser = parse_positive_rate)]
    pub mock_heart_bpm: f64,
    /// Time acceleration of the mock node: frames are emitted this many times faster than
    /// their CSI sample clock, so the vitals pipeline fills its history sooner.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub mock_speed: f64,
    /// Frame rate of the simulated/mock node's CSI sample clock, Hz (ESP32 nodes' rates are
    /// measured from their frames' arrival times).
    #[arg(long, default_value_t = 20.0, value_parser = parse_positive_rate)]
    pub mock_rate_hz: f64,
    /// Simulated room instead of the single mock node (with --mock-frames): four wall nodes,
    /// six links as nodes 1-6, this many people (0-2) sitting still and breathing.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub mock_people: Option<u8>,
    /// Seed of the simulated room's walls and furniture (with --mock-people).
    #[arg(long, default_value_t = 0)]
    pub mock_room_seed: u64,
    /// Empty-room field model (`wdp calibrate ... --out room.json`): presence and person count
    /// come from it; without it the person count is reported as not valid.
    #[arg(long, env = "RUVIEW_CALIBRATION")]
    pub calibration: Option<PathBuf>,
    /// Record an empty-room calibration live: every node's frames for --calibration-seconds,
    /// then write the field model here and count with it. Nobody may be in the room meanwhile.
    #[arg(long)]
    pub record_calibration: Option<PathBuf>,
    /// Length of a --record-calibration recording, seconds of capture time.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u16).range(5..=300))]
    pub calibration_seconds: u16,
    /// Feed a .csi.jsonl recording through the UDP ingest path.
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Replay speed factor (only with --replay).
    #[arg(long, value_parser = parse_speed)]
    pub speed: Option<f64>,
    /// Additional allowed Host header values; repeatable or comma-separated.
    #[arg(long, env = "SENSING_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_host: Vec<String>,
    /// Turn the Host-header guard off.
    #[arg(long)]
    pub disable_host_validation: bool,
    /// Allow a routable HTTP bind without RUVIEW_API_TOKEN.
    #[arg(long, env = "RUVIEW_ALLOW_UNAUTHENTICATED", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub allow_unauthenticated: bool,
    /// Node positions in metres: "ID:X,Y,Z;…".
    #[arg(long, env = "SENSING_NODE_POSITIONS", value_parser = parse_node_positions)]
    pub node_positions: Option<NodePositions>,
    /// Withhold biometric keys and non-sensing messages on the WebSocket, REST and MQTT.
    #[arg(long, env = "RUVIEW_PRIVACY_MODE", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub privacy_mode: bool,
    /// Print every outgoing message as one JSON line on stdout.
    #[arg(long)]
    pub print_frames: bool,
    /// Directory for runtime files, including the persisted MQTT client id.
    #[arg(long, env = "RUVIEW_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub semantic: crate::config::semantic::SemanticArgs,
    #[cfg(feature = "mqtt")]
    #[command(flatten)]
    pub mqtt: crate::config::mqtt::MqttArgs,
}

/// The validated server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub http_port: u16,
    pub ws_port: u16,
    pub udp_port: u16,
    pub bind_addr: IpAddr,
    pub udp_bind: IpAddr,
    pub udp_allow: Vec<IpNet>,
    pub tick_ms: u64,
    pub mode: SourceMode,
    pub mock: MockSettings,
    pub replay: Option<(PathBuf, f64)>,
    /// `--mock-people` and `--mock-room-seed`: the simulated room replacing the mock node.
    pub mock_room: Option<(usize, u64)>,
    /// The loaded `--calibration` room.
    pub room: Option<RoomOccupancy>,
    /// `--record-calibration` and `--calibration-seconds`.
    pub record_calibration: Option<(PathBuf, f64)>,
    pub allowed_hosts: Vec<String>,
    pub host_validation: bool,
    pub node_positions: NodePositions,
    pub print_frames: bool,
    pub udp_insecure_lan: bool,
    pub allow_unauthenticated: bool,
    pub privacy_mode: bool,
    /// Bearer token (`RUVIEW_API_TOKEN`), `None` when unset or empty.
    pub api_token: Option<String>,
    /// Runtime files; only the MQTT publisher keeps one so far.
    #[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
    pub data_dir: PathBuf,
    /// `--no-semantic` and `--zones`.
    pub semantic: crate::config::semantic::SemanticSettings,
    /// `--mqtt` and its validated options.
    #[cfg(feature = "mqtt")]
    pub mqtt: Option<crate::config::mqtt::MqttSettings>,
}

/// Rates the mock node's CSI carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MockSettings {
    pub breathing_bpm: f64,
    pub heart_bpm: f64,
    /// Emission speed relative to the sample clock.
    pub speed: f64,
    /// Sample clock, Hz.
    pub rate_hz: f64,
}

/// Why the server refuses to start with an otherwise well-formed command line (exit code 1).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StartupError {
    #[error("UDP bind {0} is routable: give --udp-allow IP_OR_CIDR, or --udp-insecure-lan to accept datagrams from anyone")]
    InsecureUdpBind(IpAddr),
    #[error("HTTP bind {0} is routable and RUVIEW_API_TOKEN is not set: set a token, or pass --allow-unauthenticated")]
    UnauthenticatedHttpBind(IpAddr),
}

impl Args {
    /// Cross-flag checks clap cannot express; a failure is a usage error (exit code 2).
    pub fn into_config(self, api_token: Option<String>) -> Result<Config, clap::Error> {
        let usage = |message: &str| Args::command().error(ClapErrorKind::ArgumentConflict, message);
        if self.mock_frames && self.source.is_some() {
            return Err(usage("--mock-frames cannot be combined with --source"));
        }
        if self.replay.is_some() && (self.mock_frames || self.source == Some(SourceMode::Simulate))
        {
            return Err(usage(
                "--replay cannot be combined with --mock-frames or --source simulate",
            ));
        }
        if self.speed.is_some() && self.replay.is_none() {
            return Err(usage("--speed is only valid with --replay"));
        }
        let mode = if self.mock_frames {
            SourceMode::MockFrames
        } else if self.replay.is_some() {
            SourceMode::Replay
        } else {
            self.source.unwrap_or(SourceMode::Auto)
        };
        let replay = self.replay.map(|path| (path, self.speed.unwrap_or(1.0)));
        if self.mock_people.is_some() && !self.mock_frames {
            return Err(usage("--mock-people is only valid with --mock-frames"));
        }
        let mock_room = self
            .mock_people
            .map(|people| (usize::from(people), self.mock_room_seed));
        if self.calibration.is_some() && self.record_calibration.is_some() {
            return Err(usage(
                "--calibration and --record-calibration are exclusive",
            ));
        }
        let record_calibration = self
            .record_calibration
            .map(|path| (path, f64::from(self.calibration_seconds)));
        let room = match &self.calibration {
            Some(path) => Some(RoomOccupancy::load(path).map_err(|message| {
                Args::command().error(ClapErrorKind::ValueValidation, message)
            })?),
            None => None,
        };
        let semantic = self
            .semantic
            .into_settings()
            .map_err(|message| Args::command().error(ClapErrorKind::ValueValidation, message))?;
        #[cfg(feature = "mqtt")]
        let mqtt = self
            .mqtt
            .into_settings(self.privacy_mode, &semantic.disabled)
            .map_err(|message| Args::command().error(ClapErrorKind::ValueValidation, message))?;
        Ok(Config {
            http_port: self.http_port,
            ws_port: self.ws_port,
            udp_port: self.udp_port,
            bind_addr: self.bind_addr,
            udp_bind: self.udp_bind,
            udp_allow: self.udp_allow,
            tick_ms: self.tick_ms,
            mode,
            mock: MockSettings {
                breathing_bpm: self.mock_breathing_bpm,
                heart_bpm: self.mock_heart_bpm,
                speed: self.mock_speed,
                rate_hz: self.mock_rate_hz,
            },
            replay,
            mock_room,
            room,
            record_calibration,
            allowed_hosts: self.allowed_host,
            host_validation: !self.disable_host_validation,
            node_positions: self.node_positions.unwrap_or_default(),
            print_frames: self.print_frames,
            udp_insecure_lan: self.udp_insecure_lan,
            allow_unauthenticated: self.allow_unauthenticated,
            privacy_mode: self.privacy_mode,
            api_token: api_token.filter(|t| !t.is_empty()),
            data_dir: self.data_dir,
            semantic,
            #[cfg(feature = "mqtt")]
            mqtt,
        })
    }
}

impl Config {
    /// Refuses routable binds that would expose the server without protection (5.4, 5.5).
    pub fn check_exposure(&self) -> Result<(), StartupError> {
        if self.mode.binds_udp()
            && !self.udp_bind.is_loopback()
            && self.udp_allow.is_empty()
            && !self.udp_insecure_lan
        {
            return Err(StartupError::InsecureUdpBind(self.udp_bind));
        }
        if !self.bind_addr.is_loopback() && self.api_token.is_none() && !self.allow_unauthenticated
        {
            return Err(StartupError::UnauthenticatedHttpBind(self.bind_addr));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<Config, clap::Error> {
        let argv = std::iter::once("wifi-densepose-sensing-server").chain(args.iter().copied());
        Args::try_parse_from(argv)?.into_config(None)
    }

    #[test]
    fn defaults_follow_the_spec() {
        let c = config(&[]).unwrap();
        assert_eq!(
            (c.http_port, c.ws_port, c.udp_port, c.tick_ms),
            (8080, 8765, 5005, 100)
        );
        assert_eq!(c.bind_addr, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(c.udp_bind, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(c.mode, SourceMode::Auto);
        assert!(c.host_validation && c.api_token.is_none() && !c.privacy_mode);
        assert!(config(&["--privacy-mode"]).unwrap().privacy_mode);
        assert!(c.check_exposure().is_ok());
    }

    #[test]
    fn source_values_and_aliases() {
        assert_eq!(
            config(&["--source", "simulated"]).unwrap().mode,
            SourceMode::Simulate
        );
        assert_eq!(
            config(&["--source", "esp32"]).unwrap().mode,
            SourceMode::Esp32
        );
        assert_eq!(
            config(&["--mock-frames"]).unwrap().mode,
            SourceMode::MockFrames
        );
        let replay = config(&["--replay", "x.csi.jsonl", "--speed", "4"]).unwrap();
        assert_eq!(replay.mode, SourceMode::Replay);
        assert_eq!(replay.replay.map(|(_, speed)| speed), Some(4.0));
        for bad in [
            &["--source", "mock"][..],
            &["--mock-frames", "--source", "auto"],
            &["--replay", "x", "--mock-frames"],
            &["--replay", "x", "--source", "simulate"],
            &["--speed", "2"],
            &["--replay", "x", "--speed", "0"],
            &["--bind-addr", "localhost"],
        ] {
            let error = config(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn booleans_cidrs_and_positions() {
        for yes in ["1", "true", "YES", "on"] {
            assert_eq!(parse_bool(yes), Ok(true));
        }
        for no in ["0", "false", "No", "off", ""] {
            assert_eq!(parse_bool(no), Ok(false));
        }
        assert!(parse_bool("maybe").is_err());
        assert_eq!(
            parse_ip_or_cidr("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            parse_ip_or_cidr("192.168.1.9").unwrap().to_string(),
            "192.168.1.9/32"
        );
        assert!(parse_ip_or_cidr("nonsense").is_err());
        let positions = parse_node_positions("1.0,2.0,3.0; 7:0,0,1.5 ;4,5,6").unwrap();
        assert_eq!(positions.get(&1), Some(&[1.0, 2.0, 3.0]));
        assert_eq!(positions.get(&7), Some(&[0.0, 0.0, 1.5]));
        assert_eq!(positions.get(&3), Some(&[4.0, 5.0, 6.0]));
        assert!(parse_node_positions("1:1,2").is_err());
        assert!(parse_node_positions("x:1,2,3").is_err());
    }

    #[test]
    fn routable_binds_need_protection() {
        let udp = config(&["--udp-bind", "0.0.0.0"]).unwrap();
        assert_eq!(
            udp.check_exposure(),
            Err(StartupError::InsecureUdpBind("0.0.0.0".parse().unwrap()))
        );
        assert!(
            config(&["--udp-bind", "0.0.0.0", "--udp-allow", "192.168.1.0/24"])
                .unwrap()
                .check_exposure()
                .is_ok()
        );
        assert!(config(&["--udp-bind", "0.0.0.0", "--udp-insecure-lan"])
            .unwrap()
            .check_exposure()
            .is_ok());
        // simulate binds no UDP socket, so its UDP address does not matter.
        assert!(config(&["--udp-bind", "0.0.0.0", "--source", "simulate"])
            .unwrap()
            .check_exposure()
            .is_ok());
        let http = config(&["--bind-addr", "0.0.0.0"]).unwrap();
        assert!(matches!(
            http.check_exposure(),
            Err(StartupError::UnauthenticatedHttpBind(_))
        ));
        assert!(
            config(&["--bind-addr", "0.0.0.0", "--allow-unauthenticated"])
                .unwrap()
                .check_exposure()
                .is_ok()
        );
        let argv = ["wifi-densepose-sensing-server", "--bind-addr", "0.0.0.0"];
        let with_token = Args::try_parse_from(argv)
            .unwrap()
            .into_config(Some("t".into()))
            .unwrap();
        assert!(with_token.check_exposure().is_ok());
        let empty_token = Args::try_parse_from(argv)
            .unwrap()
            .into_config(Some(String::new()))
            .unwrap();
        assert!(empty_token.api_token.is_none());
    }
}
