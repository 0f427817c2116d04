//! UDP ingest of ESP32 datagrams (wire.md 1.1, 1.11, 5.4).

use std::net::SocketAddr;
use std::sync::Arc;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use crate::app::{wait_for_shutdown, AppState};
use crate::engine::Origin;
use crate::security::UdpAllowlist;

/// Read buffer: large enough that an oversize datagram is seen whole and rejected as
/// `oversize` rather than silently truncated.
pub const RECV_BUFFER: usize = 65_536;
/// Kernel receive buffer requested, so bursts are queued rather than dropped.
const SOCKET_RCVBUF: usize = 8 * 1024 * 1024;

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
pub async fn run(state: Arc<AppState>, socket: UdpSocket) {
    let allowlist = UdpAllowlist::new(state.config.udp_allow.clone());
    let mut buffer = vec![0u8; RECV_BUFFER];
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    loop {
        let received = tokio::select! {
            received = socket.recv_from(&mut buffer) => received,
            () = &mut shutdown => return,
        };
        match received {
            Ok((len, from)) => {
                if !allowlist.admits(from.ip()) {
                    if let Some(udp) = &state.udp {
                        udp.record_dropped_by_allowlist();
                    }
                    continue;
                }
                let data = buffer.get(..len).unwrap_or(&[]);
                state.ingest_datagram(data, Some(from), Origin::Esp32, None);
            }
            Err(error) => tracing::warn!(%error, "UDP receive failed"),
        }
    }
}
