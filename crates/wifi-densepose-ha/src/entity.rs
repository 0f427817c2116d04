//! The 21 Home Assistant entities of a node (docs/wire.md §7.5) and which of them are announced.

/// Home Assistant MQTT component of an entity; the second level of its topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    BinarySensor,
    Sensor,
    Event,
}

impl Component {
    /// The component name used in topics and by Home Assistant.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::BinarySensor => "binary_sensor",
            Component::Sensor => "sensor",
            Component::Event => "event",
        }
    }

    /// QoS of the entity's discovery and state messages: 0 for sensors, 1 otherwise (7.3).
    pub fn qos(self) -> u8 {
        match self {
            Component::Sensor => 0,
            Component::BinarySensor | Component::Event => 1,
        }
    }
}

/// One of the 21 entities a node can expose, in the order of the table in 7.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Presence,
    PersonCount,
    BreathingRate,
    HeartRate,
    MotionLevel,
    MotionEnergy,
    Fall,
    PresenceScore,
    Rssi,
    ZoneOccupancy,
    Pose,
    SomeoneSleeping,
    PossibleDistress,
    RoomActive,
    ElderlyInactivityAnomaly,
    MeetingInProgress,
    BathroomOccupied,
    FallRiskElevated,
    BedExit,
    NoMovement,
    MultiRoomTransition,
}

/// Everything Home Assistant is told about an entity (one row of 7.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntitySpec {
    pub slug: &'static str,
    pub name: &'static str,
    pub component: Component,
    pub device_class: Option<&'static str>,
    pub unit: Option<&'static str>,
    pub state_class: Option<&'static str>,
    pub value_template: Option<&'static str>,
    pub event_types: &'static [&'static str],
    pub icon: &'static str,
    /// Announced in the default discovery set.
    pub default: bool,
    /// Biometric: withheld by privacy mode (7.9).
    pub biometric: bool,
    /// Name accepted by `--no-semantic` for the semantic primitives.
    pub primitive: Option<&'static str>,
    /// The state topic doubles as `json_attributes_topic`.
    pub json_attributes: bool,
    /// Decimals Home Assistant shows (`suggested_display_precision`); numeric states are
    /// rounded to it on the wire. Sensors only.
    pub precision: Option<u8>,
    /// A diagnostic of the radio link rather than of the room (`entity_category: diagnostic`).
    pub diagnostic: bool,
}

const fn binary(
    slug: &'static str,
    name: &'static str,
    device_class: &'static str,
    icon: &'static str,
) -> EntitySpec {
    EntitySpec {
        slug,
        name,
        component: Component::BinarySensor,
        device_class: Some(device_class),
        unit: None,
        state_class: None,
        value_template: None,
        event_types: &[],
        icon,
        default: false,
        biometric: false,
        primitive: None,
        json_attributes: false,
        precision: None,
        diagnostic: false,
    }
}

const fn sensor(
    slug: &'static str,
    name: &'static str,
    unit: Option<&'static str>,
    value_template: &'static str,
    icon: &'static str,
) -> EntitySpec {
    EntitySpec {
        slug,
        name,
        component: Component::Sensor,
        device_class: None,
        unit,
        state_class: Some("measurement"),
        value_template: Some(value_template),
        event_types: &[],
        icon,
        default: false,
        biometric: false,
        primitive: None,
        json_attributes: false,
        precision: None,
        diagnostic: false,
    }
}

const fn event(
    slug: &'static str,
    name: &'static str,
    event_types: &'static [&'static str],
    icon: &'static str,
) -> EntitySpec {
    EntitySpec {
        slug,
        name,
        component: Component::Event,
        device_class: None,
        unit: None,
        state_class: None,
        value_template: None,
        event_types,
        icon,
        default: false,
        biometric: false,
        primitive: None,
        json_attributes: false,
        precision: None,
        diagnostic: false,
    }
}

impl EntitySpec {
    const fn in_default_set(mut self) -> Self {
        self.default = true;
        self
    }
    const fn biometric(mut self) -> Self {
        self.biometric = true;
        self
    }
    const fn primitive(mut self, name: &'static str) -> Self {
        self.primitive = Some(name);
        self
    }
    const fn with_attributes(mut self) -> Self {
        self.json_attributes = true;
        self
    }
    const fn with_device_class(mut self, device_class: &'static str) -> Self {
        self.device_class = Some(device_class);
        self
    }
    const fn without_state_class(mut self) -> Self {
        self.state_class = None;
        self
    }
    const fn precision(mut self, decimals: u8) -> Self {
        self.precision = Some(decimals);
        self
    }
    const fn diagnostic(mut self) -> Self {
        self.diagnostic = true;
        self
    }
}

const PRESENCE: EntitySpec =
    binary("presence", "Presence", "occupancy", "mdi:motion-sensor").in_default_set();
const PERSON_COUNT: EntitySpec = sensor(
    "person_count",
    "Person count",
    None,
    "{{ value_json.n_persons }}",
    "mdi:account-group",
)
.precision(0)
.in_default_set();
const BREATHING_RATE: EntitySpec = sensor(
    "breathing_rate",
    "Breathing rate",
    Some("bpm"),
    "{{ value_json.bpm }}",
    "mdi:lungs",
)
.precision(1)
.in_default_set()
.biometric()
.with_attributes();
const HEART_RATE: EntitySpec = sensor(
    "heart_rate",
    "Heart rate",
    Some("bpm"),
    "{{ value_json.bpm }}",
    "mdi:heart-pulse",
)
.precision(0)
.in_default_set()
.biometric()
.with_attributes();
const MOTION_LEVEL: EntitySpec = sensor(
    "motion_level",
    "Motion level",
    Some("%"),
    "{{ value_json.level_pct }}",
    "mdi:run",
)
.precision(0)
.in_default_set();
const MOTION_ENERGY: EntitySpec = sensor(
    "motion_energy",
    "Motion energy",
    None,
    "{{ value_json.energy }}",
    "mdi:waveform",
)
.precision(2)
.diagnostic()
.in_default_set();
const FALL: EntitySpec = event(
    "fall",
    "Fall detected",
    &["fall_detected"],
    "mdi:human-fall",
)
.in_default_set();
const PRESENCE_SCORE: EntitySpec = sensor(
    "presence_score",
    "Presence score",
    Some("%"),
    "{{ value_json.score_pct }}",
    "mdi:gauge",
)
.precision(0)
.diagnostic()
.in_default_set();
const RSSI: EntitySpec = sensor(
    "rssi",
    "Signal strength",
    Some("dBm"),
    "{{ value_json.dbm }}",
    "mdi:wifi",
)
.with_device_class("signal_strength")
.precision(0)
.diagnostic()
.in_default_set();
const ZONE_OCCUPANCY: EntitySpec = binary(
    "zone_occupancy",
    "Zone occupancy",
    "occupancy",
    "mdi:map-marker",
);
const POSE: EntitySpec = sensor(
    "pose",
    "Pose",
    None,
    "{{ value_json.n_keypoints }}",
    "mdi:human",
)
.precision(0)
.without_state_class()
.biometric()
.with_attributes();
const SOMEONE_SLEEPING: EntitySpec = binary(
    "someone_sleeping",
    "Someone sleeping",
    "occupancy",
    "mdi:sleep",
)
.in_default_set()
.biometric()
.primitive("sleeping");
const POSSIBLE_DISTRESS: EntitySpec = binary(
    "possible_distress",
    "Possible distress",
    "problem",
    "mdi:alert-octagon",
)
.in_default_set()
.biometric()
.primitive("distress");
const ROOM_ACTIVE: EntitySpec = binary(
    "room_active",
    "Room active",
    "occupancy",
    "mdi:home-account",
)
.in_default_set()
.primitive("room_active");
const ELDERLY_INACTIVITY_ANOMALY: EntitySpec = binary(
    "elderly_inactivity_anomaly",
    "Elderly inactivity anomaly",
    "problem",
    "mdi:alert-octagon",
)
.in_default_set()
.primitive("elderly_anomaly");
const MEETING_IN_PROGRESS: EntitySpec = binary(
    "meeting_in_progress",
    "Meeting in progress",
    "occupancy",
    "mdi:account-group",
)
.primitive("meeting");
const BATHROOM_OCCUPIED: EntitySpec = binary(
    "bathroom_occupied",
    "Bathroom occupied",
    "occupancy",
    "mdi:shower",
)
.primitive("bathroom");
const FALL_RISK_ELEVATED: EntitySpec = sensor(
    "fall_risk_elevated",
    "Fall risk elevated",
    None,
    "{{ value_json.score }}",
    "mdi:human-fall",
)
.precision(0)
.in_default_set()
.primitive("fall_risk");
const BED_EXIT: EntitySpec =
    event("bed_exit", "Bed exit", &["bed_exit"], "mdi:bed-empty").primitive("bed_exit");
const NO_MOVEMENT: EntitySpec =
    binary("no_movement", "No movement", "problem", "mdi:alert-octagon")
        .in_default_set()
        .primitive("no_movement");
const MULTI_ROOM_TRANSITION: EntitySpec = event(
    "multi_room_transition",
    "Room transition",
    &["transition"],
    "mdi:transit-transfer",
)
.primitive("multi_room");

impl Entity {
    /// All 21 entities in the order of the table in 7.5.
    pub const ALL: [Entity; 21] = [
        Entity::Presence,
        Entity::PersonCount,
        Entity::BreathingRate,
        Entity::HeartRate,
        Entity::MotionLevel,
        Entity::MotionEnergy,
        Entity::Fall,
        Entity::PresenceScore,
        Entity::Rssi,
        Entity::ZoneOccupancy,
        Entity::Pose,
        Entity::SomeoneSleeping,
        Entity::PossibleDistress,
        Entity::RoomActive,
        Entity::ElderlyInactivityAnomaly,
        Entity::MeetingInProgress,
        Entity::BathroomOccupied,
        Entity::FallRiskElevated,
        Entity::BedExit,
        Entity::NoMovement,
        Entity::MultiRoomTransition,
    ];

    /// The default announcement order (15 entities).
    pub const DEFAULT_ORDER: [Entity; 15] = [
        Entity::Presence,
        Entity::PersonCount,
        Entity::BreathingRate,
        Entity::HeartRate,
        Entity::MotionLevel,
        Entity::MotionEnergy,
        Entity::Fall,
        Entity::PresenceScore,
        Entity::Rssi,
        Entity::SomeoneSleeping,
        Entity::PossibleDistress,
        Entity::RoomActive,
        Entity::ElderlyInactivityAnomaly,
        Entity::FallRiskElevated,
        Entity::NoMovement,
    ];

    /// The zone primitives, announced after the default set when a zones file is given.
    pub const ZONE_ORDER: [Entity; 4] = [
        Entity::MeetingInProgress,
        Entity::BathroomOccupied,
        Entity::BedExit,
        Entity::MultiRoomTransition,
    ];

    /// The entity's row of 7.5.
    pub fn spec(self) -> &'static EntitySpec {
        match self {
            Entity::Presence => &PRESENCE,
            Entity::PersonCount => &PERSON_COUNT,
            Entity::BreathingRate => &BREATHING_RATE,
            Entity::HeartRate => &HEART_RATE,
            Entity::MotionLevel => &MOTION_LEVEL,
            Entity::MotionEnergy => &MOTION_ENERGY,
            Entity::Fall => &FALL,
            Entity::PresenceScore => &PRESENCE_SCORE,
            Entity::Rssi => &RSSI,
            Entity::ZoneOccupancy => &ZONE_OCCUPANCY,
            Entity::Pose => &POSE,
            Entity::SomeoneSleeping => &SOMEONE_SLEEPING,
            Entity::PossibleDistress => &POSSIBLE_DISTRESS,
            Entity::RoomActive => &ROOM_ACTIVE,
            Entity::ElderlyInactivityAnomaly => &ELDERLY_INACTIVITY_ANOMALY,
            Entity::MeetingInProgress => &MEETING_IN_PROGRESS,
            Entity::BathroomOccupied => &BATHROOM_OCCUPIED,
            Entity::FallRiskElevated => &FALL_RISK_ELEVATED,
            Entity::BedExit => &BED_EXIT,
            Entity::NoMovement => &NO_MOVEMENT,
            Entity::MultiRoomTransition => &MULTI_ROOM_TRANSITION,
        }
    }

    /// Shorthand for `spec().slug`.
    pub fn slug(self) -> &'static str {
        self.spec().slug
    }

    /// The entity with this slug, if any.
    pub fn from_slug(slug: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.slug() == slug)
    }

    /// The semantic primitive whose `--no-semantic` name is `name`, if any.
    pub fn from_primitive_name(name: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|e| e.spec().primitive == Some(name))
    }
}

/// Which entities a node announces, in announcement order (7.5, 7.9).
///
/// `disabled` holds entities switched off with `--no-semantic`.
pub fn announced_entities(privacy_mode: bool, zones: bool, disabled: &[Entity]) -> Vec<Entity> {
    let zone_part: &[Entity] = if zones { &Entity::ZONE_ORDER } else { &[] };
    Entity::DEFAULT_ORDER
        .iter()
        .chain(zone_part)
        .copied()
        .filter(|e| !(privacy_mode && e.spec().biometric))
        .filter(|e| !disabled.contains(e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_21_distinct_slugs_in_spec_order() {
        let slugs: Vec<&str> = Entity::ALL.iter().map(|e| e.slug()).collect();
        assert_eq!(
            slugs,
            [
                "presence",
                "person_count",
                "breathing_rate",
                "heart_rate",
                "motion_level",
                "motion_energy",
                "fall",
                "presence_score",
                "rssi",
                "zone_occupancy",
                "pose",
                "someone_sleeping",
                "possible_distress",
                "room_active",
                "elderly_inactivity_anomaly",
                "meeting_in_progress",
                "bathroom_occupied",
                "fall_risk_elevated",
                "bed_exit",
                "no_movement",
                "multi_room_transition",
            ]
        );
        for e in Entity::ALL {
            assert_eq!(Entity::from_slug(e.slug()), Some(e));
        }
    }

    #[test]
    fn default_flags_match_the_default_order() {
        let flagged: Vec<Entity> = Entity::ALL
            .into_iter()
            .filter(|e| e.spec().default)
            .collect();
        assert_eq!(flagged.len(), 15);
        for e in flagged {
            assert!(Entity::DEFAULT_ORDER.contains(&e), "{e:?}");
        }
    }

    #[test]
    fn biometric_set_is_the_five_of_7_9() {
        let bio: Vec<&str> = Entity::ALL
            .iter()
            .filter(|e| e.spec().biometric)
            .map(|e| e.slug())
            .collect();
        assert_eq!(
            bio,
            [
                "breathing_rate",
                "heart_rate",
                "pose",
                "someone_sleeping",
                "possible_distress"
            ]
        );
    }

    #[test]
    fn rows_match_the_table() {
        let rssi = Entity::Rssi.spec();
        assert_eq!(rssi.name, "Signal strength");
        assert_eq!(rssi.device_class, Some("signal_strength"));
        assert_eq!(rssi.unit, Some("dBm"));
        assert_eq!(rssi.state_class, Some("measurement"));
        assert_eq!(rssi.value_template, Some("{{ value_json.dbm }}"));
        assert_eq!(rssi.icon, "mdi:wifi");
        let energy = Entity::MotionEnergy.spec();
        assert_eq!(energy.unit, None);
        assert_eq!(energy.value_template, Some("{{ value_json.energy }}"));
        let fall = Entity::Fall.spec();
        assert_eq!(fall.component, Component::Event);
        assert_eq!(fall.event_types, ["fall_detected"]);
        assert_eq!(Entity::MultiRoomTransition.spec().name, "Room transition");
        assert_eq!(
            Entity::MultiRoomTransition.spec().event_types,
            ["transition"]
        );
        assert_eq!(
            Entity::PossibleDistress.spec().device_class,
            Some("problem")
        );
        assert_eq!(Entity::NoMovement.spec().icon, "mdi:alert-octagon");
        assert_eq!(Entity::FallRiskElevated.spec().unit, None);
        assert_eq!(Entity::BathroomOccupied.spec().icon, "mdi:shower");
        assert_eq!(Entity::Pose.spec().state_class, None);
        assert_eq!(Component::Sensor.qos(), 0);
        assert_eq!(Component::Event.qos(), 1);
    }

    #[test]
    fn primitive_names_map_back() {
        let names = [
            ("sleeping", Entity::SomeoneSleeping),
            ("distress", Entity::PossibleDistress),
            ("room_active", Entity::RoomActive),
            ("elderly_anomaly", Entity::ElderlyInactivityAnomaly),
            ("meeting", Entity::MeetingInProgress),
            ("bathroom", Entity::BathroomOccupied),
            ("fall_risk", Entity::FallRiskElevated),
            ("bed_exit", Entity::BedExit),
            ("no_movement", Entity::NoMovement),
            ("multi_room", Entity::MultiRoomTransition),
        ];
        for (name, entity) in names {
            assert_eq!(Entity::from_primitive_name(name), Some(entity));
        }
        assert_eq!(Entity::from_primitive_name("presence"), None);
    }

    #[test]
    fn announcement_sets() {
        assert_eq!(
            announced_entities(false, false, &[]),
            Entity::DEFAULT_ORDER.to_vec()
        );
        let private = announced_entities(true, false, &[]);
        assert_eq!(private.len(), 11);
        assert!(private.contains(&Entity::Fall));
        let zoned = announced_entities(false, true, &[]);
        assert_eq!(zoned.len(), 19);
        assert_eq!(zoned[15..], Entity::ZONE_ORDER);
        let without = announced_entities(false, false, &[Entity::NoMovement]);
        assert_eq!(without.len(), 14);
        assert!(!without.contains(&Entity::NoMovement));
    }
}
