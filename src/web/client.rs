//! Who is on the other end of a request: the client's address (what rate limits key on) and
//! the host it asked for (what the Origin check compares with).
//!
//! Forwarded headers (`X-Forwarded-For`, `X-Forwarded-Host`, `X-Forwarded-Proto`) are believed
//! only when the TCP peer is one of the `--trusted-proxies`; from anyone else they are ignored,
//! since any client can send them. (actix's `connection_info()` believes them from everyone,
//! so it is not used for either purpose.)

use actix_web::HttpRequest;
use actix_web::http::header::{HOST, HeaderMap};
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// One address (`10.0.0.2`, `::1`) or a network in CIDR form (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4 clients of a dual-stack listener arrive as `::ffff:a.b.c.d`; compare them as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network =
            canonical(address.parse::<IpAddr>().map_err(|_| {
                format!("`{text}` is not an IP address or a network like 10.0.0.0/8")
            })?);
        let longest = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => longest,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= longest)
                .ok_or_else(|| format!("`{text}`: the prefix length must be 0 to {longest}"))?,
        };
        Ok(IpRange { network, prefix })
    }
}

/// The reverse proxies whose forwarded headers are believed (`--trusted-proxies`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    /// A comma-separated list of addresses and networks; empty trusts nobody.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(IpRange::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }
}

/// `10.0.0.2/32,10.1.0.0/16`, as `--check-config` shows it.
impl std::fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, range) in self.0.iter().enumerate() {
            let separator = if n == 0 { "" } else { "," };
            write!(f, "{separator}{}/{}", range.network, range.prefix)?;
        }
        Ok(())
    }
}

/// What the request says about its client, as far as it can be believed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address: the TCP peer, or behind trusted proxies the nearest untrusted
    /// address in `X-Forwarded-For`. "unknown" when there is no peer (never in practice).
    pub address: String,
    /// The host (and port) the client asked for.
    pub host: String,
    /// `http` or `https`, as the client used it.
    pub scheme: String,
}

/// The values of every `name` header, in order, split at commas.
fn list_values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect()
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port (`1.2.3.4:5`, `[::1]:5`).
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

/// The pure core of [`client_info`]: `peer` is the TCP peer, `direct_host` the `Host` the
/// request itself carries.
pub fn resolve(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    direct_host: &str,
    trusted: &TrustedProxies,
) -> ClientInfo {
    let peer = peer.map(canonical);
    let via_proxy = peer.is_some_and(|p| trusted.trusts(p));
    let mut address = peer;
    if via_proxy {
        // Read from the right: each trusted proxy appended the address it saw; the first
        // untrusted one is the client (anything left of it, the client could have made up).
        for entry in list_values(headers, "x-forwarded-for").into_iter().rev() {
            match forwarded_address(entry) {
                Some(ip) => {
                    address = Some(ip);
                    if !trusted.trusts(ip) {
                        break;
                    }
                }
                None => break,
            }
        }
    }
    let forwarded = |name: &str| {
        via_proxy
            .then(|| {
                list_values(headers, name)
                    .into_iter()
                    .rev()
                    .find(|v| !v.is_empty())
            })
            .flatten()
    };
    ClientInfo {
        address: address.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        host: forwarded("x-forwarded-host")
            .unwrap_or(direct_host)
            .to_owned(),
        scheme: forwarded("x-forwarded-proto")
            .map(str::to_ascii_lowercase)
            .filter(|s| s == "http" || s == "https")
            .unwrap_or_else(|| "http".to_owned()),
    }
}

/// The client address and host of a request, believing forwarded headers only from the
/// trusted proxies configured in the app state.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    let trusted = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| state.trusted_proxies.clone())
        .unwrap_or_default();
    let direct_host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    resolve(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        &direct_host,
        &trusted,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(list: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in list {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn ranges_hold_their_addresses_only() {
        let net: IpRange = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one: IpRange = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(one.contains("::ffff:192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6: IpRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        let everything: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains("203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn a_bad_proxy_list_says_which_entry_is_wrong() {
        assert_eq!(TrustedProxies::parse(""), Ok(TrustedProxies::default()));
        assert_eq!(
            TrustedProxies::parse(" 10.0.0.1, 10.0.0.0/8 ").map(|t| t.0.len()),
            Ok(2)
        );
        assert!(
            TrustedProxies::parse("10.0.0.1, proxy")
                .unwrap_err()
                .contains("`proxy`")
        );
        assert!(
            TrustedProxies::parse("10.0.0.0/33")
                .unwrap_err()
                .contains("0 to 32")
        );
    }

    #[test]
    fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
        let sent = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-proto", "https"),
        ]);
        let trusted = TrustedProxies::parse("10.0.0.1").unwrap();
        for trust in [TrustedProxies::default(), trusted] {
            let info = resolve(ip("203.0.113.9"), &sent, "rehearse.example", &trust);
            assert_eq!(info.address, "203.0.113.9");
            assert_eq!(info.host, "rehearse.example");
            assert_eq!(info.scheme, "http");
        }
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_nearest_untrusted_address() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // The client made up the first entry; the proxies added the rest.
        let sent = headers(&[
            ("x-forwarded-for", "198.51.100.1, 203.0.113.9"),
            ("x-forwarded-for", "10.0.0.7"),
            ("x-forwarded-host", "rehearse.example"),
            ("x-forwarded-proto", "HTTPS"),
        ]);
        let info = resolve(ip("10.0.0.2"), &sent, "backend:8080", &trusted);
        assert_eq!(info.address, "203.0.113.9");
        assert_eq!(info.host, "rehearse.example");
        assert_eq!(info.scheme, "https");
        // Only trusted hops: the leftmost is the client.
        let internal = headers(&[("x-forwarded-for", "10.0.0.9, 10.0.0.7")]);
        let info = resolve(ip("10.0.0.2"), &internal, "backend:8080", &trusted);
        assert_eq!(info.address, "10.0.0.9");
        assert_eq!(info.host, "backend:8080");
        // Garbage stops the walk at the last address a proxy vouched for.
        let garbage = headers(&[("x-forwarded-for", "not-an-ip, 10.0.0.7")]);
        let info = resolve(ip("10.0.0.2"), &garbage, "backend:8080", &trusted);
        assert_eq!(info.address, "10.0.0.7");
        // Ports are allowed in entries.
        let ported = headers(&[("x-forwarded-for", "[2001:db8::1]:4711")]);
        let info = resolve(ip("10.0.0.2"), &ported, "backend:8080", &trusted);
        assert_eq!(info.address, "2001:db8::1");
    }
}
