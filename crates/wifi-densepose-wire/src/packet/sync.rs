//! Mesh time-sync, magic 0xC511A110 (docs/wire.md §1.10): a 32-byte base and tail groups that
//! are present only when both `proto_ver` and the datagram length allow them.

use super::{magic, sealed::Decode, ParseOptions, WirePacket};
use crate::bytes::{Datagram, Encoder};
use crate::error::{PacketError, Reason};

const BASE_LEN: usize = 32;
/// (minimum `proto_ver`, end offset) of each tail group: MAC, send counters, frame
/// counters, sequence drops.
const TAIL_GROUPS: [(u8, usize); 4] = [(2, 38), (3, 50), (4, 58), (5, 62)];

/// Send-path counters of tail version 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendCounters {
    pub send_fail: u32,
    pub rate_skip: u32,
    pub early_drop: u32,
}

/// Frame counters of tail version 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCounters {
    pub frames_processed: u32,
    pub frames_rejected: u32,
}

/// A node's clock and health report.
///
/// Tail groups are nested: a later group is only present when every earlier one is.
/// Bytes after the last group the version and length allow are counted in
/// `trailing_bytes`, and never rejected, not even in strict mode: the tail is designed to
/// grow with new firmware versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPacket {
    pub node_id: u8,
    pub proto_ver: u8,
    /// Bit 0 leader, bit 1 valid, bit 2 smoothed.
    pub flags: u8,
    /// Minimum free heap / 2048 (0 = not reported).
    pub min_free_heap: u8,
    /// Node-local timer, µs.
    pub local_us: u64,
    /// Mesh-aligned time, µs.
    pub epoch_us: u64,
    pub sequence: u32,
    pub reset_reason: u8,
    pub thermal_state: u8,
    /// °C (0 = not reported).
    pub die_temp_c: i8,
    /// dBm (0 = not reported).
    pub tx_power_dbm: u8,
    pub node_mac: Option<[u8; 6]>,
    pub send_counters: Option<SendCounters>,
    pub frame_counters: Option<FrameCounters>,
    pub seq_drop: Option<u32>,
    pub trailing_bytes: usize,
}

impl SyncPacket {
    /// `local_us − epoch_us` as a signed 64-bit value, µs.
    pub fn offset_us(&self) -> i64 {
        self.local_us.wrapping_sub(self.epoch_us) as i64
    }
    pub fn leader(&self) -> bool {
        self.flags & 0x01 != 0
    }
    pub fn valid(&self) -> bool {
        self.flags & 0x02 != 0
    }
    pub fn smoothed(&self) -> bool {
        self.flags & 0x04 != 0
    }
    /// Minimum free heap, KiB (0 = not reported).
    pub fn min_free_heap_kib(&self) -> u32 {
        u32::from(self.min_free_heap) * 2
    }

    /// How many tail groups are present, checking that they are nested and allowed by
    /// `proto_ver` (`invalid_field` at the group's offset otherwise).
    fn tail_group_count(&self) -> Result<usize, PacketError> {
        let present = [
            self.node_mac.is_some(),
            self.send_counters.is_some(),
            self.frame_counters.is_some(),
            self.seq_drop.is_some(),
        ];
        let count = present.iter().take_while(|&&p| p).count();
        let group_start = |i: usize| {
            if i == 0 {
                BASE_LEN
            } else {
                TAIL_GROUPS.get(i - 1).map_or(BASE_LEN, |g| g.1)
            }
        };
        if let Some(gap) = present.iter().skip(count).position(|&p| p) {
            let i = count + gap;
            return Err(PacketError::new(
                Some(Self::MAGIC),
                group_start(i),
                Reason::InvalidField,
                format!(
                    "tail group {} is present without the group before it",
                    i + 1
                ),
            ));
        }
        if let Some(&(min_ver, _)) = count.checked_sub(1).and_then(|last| TAIL_GROUPS.get(last)) {
            if self.proto_ver < min_ver {
                return Err(PacketError::new(
                    Some(Self::MAGIC),
                    5,
                    Reason::InvalidField,
                    format!(
                        "proto_ver {} is too low for {count} tail groups (needs {min_ver})",
                        self.proto_ver
                    ),
                ));
            }
        }
        Ok(count)
    }
}

impl Decode for SyncPacket {
    fn decode_fixed(d: Datagram<'_>, _options: ParseOptions) -> Result<Self, PacketError> {
        let proto_ver = d.u8(5)?;
        let groups = TAIL_GROUPS
            .iter()
            .take_while(|&&(ver, end)| proto_ver >= ver && d.len() >= end)
            .count();
        let decoded_len = groups
            .checked_sub(1)
            .and_then(|i| TAIL_GROUPS.get(i))
            .map_or(BASE_LEN, |g| g.1);
        let node_mac = if groups >= 1 {
            Some(d.array::<6>(32)?)
        } else {
            None
        };
        let send_counters = if groups >= 2 {
            Some(SendCounters {
                send_fail: d.u32(38)?,
                rate_skip: d.u32(42)?,
                early_drop: d.u32(46)?,
            })
        } else {
            None
        };
        let frame_counters = if groups >= 3 {
            Some(FrameCounters {
                frames_processed: d.u32(50)?,
                frames_rejected: d.u32(54)?,
            })
        } else {
            None
        };
        let seq_drop = if groups >= 4 { Some(d.u32(58)?) } else { None };
        Ok(SyncPacket {
            node_id: d.u8(4)?,
            proto_ver,
            flags: d.u8(6)?,
            min_free_heap: d.u8(7)?,
            local_us: d.u64(8)?,
            epoch_us: d.u64(16)?,
            sequence: d.u32(24)?,
            reset_reason: d.u8(28)?,
            thermal_state: d.u8(29)?,
            die_temp_c: d.i8(30)?,
            tx_power_dbm: d.u8(31)?,
            node_mac,
            send_counters,
            frame_counters,
            seq_drop,
            trailing_bytes: d.len() - decoded_len,
        })
    }
}

impl WirePacket for SyncPacket {
    const MAGIC: u32 = magic::SYNC;
    const FIXED_LEN: usize = BASE_LEN;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        self.tail_group_count()?;
        let mut e = Encoder::with_magic(Self::MAGIC, 62);
        e.u8(self.node_id)
            .u8(self.proto_ver)
            .u8(self.flags)
            .u8(self.min_free_heap)
            .u64(self.local_us)
            .u64(self.epoch_us)
            .u32(self.sequence)
            .u8(self.reset_reason)
            .u8(self.thermal_state)
            .i8(self.die_temp_c)
            .u8(self.tx_power_dbm);
        if let Some(mac) = &self.node_mac {
            e.bytes(mac);
        }
        if let Some(c) = &self.send_counters {
            e.u32(c.send_fail).u32(c.rate_skip).u32(c.early_drop);
        }
        if let Some(c) = &self.frame_counters {
            e.u32(c.frames_processed).u32(c.frames_rejected);
        }
        if let Some(v) = self.seq_drop {
            e.u32(v);
        }
        Ok(e.finish())
    }
}
