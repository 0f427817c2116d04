//! Host-header guard, bearer token and UDP source allowlist (docs/wire.md §5).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::http::tickets::{ticket_param, TicketBook};

/// Exact body of a 401 (docs/wire.md §5.2).
pub const UNAUTHORIZED_BODY: &str =
    "missing or invalid bearer token (set Authorization: Bearer <RUVIEW_API_TOKEN>)";

const DEFAULT_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// An allowed Host entry: a host name and, optionally, the only port it may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostRule {
    host: String,
    port: Option<String>,
}

/// Splits `host[:port]`, keeping IPv6 brackets on the host part.
fn split_host_port(value: &str) -> (&str, Option<&str>) {
    if value.starts_with('[') {
        return match value.find(']') {
            Some(end) => {
                let (host, rest) = value.split_at(end + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (value, None),
        };
    }
    match value.rsplit_once(':') {
        // A bare IPv6 address without brackets has several colons; keep it whole.
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (value, None),
    }
}

/// Parses a `Host` header value strictly (RFC 9110 `uri-host [ ":" port ]`): a bracketed IPv6
/// literal or a name of letters, digits, `.`, `-` and `_`, then nothing or `:` and 1-5 digits.
/// Returns the lower-cased host and the port.
fn parse_host_header(value: &str) -> Result<(String, Option<&str>), &'static str> {
    let (host, rest) = if value.starts_with('[') {
        let end = value.find(']').ok_or("unclosed IPv6 bracket")?;
        let (host, rest) = value.split_at(end + 1);
        let inner = &host[1..host.len() - 1];
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err("invalid IPv6 literal");
        }
        (host, rest)
    } else {
        let end = value.find(':').unwrap_or(value.len());
        let (host, rest) = value.split_at(end);
        let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if host.is_empty() || !host.chars().all(name_char) {
            return Err("invalid host name");
        }
        (host, rest)
    };
    let port = match rest {
        "" => None,
        _ => {
            let port = rest.strip_prefix(':').ok_or("text after the host")?;
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Err("invalid port");
            }
            Some(port)
        }
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// 400: no `Host` header.
    MissingHost,
    /// 400: a `Host` header that is not one valid `host[:port]` (or more than one header).
    MalformedHost { reason: &'static str },
    /// 421: the raw `Host` value and the host name to allow.
    HostNotAllowed { value: String, host: String },
    /// 401: missing or wrong bearer token.
    Unauthorized,
}

impl Rejection {
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::MissingHost | Rejection::MalformedHost { .. } => StatusCode::BAD_REQUEST,
            Rejection::HostNotAllowed { .. } => StatusCode::MISDIRECTED_REQUEST,
            Rejection::Unauthorized => StatusCode::UNAUTHORIZED,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match self {
            Rejection::MissingHost => "missing Host header".to_string(),
            Rejection::MalformedHost { reason } => format!("malformed Host header: {reason}"),
            Rejection::HostNotAllowed { value, host } => format!(
                "Host {value:?} is not allowed (DNS-rebinding protection); \
                 start the server with --allowed-host {host} to accept it"
            ),
            Rejection::Unauthorized => UNAUTHORIZED_BODY.to_string(),
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Request guards shared by both listeners.
#[derive(Debug)]
pub struct Security {
    host_rules: Option<Vec<HostRule>>,
    token: Option<Vec<u8>>,
    pub tickets: TicketBook,
}

impl Security {
    /// `allowed_hosts` adds to the loopback defaults; `None` for `validate_hosts = false`
    /// turns the guard off.
    pub fn new(allowed_hosts: &[String], validate_hosts: bool, token: Option<&str>) -> Self {
        let host_rules = validate_hosts.then(|| {
            DEFAULT_HOSTS
                .iter()
                .map(|h| HostRule {
                    host: (*h).to_string(),
                    port: None,
                })
                .chain(
                    allowed_hosts
                        .iter()
                        .map(|entry| entry.trim())
                        .filter(|e| !e.is_empty())
                        .map(|entry| {
                            let (host, port) = split_host_port(entry);
                            HostRule {
                                host: host.to_ascii_lowercase(),
                                port: port.map(str::to_string),
                            }
                        }),
                )
                .collect()
        });
        Security {
            host_rules,
            token: token
                .filter(|t| !t.is_empty())
                .map(|t| t.as_bytes().to_vec()),
            tickets: TicketBook::default(),
        }
    }

    /// Whether a bearer token is configured (tickets exist only then).
    pub fn token_required(&self) -> bool {
        self.token.is_some()
    }

    /// Host check (400 missing, 421 not allowed).
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        let Some(rules) = &self.host_rules else {
            return Ok(());
        };
        let mut values = headers.get_all(header::HOST).iter();
        let Some(value) = values.next() else {
            return Err(Rejection::MissingHost);
        };
        if values.next().is_some() {
            return Err(Rejection::MalformedHost {
                reason: "more than one Host header",
            });
        }
        let value = value.to_str().map_err(|_| Rejection::MalformedHost {
            reason: "not visible ASCII",
        })?;
        let (host, port) = parse_host_header(value.trim())
            .map_err(|reason| Rejection::MalformedHost { reason })?;
        let allowed = rules
            .iter()
            .any(|rule| rule.host == host && rule.port.as_deref().is_none_or(|p| Some(p) == port));
        if allowed {
            Ok(())
        } else {
            Err(Rejection::HostNotAllowed {
                value: value.to_string(),
                host,
            })
        }
    }

    /// Bearer check for protected paths (401 of docs/wire.md §5.2).
    pub fn check_token(&self, path: &str, headers: &HeaderMap) -> Result<(), Rejection> {
        let Some(expected) = &self.token else {
            return Ok(());
        };
        if !is_protected(path) {
            return Ok(());
        }
        let provided = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().as_bytes());
        match provided {
            Some(provided) if tokens_equal(expected, provided) => Ok(()),
            _ => Err(Rejection::Unauthorized),
        }
    }
}

/// Paths behind the bearer token: everything under `/api/v1/` and `/ws/`.
fn is_protected(path: &str) -> bool {
    path.starts_with("/api/v1/") || path == "/api/v1" || path.starts_with("/ws/")
}

/// Protected WebSocket paths, where a ticket may replace the bearer header.
fn is_websocket_path(path: &str) -> bool {
    path.starts_with("/ws/") || path == "/api/v1/stream/pose"
}

/// A WebSocket upgrade request: `Upgrade: websocket` and `Connection` listing `upgrade`.
fn is_upgrade_request(headers: &HeaderMap) -> bool {
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    has_token(header::UPGRADE, "websocket") && has_token(header::CONNECTION, "upgrade")
}

/// Constant-time comparison: the work depends only on the expected token's length, and
/// every byte is compared even after a mismatch.
fn tokens_equal(expected: &[u8], provided: &[u8]) -> bool {
    let mut equal = (expected.len() as u64).ct_eq(&(provided.len() as u64));
    for (index, byte) in expected.iter().enumerate() {
        let other = provided.get(index).copied().unwrap_or(!*byte);
        equal &= byte.ct_eq(&other);
    }
    equal.into()
}

/// Axum middleware: Host guard first, then the bearer token.
pub async fn guard(
    State(security): State<Arc<Security>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let checked = security.check_host(request.headers()).and_then(|()| {
        security
            .check_token(path, request.headers())
            .or_else(|rejection| {
                // A ticket stands in for the header on WebSocket upgrades only (docs/wire.md §5.3):
                // a plain GET of the same URL is refused without spending the ticket.
                let upgrade = is_websocket_path(path) && is_upgrade_request(request.headers());
                let ticket = upgrade
                    .then(|| ticket_param(request.uri().query()))
                    .flatten();
                match ticket {
                    Some(ticket) if security.tickets.redeem(ticket, Instant::now()) => Ok(()),
                    _ => Err(rejection),
                }
            })
    });
    if let Err(rejection) = checked {
        return rejection.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn loopback_hosts_pass_with_any_port() {
        let security = Security::new(&[], true, None);
        for host in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1:1",
            "[::1]:8765",
            "[::1]",
        ] {
            assert!(
                security
                    .check_host(&headers(&[(header::HOST, host)]))
                    .is_ok(),
                "{host}"
            );
        }
    }

    #[test]
    fn foreign_host_gets_421_and_missing_host_400() {
        let security = Security::new(&[], true, None);
        let rejected = security
            .check_host(&headers(&[(header::HOST, "192.168.1.5:8080")]))
            .unwrap_err();
        assert_eq!(rejected.status(), StatusCode::MISDIRECTED_REQUEST);
        let missing = security.check_host(&HeaderMap::new()).unwrap_err();
        assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn allowed_host_with_and_without_port() {
        let security = Security::new(
            &["Sensor.LAN".to_string(), "10.0.0.2:9000".to_string()],
            true,
            None,
        );
        assert!(security
            .check_host(&headers(&[(header::HOST, "sensor.lan:1234")]))
            .is_ok());
        assert!(security
            .check_host(&headers(&[(header::HOST, "10.0.0.2:9000")]))
            .is_ok());
        assert!(security
            .check_host(&headers(&[(header::HOST, "10.0.0.2:9001")]))
            .is_err());
    }

    #[test]
    fn disabled_guard_accepts_anything() {
        let security = Security::new(&[], false, None);
        assert!(security
            .check_host(&headers(&[(header::HOST, "evil.example")]))
            .is_ok());
    }

    #[test]
    fn bearer_token_protects_api_and_ws_only() {
        let security = Security::new(&[], true, Some("s3cret"));
        let none = HeaderMap::new();
        let good = headers(&[(header::AUTHORIZATION, "bearer s3cret")]);
        let bad = headers(&[(header::AUTHORIZATION, "Bearer s3cres")]);
        let longer = headers(&[(header::AUTHORIZATION, "Bearer s3cret!")]);
        assert!(security.check_token("/health", &none).is_ok());
        assert!(security.check_token("/", &none).is_ok());
        assert!(security.check_token("/api/v1/nodes", &good).is_ok());
        for (path, h) in [
            ("/api/v1/nodes", &none),
            ("/ws/sensing", &bad),
            ("/api/v1/info", &longer),
        ] {
            assert_eq!(security.check_token(path, h), Err(Rejection::Unauthorized));
            let response = Rejection::Unauthorized.into_response();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        }
    }

    #[test]
    fn token_comparison() {
        assert!(tokens_equal(b"abc", b"abc"));
        assert!(!tokens_equal(b"abc", b"abd"));
        assert!(!tokens_equal(b"abc", b"ab"));
        assert!(!tokens_equal(b"abc", b"abcd"));
        assert!(!tokens_equal(b"abc", b""));
    }

    #[test]
    fn host_headers_are_parsed_strictly() {
        let guard = Security::new(&[], true, None);
        let check = |pairs: &[(&str, &[u8])]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.append(
                    header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_bytes(value).unwrap(),
                );
            }
            guard.check_host(&map)
        };
        let malformed = |reason| Err(Rejection::MalformedHost { reason });
        assert_eq!(
            check(&[("host", b"[::1]evil.example")]),
            malformed("text after the host")
        );
        assert_eq!(check(&[("host", b"[::1]:80x")]), malformed("invalid port"));
        assert_eq!(
            check(&[("host", b"localhost"), ("host", b"evil.example")]),
            malformed("more than one Host header")
        );
        assert_eq!(
            check(&[("host", "h\u{f6}st".as_bytes())]),
            malformed("not visible ASCII")
        );
        assert_eq!(
            check(&[("host", b"local host")]),
            malformed("invalid host name")
        );
        assert_eq!(check(&[]), Err(Rejection::MissingHost));
        assert_eq!(check(&[("host", b"[::1]:8080")]), Ok(()));
        assert_eq!(check(&[("host", b"LOCALHOST:8080")]), Ok(()));
    }

    #[test]
    fn only_an_upgrade_request_is_an_upgrade() {
        let upgrade = headers(&[
            (header::UPGRADE, "WebSocket"),
            (header::CONNECTION, "keep-alive, Upgrade"),
        ]);
        assert!(is_upgrade_request(&upgrade));
        assert!(!is_upgrade_request(&headers(&[(
            header::CONNECTION,
            "upgrade"
        )])));
        assert!(!is_upgrade_request(&headers(&[(
            header::UPGRADE,
            "websocket"
        )])));
        assert!(!is_upgrade_request(&HeaderMap::new()));
    }
}
