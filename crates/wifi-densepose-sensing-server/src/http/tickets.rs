//! WebSocket tickets (docs/wire.md §5.3) for clients that cannot set an `Authorization` header:
//! `POST /api/v1/ws-ticket` with a valid bearer token issues one; it admits one upgrade on
//! a protected WebSocket path within 30 s, passed as `?ticket=…`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

pub const TICKET_TTL: Duration = Duration::from_secs(30);
/// Outstanding tickets kept at most; the oldest goes first when full.
const MAX_TICKETS: usize = 1024;
/// 128 random bits.
const TICKET_BYTES: usize = 16;

#[derive(Debug, Default)]
pub struct TicketBook {
    issued: Mutex<HashMap<String, Instant>>,
}

impl TicketBook {
    /// A fresh ticket, or `None` when the system has no randomness to give.
    pub fn issue(&self, now: Instant) -> Option<String> {
        let mut bytes = [0u8; TICKET_BYTES];
        getrandom::fill(&mut bytes).ok()?;
        let ticket: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.retain(|_, at| now.saturating_duration_since(*at) < TICKET_TTL);
        if issued.len() >= MAX_TICKETS {
            let oldest = issued
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(t, _)| t.clone());
            if let Some(oldest) = oldest {
                issued.remove(&oldest);
            }
        }
        issued.insert(ticket.clone(), now);
        Some(ticket)
    }

    /// Consumes `ticket`; `true` when it was issued less than 30 s ago and not used yet.
    pub fn redeem(&self, ticket: &str, now: Instant) -> bool {
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued
            .remove(ticket)
            .is_some_and(|at| now.saturating_duration_since(at) < TICKET_TTL)
    }
}

/// The `ticket` query parameter. Tickets are lowercase hex, so no percent-decoding applies;
/// an encoded value simply does not match.
pub fn ticket_param(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("ticket="))
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_admits_one_upgrade() {
        let book = TicketBook::default();
        let now = Instant::now();
        let ticket = book.issue(now).unwrap();
        assert_eq!(ticket.len(), 32);
        assert!(ticket.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(book.redeem(&ticket, now + Duration::from_secs(29)));
        assert!(!book.redeem(&ticket, now + Duration::from_secs(29)));
        assert!(!book.redeem("unknown", now));
    }

    #[test]
    fn tickets_expire_after_30_s() {
        let book = TicketBook::default();
        let now = Instant::now();
        let ticket = book.issue(now).unwrap();
        assert!(!book.redeem(&ticket, now + TICKET_TTL));
        assert_ne!(book.issue(now).unwrap(), book.issue(now).unwrap());
    }

    #[test]
    fn the_book_is_bounded() {
        let book = TicketBook::default();
        let now = Instant::now();
        let first = book.issue(now).unwrap();
        for i in 0..MAX_TICKETS {
            book.issue(now + Duration::from_millis(1 + i as u64))
                .unwrap();
        }
        assert!(!book.redeem(&first, now + Duration::from_secs(2)));
        assert_eq!(book.issued.lock().unwrap().len(), MAX_TICKETS);
    }

    #[test]
    fn query_parameter() {
        assert_eq!(ticket_param(Some("ticket=ab12")), Some("ab12"));
        assert_eq!(ticket_param(Some("x=1&ticket=ab12&y=2")), Some("ab12"));
        assert_eq!(ticket_param(Some("ticket=")), None);
        assert_eq!(ticket_param(Some("tickets=ab")), None);
        assert_eq!(ticket_param(None), None);
    }
}
