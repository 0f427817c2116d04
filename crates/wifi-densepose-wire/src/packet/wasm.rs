//! WASM module output, magic 0xC5110007 (docs/wire.md §1.9).

use super::{magic, sealed::Decode, ParseOptions, WirePacket};
use crate::bytes::{check_finite, Datagram, Encoder};
use crate::error::{PacketError, Reason};

const HEADER_LEN: usize = 8;
const EVENT_LEN: usize = 5;
const MAX_EVENTS: usize = 16;

/// One event of a WASM module.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WasmEvent {
    pub event_type: u8,
    pub value: f32,
}

/// Up to 16 events of one WASM module slot.
#[derive(Debug, Clone, PartialEq)]
pub struct WasmOutputPacket {
    pub node_id: u8,
    pub module_id: u8,
    pub events: Vec<WasmEvent>,
    pub trailing_bytes: usize,
}

impl WasmOutputPacket {
    pub fn event_count(&self) -> usize {
        self.events.len()
    }
}

fn too_many_events(count: usize) -> PacketError {
    PacketError::new(
        Some(magic::WASM_OUTPUT),
        6,
        Reason::InvalidField,
        format!("event_count must be at most {MAX_EVENTS}, got {count}"),
    )
}

impl Decode for WasmOutputPacket {
    fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError> {
        let event_count = usize::from(d.u16(6)?);
        if event_count > MAX_EVENTS {
            return Err(too_many_events(event_count));
        }
        let trailing_bytes =
            d.trailing_bytes(HEADER_LEN + EVENT_LEN * event_count, options.strict)?;
        let events = (0..event_count)
            .map(|i| {
                let at = HEADER_LEN + EVENT_LEN * i;
                Ok(WasmEvent {
                    event_type: d.u8(at)?,
                    value: d.finite_f32(at + 1, &format!("events[{i}].value"))?,
                })
            })
            .collect::<Result<Vec<_>, PacketError>>()?;
        Ok(WasmOutputPacket {
            node_id: d.u8(4)?,
            module_id: d.u8(5)?,
            events,
            trailing_bytes,
        })
    }
}

impl WirePacket for WasmOutputPacket {
    const MAGIC: u32 = magic::WASM_OUTPUT;
    const FIXED_LEN: usize = HEADER_LEN;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        if self.events.len() > MAX_EVENTS {
            return Err(too_many_events(self.events.len()));
        }
        for (i, ev) in self.events.iter().enumerate() {
            check_finite(
                Self::MAGIC,
                HEADER_LEN + EVENT_LEN * i + 1,
                &format!("events[{i}].value"),
                ev.value,
            )?;
        }
        let mut e = Encoder::with_magic(Self::MAGIC, HEADER_LEN + EVENT_LEN * self.events.len());
        // At most 16 events, checked above.
        e.u8(self.node_id)
            .u8(self.module_id)
            .u16(self.events.len() as u16);
        for ev in &self.events {
            e.u8(ev.event_type).f32(ev.value);
        }
        Ok(e.finish())
    }
}
