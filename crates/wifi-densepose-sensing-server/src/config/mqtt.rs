//! The `--mqtt*` flags of docs/wire.md §7.1 and their validation.

use std::path::PathBuf;

use clap::{ArgAction, Args};
use wifi_densepose_ha::config::{DEFAULT_PASSWORD_ENV, DEFAULT_PREFIX};
use wifi_densepose_ha::{Entity, EntityRates, MqttConfig, TlsMode};

use crate::config::parse::parse_bool;

#[derive(Debug, Clone, Args)]
pub struct MqttArgs {
    /// Publish Home Assistant discovery and states over MQTT.
    #[arg(long, env = "RUVIEW_MQTT", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub mqtt: bool,
    /// Broker host.
    #[arg(long, env = "RUVIEW_MQTT_HOST", default_value = "localhost")]
    pub mqtt_host: String,
    /// Broker port [default: 1883, or 8883 with --mqtt-tls].
    #[arg(long, env = "RUVIEW_MQTT_PORT")]
    pub mqtt_port: Option<u16>,
    /// User name; sent with the password from --mqtt-password-env.
    #[arg(long, env = "RUVIEW_MQTT_USERNAME")]
    pub mqtt_username: Option<String>,
    /// Name of the environment variable holding the password.
    #[arg(long, default_value = DEFAULT_PASSWORD_ENV)]
    pub mqtt_password_env: String,
    /// Client id [default: generated once and kept in <data-dir>/mqtt_client_id].
    #[arg(long, env = "RUVIEW_MQTT_CLIENT_ID")]
    pub mqtt_client_id: Option<String>,
    /// Readable server name in Home Assistant device names [default: --mqtt-client-id if
    /// given, else the host name].
    #[arg(long, env = "RUVIEW_MQTT_SERVER_NAME")]
    pub mqtt_server_name: Option<String>,
    /// Home Assistant discovery prefix.
    #[arg(long, env = "RUVIEW_MQTT_PREFIX", default_value = DEFAULT_PREFIX)]
    pub mqtt_prefix: String,
    /// TLS (system roots unless --mqtt-ca-file is given).
    #[arg(long, env = "RUVIEW_MQTT_TLS", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub mqtt_tls: bool,
    /// CA bundle (PEM) to pin.
    #[arg(long)]
    pub mqtt_ca_file: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS.
    #[arg(long)]
    pub mqtt_client_cert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS.
    #[arg(long)]
    pub mqtt_client_key: Option<PathBuf>,
    /// Re-publish discovery every N seconds.
    #[arg(long, default_value_t = 600)]
    pub mqtt_refresh_secs: u64,
    /// Breathing and heart-rate states, Hz (0: on change only).
    #[arg(long, default_value_t = 0.2, allow_negative_numbers = true)]
    pub mqtt_rate_vitals: f64,
    /// motion_level, motion_energy and presence_score states, Hz.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub mqtt_rate_motion: f64,
    /// person_count states, Hz.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub mqtt_rate_count: f64,
    /// rssi states, Hz.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub mqtt_rate_rssi: f64,
    /// Accepted for compatibility; there is no pose source, so nothing is published.
    #[arg(long)]
    pub mqtt_publish_pose: bool,
    /// Accepted with --mqtt-publish-pose.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub mqtt_rate_pose: f64,
    /// Also publish ruview/<client_id>/<node_id>/raw/{sensing_update,edge_vitals}.
    #[arg(long, env = "RUVIEW_MQTT_PUBLISH_RAW", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub mqtt_publish_raw: bool,
    /// No Last Will; discovery uses the single availability_topic form.
    #[arg(long, env = "RUVIEW_MQTT_NO_LWT", action = ArgAction::Set, num_args = 0..=1,
          default_value = "false", default_missing_value = "true", value_parser = parse_bool)]
    pub mqtt_no_lwt: bool,
}

/// The validated MQTT part of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct MqttSettings {
    pub config: MqttConfig,
}

impl MqttArgs {
    /// `None` without `--mqtt`; a message for a usage error otherwise. `disabled`: the
    /// primitives switched off with `--no-semantic` (config/semantic.rs).
    pub fn into_settings(
        self,
        privacy_mode: bool,
        disabled: &[Entity],
    ) -> Result<Option<MqttSettings>, String> {
        if !self.mqtt {
            return Ok(None);
        }
        let tls = TlsMode::from_flags(
            self.mqtt_tls,
            self.mqtt_ca_file,
            self.mqtt_client_cert,
            self.mqtt_client_key,
        )
        .map_err(|e| e.to_string())?;
        let config = MqttConfig {
            host: self.mqtt_host,
            port: self.mqtt_port,
            username: self.mqtt_username,
            password_env: self.mqtt_password_env,
            client_id: self.mqtt_client_id,
            server_name: self.mqtt_server_name,
            prefix: self.mqtt_prefix,
            tls,
            refresh_secs: self.mqtt_refresh_secs,
            rates: EntityRates {
                vitals_hz: self.mqtt_rate_vitals,
                motion_hz: self.mqtt_rate_motion,
                count_hz: self.mqtt_rate_count,
                rssi_hz: self.mqtt_rate_rssi,
                pose_hz: self.mqtt_rate_pose,
            },
            publish_pose: self.mqtt_publish_pose,
            publish_raw: self.mqtt_publish_raw,
            last_will: !self.mqtt_no_lwt,
            disabled: disabled.to_vec(),
            privacy_mode,
        };
        config.validate().map_err(|e| e.to_string())?;
        Ok(Some(MqttSettings { config }))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use wifi_densepose_ha::Entity;

    use super::*;
    use crate::config::semantic::SemanticArgs;

    /// The MQTT and semantic flags with `--privacy-mode`, as the server's command line has
    /// them.
    #[derive(Debug, Parser)]
    struct Args {
        #[command(flatten)]
        mqtt: MqttArgs,
        #[command(flatten)]
        semantic: SemanticArgs,
        #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value = "false",
              default_missing_value = "true", value_parser = parse_bool)]
        privacy_mode: bool,
    }

    fn settings(args: &[&str]) -> Result<Option<MqttSettings>, String> {
        let argv = std::iter::once("wifi-densepose-sensing-server").chain(args.iter().copied());
        let args = Args::try_parse_from(argv).map_err(|e| e.to_string())?;
        let semantic = args.semantic.into_settings()?;
        args.mqtt
            .into_settings(args.privacy_mode, &semantic.disabled)
    }

    #[test]
    fn off_unless_asked() {
        assert_eq!(settings(&[]).unwrap(), None);
        assert_eq!(settings(&["--mqtt-port", "0"]).unwrap(), None);
    }

    #[test]
    fn defaults_of_7_1() {
        let s = settings(&["--mqtt"]).unwrap().unwrap();
        let c = &s.config;
        assert_eq!((c.host.as_str(), c.effective_port()), ("localhost", 1883));
        assert_eq!(
            (c.prefix.as_str(), c.password_env.as_str()),
            ("homeassistant", "MQTT_PASSWORD")
        );
        assert_eq!(c.refresh_secs, 600);
        assert_eq!(c.rates, EntityRates::default());
        assert_eq!((c.rates.vitals_hz, c.rates.rssi_hz), (0.2, 0.1));
        assert!(c.last_will && !c.publish_raw && !c.privacy_mode && c.client_id.is_none());
        assert_eq!(c.tls, TlsMode::Off);
        assert!(c.disabled.is_empty());
    }

    #[test]
    fn flags_reach_the_config() {
        let s = settings(&[
            "--mqtt",
            "--mqtt-host",
            "broker.lan",
            "--mqtt-tls",
            "--mqtt-ca-file",
            "ca.pem",
            "--mqtt-client-cert",
            "c.pem",
            "--mqtt-client-key",
            "k.pem",
            "--mqtt-no-lwt",
            "--mqtt-publish-raw",
            "--no-semantic",
            "sleeping",
            "--no-semantic",
            "bed_exit",
            "--privacy-mode",
            "--mqtt-rate-motion",
            "0",
            "--zones",
            "zones.toml",
        ])
        .unwrap()
        .unwrap();
        let c = &s.config;
        assert_eq!(c.effective_port(), 8883);
        assert!(matches!(c.tls, TlsMode::Mutual { .. }));
        assert!(!c.last_will && c.publish_raw && c.privacy_mode);
        assert_eq!(c.disabled, [Entity::SomeoneSleeping, Entity::BedExit]);
        assert_eq!(c.rates.motion_hz, 0.0);
    }

    #[test]
    fn invalid_combinations_are_usage_errors() {
        for bad in [
            &["--mqtt", "--mqtt-port", "0"][..],
            &["--mqtt", "--mqtt-host", ""],
            &["--mqtt", "--mqtt-refresh-secs", "0"],
            &["--mqtt", "--mqtt-rate-rssi", "-0.5"],
            &["--mqtt", "--mqtt-rate-vitals", "NaN"],
            &["--mqtt", "--mqtt-client-cert", "c.pem"],
            &["--mqtt", "--mqtt-tls", "--mqtt-client-key", "k.pem"],
            &["--mqtt", "--no-semantic", "nap"],
        ] {
            assert!(settings(bad).is_err(), "{bad:?}");
        }
    }
}
