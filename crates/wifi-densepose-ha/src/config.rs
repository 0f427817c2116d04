//! MQTT publisher configuration (docs/wire.md §7.1) and TLS modes (7.2), validated.

use std::path::PathBuf;

use crate::entity::{Component, Entity};
use crate::error::{HaError, HaResult};

/// How the publisher secures its broker connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    Off,
    /// The operating system's root certificates.
    SystemTrust,
    /// Only the CA in this PEM file is trusted.
    PinnedCa {
        ca_file: PathBuf,
    },
    /// Pinned CA plus a client certificate and key (PEM).
    Mutual {
        ca_file: PathBuf,
        client_cert: PathBuf,
        client_key: PathBuf,
    },
}

impl TlsMode {
    /// Selects the mode from `--mqtt-tls`, `--mqtt-ca-file`, `--mqtt-client-cert` and
    /// `--mqtt-client-key`; every combination not in the table of 7.2 is an error.
    pub fn from_flags(
        tls: bool,
        ca_file: Option<PathBuf>,
        client_cert: Option<PathBuf>,
        client_key: Option<PathBuf>,
    ) -> HaResult<Self> {
        if !tls {
            let given = [
                ("--mqtt-ca-file", &ca_file),
                ("--mqtt-client-cert", &client_cert),
            ]
            .into_iter()
            .chain([("--mqtt-client-key", &client_key)])
            .find(|(_, v)| v.is_some());
            return match given {
                Some((flag, _)) => Err(HaError::option(flag, "requires --mqtt-tls")),
                None => Ok(TlsMode::Off),
            };
        }
        match (ca_file, client_cert, client_key) {
            (None, None, None) => Ok(TlsMode::SystemTrust),
            (Some(ca_file), None, None) => Ok(TlsMode::PinnedCa { ca_file }),
            (Some(ca_file), Some(client_cert), Some(client_key)) => Ok(TlsMode::Mutual {
                ca_file,
                client_cert,
                client_key,
            }),
            (_, Some(_), None) => Err(HaError::option(
                "--mqtt-client-cert",
                "given without --mqtt-client-key",
            )),
            (_, None, Some(_)) => Err(HaError::option(
                "--mqtt-client-key",
                "given without --mqtt-client-cert",
            )),
            (None, Some(_), Some(_)) => Err(HaError::option(
                "--mqtt-client-cert",
                "mutual TLS requires --mqtt-ca-file as well",
            )),
        }
    }

    pub fn is_enabled(&self) -> bool {
        !matches!(self, TlsMode::Off)
    }
}

/// State publication rates in Hz; 0 means "on change only".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EntityRates {
    pub vitals_hz: f64,
    pub motion_hz: f64,
    pub count_hz: f64,
    pub rssi_hz: f64,
    pub pose_hz: f64,
}

impl Default for EntityRates {
    fn default() -> Self {
        EntityRates {
            vitals_hz: 0.2,
            motion_hz: 1.0,
            count_hz: 1.0,
            rssi_hz: 0.1,
            pose_hz: 1.0,
        }
    }
}

impl EntityRates {
    fn validate(&self) -> HaResult<()> {
        let named = [
            ("--mqtt-rate-vitals", self.vitals_hz),
            ("--mqtt-rate-motion", self.motion_hz),
            ("--mqtt-rate-count", self.count_hz),
            ("--mqtt-rate-rssi", self.rssi_hz),
            ("--mqtt-rate-pose", self.pose_hz),
        ];
        for (flag, hz) in named {
            if hz.is_nan() || hz < 0.0 {
                return Err(HaError::option(
                    flag,
                    format!("must be a rate >= 0 Hz, got {hz}"),
                ));
            }
        }
        Ok(())
    }

    /// The rate limit of a sensor entity's state (Hz), `None` for entities that are not
    /// rate limited (binary sensors, events, and sensors published on their own schedule).
    pub fn rate_hz(&self, entity: Entity) -> Option<f64> {
        match entity {
            Entity::BreathingRate | Entity::HeartRate => Some(self.vitals_hz),
            Entity::MotionLevel | Entity::MotionEnergy | Entity::PresenceScore => {
                Some(self.motion_hz)
            }
            Entity::PersonCount => Some(self.count_hz),
            Entity::Rssi => Some(self.rssi_hz),
            Entity::Pose => Some(self.pose_hz),
            _ => None,
        }
    }
}

/// Default discovery prefix.
pub const DEFAULT_PREFIX: &str = "homeassistant";
/// Default name of the environment variable holding the password.
pub const DEFAULT_PASSWORD_ENV: &str = "MQTT_PASSWORD";
/// Default discovery refresh period (seconds).
pub const DEFAULT_REFRESH_SECS: u64 = 600;
/// File under the data directory that keeps the generated client id.
pub const CLIENT_ID_FILE: &str = "mqtt_client_id";

/// The publisher's configuration after the command line and environment are read.
#[derive(Debug, Clone, PartialEq)]
pub struct MqttConfig {
    pub host: String,
    /// `None` selects 1883, or 8883 with TLS.
    pub port: Option<u16>,
    pub username: Option<String>,
    /// Name of the environment variable holding the password (never the password).
    pub password_env: String,
    /// `None` uses the id persisted under the data directory.
    pub client_id: Option<String>,
    /// The readable name in device names; `None`: the configured client id, else the host
    /// name, else the persisted client id.
    pub server_name: Option<String>,
    pub prefix: String,
    pub tls: TlsMode,
    pub refresh_secs: u64,
    pub rates: EntityRates,
    pub publish_pose: bool,
    pub publish_raw: bool,
    pub last_will: bool,
    /// Primitives switched off with `--no-semantic`.
    pub disabled: Vec<Entity>,
    pub privacy_mode: bool,
}

impl Default for MqttConfig {
    fn default() -> Self {
        MqttConfig {
            host: "localhost".into(),
            port: None,
            username: None,
            password_env: DEFAULT_PASSWORD_ENV.into(),
            client_id: None,
            server_name: None,
            prefix: DEFAULT_PREFIX.into(),
            tls: TlsMode::Off,
            refresh_secs: DEFAULT_REFRESH_SECS,
            rates: EntityRates::default(),
            publish_pose: false,
            publish_raw: false,
            last_will: true,
            disabled: Vec::new(),
            privacy_mode: false,
        }
    }
}

impl MqttConfig {
    /// The fatal checks of 7.1: empty host, port 0, refresh 0, negative or NaN rates,
    /// an empty prefix or client id, and MQTT wildcards in either.
    pub fn validate(&self) -> HaResult<()> {
        if self.host.trim().is_empty() {
            return Err(HaError::option("--mqtt-host", "must not be empty"));
        }
        if self.port == Some(0) {
            return Err(HaError::option("--mqtt-port", "must be 1..=65535, got 0"));
        }
        if self.refresh_secs == 0 {
            return Err(HaError::option("--mqtt-refresh-secs", "must be > 0, got 0"));
        }
        check_topic_level("--mqtt-prefix", &self.prefix, true)?;
        if let Some(id) = &self.client_id {
            check_topic_level("--mqtt-client-id", id, false)?;
        }
        if let Some(name) = &self.server_name {
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                return Err(HaError::option(
                    "--mqtt-server-name",
                    format!("must be printable and not empty, got {name:?}"),
                ));
            }
        }
        self.rates.validate()
    }

    /// The broker port: the configured one, else 1883 or 8883 with TLS.
    pub fn effective_port(&self) -> u16 {
        self.port
            .unwrap_or(if self.tls.is_enabled() { 8883 } else { 1883 })
    }

    /// Advisory of 7.1: plaintext MQTT to a host that is not loopback.
    pub fn plaintext_to_remote_host(&self) -> bool {
        let h = self.host.as_str();
        let loopback = h == "localhost" || h.starts_with("127.") || h == "::1" || h == "[::1]";
        !self.tls.is_enabled() && !loopback
    }
}

fn check_topic_level(flag: &str, value: &str, allow_slash: bool) -> HaResult<()> {
    if value.is_empty() {
        return Err(HaError::option(flag, "must not be empty"));
    }
    let bad = |c: char| c == '+' || c == '#' || c.is_control() || (!allow_slash && c == '/');
    if let Some(c) = value.chars().find(|&c| bad(c)) {
        return Err(HaError::option(
            flag,
            format!("must not contain {c:?}, got {value:?}"),
        ));
    }
    Ok(())
}

/// Parses the `--no-semantic` names into entities.
pub fn parse_disabled_primitives(names: &[String]) -> HaResult<Vec<Entity>> {
    names
        .iter()
        .map(|n| {
            Entity::from_primitive_name(n)
                .ok_or_else(|| HaError::option("--no-semantic", format!("unknown primitive {n:?}")))
        })
        .collect()
}

/// `wifi-densepose-<8 lowercase hex>` from four random bytes.
pub fn generated_client_id(random: [u8; 4]) -> String {
    format!("wifi-densepose-{:08x}", u32::from_be_bytes(random))
}

/// The client id stored in `mqtt_client_id`, if the file's text holds a usable one.
pub fn parse_persisted_client_id(text: &str) -> Option<String> {
    let id = text.trim();
    check_topic_level("mqtt_client_id", id, false)
        .ok()
        .map(|()| id.to_string())
}

/// Minimum seconds between two state publications of a sensor at `rate_hz`
/// (`None`: publish on change only).
pub fn min_interval_s(rate_hz: f64) -> Option<f64> {
    (rate_hz > 0.0).then(|| 1.0 / rate_hz)
}

/// Whether state messages of a component are retained (7.3): binary sensors only.
pub fn state_is_retained(component: Component) -> bool {
    component == Component::BinarySensor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<PathBuf> {
        Some(PathBuf::from(s))
    }

    #[test]
    fn tls_modes_of_7_2() {
        assert_eq!(
            TlsMode::from_flags(false, None, None, None).unwrap(),
            TlsMode::Off
        );
        assert_eq!(
            TlsMode::from_flags(true, None, None, None).unwrap(),
            TlsMode::SystemTrust
        );
        assert_eq!(
            TlsMode::from_flags(true, p("ca.pem"), None, None).unwrap(),
            TlsMode::PinnedCa {
                ca_file: "ca.pem".into()
            }
        );
        assert_eq!(
            TlsMode::from_flags(true, p("ca.pem"), p("c.pem"), p("k.pem")).unwrap(),
            TlsMode::Mutual {
                ca_file: "ca.pem".into(),
                client_cert: "c.pem".into(),
                client_key: "k.pem".into()
            }
        );
    }

    #[test]
    fn other_tls_combinations_are_usage_errors() {
        let cases = [
            (false, p("ca.pem"), None, None, "--mqtt-ca-file"),
            (false, None, None, p("k.pem"), "--mqtt-client-key"),
            (true, p("ca.pem"), p("c.pem"), None, "--mqtt-client-cert"),
            (true, p("ca.pem"), None, p("k.pem"), "--mqtt-client-key"),
            (true, None, p("c.pem"), p("k.pem"), "--mqtt-ca-file"),
        ];
        for (tls, ca, cert, key, named) in cases {
            let e = TlsMode::from_flags(tls, ca, cert, key).unwrap_err();
            assert!(e.to_string().contains(named), "{e}");
            assert_eq!(e.code(), "InvalidOption");
        }
    }

    use wifi_densepose_core::ErrorInfo;

    #[test]
    fn fatal_validation_of_7_1() {
        assert!(MqttConfig::default().validate().is_ok());
        let bad = [
            MqttConfig {
                host: " ".into(),
                ..MqttConfig::default()
            },
            MqttConfig {
                port: Some(0),
                ..MqttConfig::default()
            },
            MqttConfig {
                refresh_secs: 0,
                ..MqttConfig::default()
            },
            MqttConfig {
                rates: EntityRates {
                    rssi_hz: -0.1,
                    ..EntityRates::default()
                },
                ..MqttConfig::default()
            },
            MqttConfig {
                rates: EntityRates {
                    vitals_hz: f64::NAN,
                    ..EntityRates::default()
                },
                ..MqttConfig::default()
            },
            MqttConfig {
                prefix: "home/#".into(),
                ..MqttConfig::default()
            },
            MqttConfig {
                client_id: Some("a/b".into()),
                ..MqttConfig::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
        let zero_rate = MqttConfig {
            rates: EntityRates {
                motion_hz: 0.0,
                ..EntityRates::default()
            },
            ..MqttConfig::default()
        };
        assert!(zero_rate.validate().is_ok(), "0 means on change only");
    }

    #[test]
    fn ports_and_advisory() {
        let mut c = MqttConfig::default();
        assert_eq!(c.effective_port(), 1883);
        assert!(!c.plaintext_to_remote_host());
        c.host = "broker.lan".into();
        assert!(c.plaintext_to_remote_host());
        c.tls = TlsMode::SystemTrust;
        assert_eq!(c.effective_port(), 8883);
        assert!(!c.plaintext_to_remote_host());
        c.port = Some(1884);
        assert_eq!(c.effective_port(), 1884);
        c.tls = TlsMode::Off;
        c.host = "127.0.0.2".into();
        assert!(!c.plaintext_to_remote_host());
    }

    #[test]
    fn rates_per_entity() {
        let r = EntityRates::default();
        assert_eq!(r.rate_hz(Entity::HeartRate), Some(0.2));
        assert_eq!(r.rate_hz(Entity::PresenceScore), Some(1.0));
        assert_eq!(r.rate_hz(Entity::Rssi), Some(0.1));
        assert_eq!(r.rate_hz(Entity::Presence), None);
        assert_eq!(min_interval_s(0.2), Some(5.0));
        assert_eq!(min_interval_s(0.0), None);
        assert!(state_is_retained(Component::BinarySensor));
        assert!(!state_is_retained(Component::Sensor));
        assert!(!state_is_retained(Component::Event));
    }

    #[test]
    fn client_ids() {
        assert_eq!(
            generated_client_id([0x1a, 0x2b, 0x3c, 0x4d]),
            "wifi-densepose-1a2b3c4d"
        );
        assert_eq!(generated_client_id([0, 0, 0, 1]), "wifi-densepose-00000001");
        assert_eq!(
            parse_persisted_client_id("wifi-densepose-1a2b3c4d\n").as_deref(),
            Some("wifi-densepose-1a2b3c4d")
        );
        assert_eq!(parse_persisted_client_id("  \n"), None);
        assert_eq!(parse_persisted_client_id("a+b"), None);
    }

    #[test]
    fn no_semantic_names() {
        let names = vec!["sleeping".to_string(), "multi_room".to_string()];
        assert_eq!(
            parse_disabled_primitives(&names).unwrap(),
            [Entity::SomeoneSleeping, Entity::MultiRoomTransition]
        );
        let e = parse_disabled_primitives(&["presence".to_string()]).unwrap_err();
        assert!(e.to_string().contains("\"presence\""), "{e}");
    }
}
