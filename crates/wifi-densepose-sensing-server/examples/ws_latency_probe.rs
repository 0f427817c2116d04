//! Packet-to-WebSocket latency probe for `benchmarks/bench_server.py`.
//!
//! Connects `--clients` WebSocket clients to a running server, then sends raw CSI datagrams
//! at `--rate` per second for `--seconds`. Datagram i carries i in base 100 in the amplitudes
//! of bins 0, 1 and 2 (so up to 1,000,000 datagrams), which the server echoes in
//! `nodes[0].amplitude`. Every client reads every message; the first `--probes` clients time
//! the first arrival of each index. Sender and clients share one clock, so latency =
//! arrival − send. Prints one JSON object: p50, p99 and max in ms, and the fraction of
//! (probe, packet) pairs delivered.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

const BINS: usize = 64;

#[derive(Debug)]
struct Options {
    ws_port: u16,
    udp_port: u16,
    clients: usize,
    probes: usize,
    rate: f64,
    seconds: f64,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        ws_port: 8765,
        udp_port: 5005,
        clients: 1,
        probes: 10,
        rate: 1000.0,
        seconds: 5.0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            return Err(format!("missing value after {pair:?}"));
        };
        let bad = |_| format!("bad value {value:?} for {flag}");
        match flag.as_str() {
            "--ws-port" => options.ws_port = value.parse().map_err(bad)?,
            "--udp-port" => options.udp_port = value.parse().map_err(bad)?,
            "--clients" => options.clients = value.parse().map_err(bad)?,
            "--probes" => options.probes = value.parse().map_err(bad)?,
            "--rate" => options.rate = value.parse().map_err(|_| format!("bad rate {value:?}"))?,
            "--seconds" => {
                options.seconds = value
                    .parse()
                    .map_err(|_| format!("bad seconds {value:?}"))?
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(options)
}

/// A 64-bin raw CSI frame of node 1 whose bins 0, 1 and 2 encode `marker` in base 100
/// (docs/wire.md §1.3).
fn datagram(sequence: u32, marker: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(20 + 2 * BINS);
    bytes.extend_from_slice(&0xC511_0001u32.to_le_bytes());
    bytes.push(1);
    bytes.push(1);
    bytes.extend_from_slice(&(BINS as u16).to_le_bytes());
    bytes.extend_from_slice(&2437u32.to_le_bytes());
    bytes.extend_from_slice(&sequence.to_le_bytes());
    bytes.extend_from_slice(&[(-50i8) as u8, (-90i8) as u8, 0, 0]);
    for k in 0..BINS {
        let (i, q) = match k {
            0 => ((marker % 100) as u8, 0),
            1 => ((marker / 100 % 100) as u8, 0),
            2 => ((marker / 10_000 % 100) as u8, 0),
            _ => (((10 + k) % 40) as u8, ((5 + 3 * k) % 30) as u8),
        };
        bytes.extend_from_slice(&[i, q]);
    }
    bytes
}

/// The marker in `"amplitude":[a,b,c,` of the first node.
fn marker(text: &str) -> Option<usize> {
    let start = text.find("\"amplitude\":[")? + "\"amplitude\":[".len();
    let mut marker = 0;
    for (digit, value) in text.get(start..)?.splitn(4, ',').take(3).enumerate() {
        let value: f64 = value.parse().ok()?;
        marker += value.round() as usize * 100usize.pow(digit as u32);
    }
    Some(marker)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((p * sorted.len() as f64) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = parse_options()?;
    let url = format!("ws://127.0.0.1:{}/ws/sensing", options.ws_port);
    let start = Instant::now();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut readers = Vec::new();
    // tungstenite zero-fills its read buffer (128 KiB by default) before every read; the
    // clients share the machine with the server, so they read in 16 KiB instead.
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    for index in 0..options.clients {
        let (stream, _) =
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false).await?;
        let probe = index < options.probes;
        let mut stopped = stopped.clone();
        readers.push(tokio::spawn(async move {
            let (_, mut read) = stream.split();
            let mut first_seen: HashMap<usize, Duration> = HashMap::new();
            loop {
                let message = tokio::select! {
                    message = read.next() => message,
                    _ = stopped.wait_for(|stop| *stop) => break,
                };
                let Some(Ok(message)) = message else { break };
                if let (true, Message::Text(text)) = (probe, message) {
                    if let Some(m) = marker(text.as_str()) {
                        first_seen.entry(m).or_insert_with(|| start.elapsed());
                    }
                }
            }
            probe.then_some(first_seen)
        }));
    }

    let total = (options.rate * options.seconds) as usize;
    let packets: Vec<Vec<u8>> = (0..total)
        .map(|i| datagram(i as u32, i % 1_000_000))
        .collect();
    let udp_port = options.udp_port;
    let rate = options.rate;
    let send_start = Instant::now();
    // Paced on a dedicated thread that sleeps until each packet is due: tokio's timer wheel
    // is too coarse for 1 ms, and a spin wait would take a whole core from the server and the
    // clients. Latency is timed from the actual send, so a late wake-up does not count.
    let sent_at: Arc<Vec<Duration>> = Arc::new(
        tokio::task::spawn_blocking(move || -> std::io::Result<Vec<Duration>> {
            let socket = UdpSocket::bind("127.0.0.1:0")?;
            let mut sent_at = Vec::with_capacity(packets.len());
            for (i, packet) in packets.iter().enumerate() {
                let due = send_start + Duration::from_secs_f64(i as f64 / rate);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                sent_at.push(start.elapsed());
                socket.send_to(packet, ("127.0.0.1", udp_port))?;
            }
            Ok(sent_at)
        })
        .await??,
    );
    // Let the last messages arrive, then stop reading.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.send_replace(true);
    let mut latencies_ms = Vec::new();
    let mut probes = 0usize;
    for reader in readers {
        if let Ok(Some(first_seen)) = reader.await {
            probes += 1;
            for (m, arrival) in first_seen {
                if let Some(sent) = sent_at.get(m) {
                    latencies_ms.push(arrival.saturating_sub(*sent).as_secs_f64() * 1000.0);
                }
            }
        }
    }
    latencies_ms.sort_by(f64::total_cmp);
    let delivered = latencies_ms.len() as f64 / (probes.max(1) * total) as f64;
    println!(
        "{{\"p50\": {:.4}, \"p99\": {:.4}, \"max\": {:.4}, \"delivered\": {:.6}, \"probes\": {probes}}}",
        percentile(&latencies_ms, 0.50),
        percentile(&latencies_ms, 0.99),
        latencies_ms.last().copied().unwrap_or(f64::NAN),
        delivered,
    );
    Ok(())
}
