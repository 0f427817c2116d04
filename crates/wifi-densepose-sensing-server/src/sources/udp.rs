//! UDP ingest of ESP32 datagrams (docs/wire.md §1.1, 1.11, 5.4).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use crate::sensing::engine::Origin;
use crate::state::{wait_for_shutdown, AppState};

/// Read buffer: large enough that an oversize datagram is seen whole and rejected as
/// `oversize` rather than silently truncated.
pub const RECV_BUFFER: usize = 65_536;
/// Kernel receive buffer requested, so bursts are queued rather than dropped.
const SOCKET_RCVBUF: usize = 8 * 1024 * 1024;
/// The most datagrams ingested as one batch (one `sensing_update`).
const MAX_BATCH: usize = 512;
/// The most bytes one batch holds (datagrams are copied into one arena).
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Binds the UDP socket with a large kernel receive buffer.
pub fn bind(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // The kernel may cap the size (net.core.rmem_max); a smaller buffer still works.
    if let Err(error) = socket.set_recv_buffer_size(SOCKET_RCVBUF) {
        tracing::debug!(%error, "could not enlarge the UDP receive buffer");
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// Receives until shutdown; every datagram goes through the allowlist and the shared
/// ingest path. Errors of single receives are logged and the loop continues.
///
/// After each wake-up the socket is drained of what is already queued (up to `MAX_BATCH`
/// datagrams) and that batch is ingested together, with one `sensing_update` for the batch
/// (see `Engine::begin_batch`). At light load a batch is one datagram.
pub async fn run(state: Arc<AppState>, socket: UdpSocket) {
    if let Some(udp) = &state.udp {
        udp.set_kernel_socket(kernel_socket_inode(&socket));
    }
    let allowlist = UdpAllowlist::new(state.config.udp_allow.clone());
    let mut arena: Vec<u8> = Vec::new();
    let mut batch: Vec<(std::ops::Range<usize>, SocketAddr)> = Vec::new();
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    // When the update the last batch deferred is due (see `Engine::finish_batch`).
    let mut flush_at: Option<std::time::Instant> = None;
    loop {
        let flush = async {
            match flush_at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let readable = tokio::select! {
            readable = socket.readable() => readable,
            () = flush => {
                flush_at = state.flush_deferred();
                continue;
            }
            () = &mut shutdown => return,
        };
        if let Err(error) = readable {
            tracing::warn!(%error, "UDP receive failed");
            continue;
        }
        arena.clear();
        batch.clear();
        while batch.len() < MAX_BATCH && arena.len() + RECV_BUFFER <= MAX_BATCH_BYTES {
            let start = arena.len();
            arena.resize(start + RECV_BUFFER, 0);
            match socket.try_recv_from(&mut arena[start..]) {
                Ok((len, from)) => {
                    arena.truncate(start + len);
                    if allowlist.admits(from.ip()) {
                        batch.push((start..start + len, from));
                    } else {
                        arena.truncate(start);
                        if let Some(udp) = &state.udp {
                            udp.record_dropped_by_allowlist();
                        }
                    }
                }
                Err(error) => {
                    arena.truncate(start);
                    if error.kind() != std::io::ErrorKind::WouldBlock {
                        tracing::warn!(%error, "UDP receive failed");
                    }
                    break;
                }
            }
        }
        if !batch.is_empty() {
            flush_at = state.ingest_batch(
                batch
                    .iter()
                    .map(|(range, from)| (arena.get(range.clone()).unwrap_or(&[]), Some(*from))),
                Origin::Esp32,
            );
        }
    }
}

/// The inode of the socket (`/proc/self/fd/N`), which names it in `/proc/net/udp`.
#[cfg(target_os = "linux")]
fn kernel_socket_inode(socket: &UdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let fd = socket.as_raw_fd();
    std::fs::metadata(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|m| m.ino())
}

#[cfg(not(target_os = "linux"))]
fn kernel_socket_inode(_socket: &UdpSocket) -> Option<u64> {
    None
}

/// UDP source filter (docs/wire.md §5.4): loopback always; otherwise the allowlist, if any.
#[derive(Debug, Clone)]
pub struct UdpAllowlist {
    networks: Vec<IpNet>,
}

impl UdpAllowlist {
    pub fn new(networks: Vec<IpNet>) -> Self {
        UdpAllowlist { networks }
    }

    pub fn admits(&self, source: IpAddr) -> bool {
        let source = match source {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(source, IpAddr::V4),
            v4 => v4,
        };
        source.is_loopback()
            || self.networks.is_empty()
            || self.networks.iter().any(|n| n.contains(&source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_ip_or_cidr;
    use crate::state::kernel_drops;

    #[test]
    fn allowlist_admits_loopback_and_listed_networks() {
        let list = UdpAllowlist::new(vec![parse_ip_or_cidr("192.168.1.0/24").unwrap()]);
        assert!(list.admits("127.0.0.1".parse().unwrap()));
        assert!(list.admits("::1".parse().unwrap()));
        assert!(list.admits("192.168.1.77".parse().unwrap()));
        assert!(list.admits("::ffff:192.168.1.77".parse().unwrap()));
        assert!(!list.admits("192.168.2.1".parse().unwrap()));
        assert!(UdpAllowlist::new(Vec::new()).admits("8.8.8.8".parse().unwrap()));
    }

    #[tokio::test]
    async fn a_bound_socket_reports_zero_drops() {
        let socket = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        if let Some(inode) = kernel_socket_inode(&socket) {
            assert_eq!(kernel_drops(inode), Some(0));
        }
    }
}
