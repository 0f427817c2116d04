//! Values of the command line's flags and environment variables (docs/wire.md section 6).

use std::net::IpAddr;

use ipnet::IpNet;

use crate::sensing::mode::{NodePositions, SourceMode};

/// `--source`: auto | esp32 | simulate (alias simulated).
pub fn parse_source(value: &str) -> Result<SourceMode, String> {
    match value {
        "auto" => Ok(SourceMode::Auto),
        "esp32" => Ok(SourceMode::Esp32),
        "simulate" | "simulated" => Ok(SourceMode::Simulate),
        other => Err(format!(
            "unknown source {other:?}; expected auto, esp32 or simulate"
        )),
    }
}

/// Boolean values accepted from flags and environment variables (docs/wire.md §6).
pub fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(format!(
            "invalid boolean {other:?}; use 1/true/yes/on or 0/false/no/off"
        )),
    }
}

/// An IP address (a single-host network) or a CIDR block.
pub fn parse_ip_or_cidr(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    if let Ok(net) = value.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    value
        .parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("{value:?} is neither an IP address nor a CIDR block"))
}

/// The slowest and fastest replay/mock speeds: 1/1000 to 1,000,000 times real time.
pub const SPEED_RANGE: (f64, f64) = (1e-3, 1e6);

pub fn parse_speed(value: &str) -> Result<f64, String> {
    let speed: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("speed {value:?} is not a number"))?;
    let (lo, hi) = SPEED_RANGE;
    if (lo..=hi).contains(&speed) {
        Ok(speed)
    } else {
        Err(format!("speed must be in [{lo}, {hi}], got {value}"))
    }
}

pub fn parse_positive_rate(value: &str) -> Result<f64, String> {
    let rate: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))?;
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(format!("value must be finite and > 0, got {value}"))
    }
}

/// Parses `"ID:X,Y,Z;X,Y,Z;…"`; entries without `ID:` take ids 1, 2, … by position.
pub fn parse_node_positions(value: &str) -> Result<NodePositions, String> {
    let mut positions = NodePositions::new();
    for (index, entry) in value
        .split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .enumerate()
    {
        let (id, coords) = match entry.split_once(':') {
            Some((id, coords)) => {
                let id = id
                    .trim()
                    .parse::<u8>()
                    .map_err(|_| format!("bad node id in {entry:?}"))?;
                (id, coords)
            }
            None => {
                let id = u8::try_from(index + 1)
                    .map_err(|_| "more than 255 node positions".to_string())?;
                (id, entry)
            }
        };
        let parts: Vec<f64> = coords
            .split(',')
            .map(|c| {
                c.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("bad coordinate in {entry:?}"))
            })
            .collect::<Result<_, _>>()?;
        match parts.as_slice() {
            [x, y, z] if parts.iter().all(|v| v.is_finite()) => {
                positions.insert(id, [*x, *y, *z]);
            }
            _ => {
                return Err(format!(
                    "position {entry:?} needs three finite numbers X,Y,Z"
                ))
            }
        }
    }
    Ok(positions)
}
