//! The client's address: the connection's peer, or behind a trusted reverse proxy the address
//! that proxy saw, from `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::ApiConfig;
use crate::error::ApiError;

/// The client's address, when the connection has one (a test calling the router directly has not).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress
where
    std::sync::Arc<ApiConfig>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let config = std::sync::Arc::<ApiConfig>::from_ref(state);
        Ok(Self(client_address(parts, &config.trusted_proxies)))
    }
}

pub(crate) fn client_address(parts: &Parts, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())?;
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    Some(resolve(peer, &forwarded, trusted_proxies))
}

/// Walks the proxy chain from the nearest hop: each trusted hop vouches for the address before it,
/// and the first untrusted one is the client. Anything a client wrote itself sits to the left of
/// what the proxies appended, so it is never believed. An unreadable entry stops the walk at the
/// last hop that was trusted.
fn resolve(peer: IpAddr, forwarded: &[&str], trusted_proxies: &[IpNet]) -> IpAddr {
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(&ip));
    let mut client = peer;
    let hops = forwarded
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .rev();
    for hop in hops {
        if !trusted(client) {
            break;
        }
        match hop.parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    client
}

/// Reads `BAF_TRUSTED_PROXIES` entries: a network (`10.0.0.0/8`) or one address.
pub fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("'{text}' is neither an address nor a network such as 10.0.0.0/8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxies = [
            parse_proxy("10.0.0.0/8").unwrap(),
            parse_proxy("::1").unwrap(),
        ];
        let direct = ip("203.0.113.7");
        assert_eq!(
            resolve(direct, &["198.51.100.1"], &proxies),
            direct,
            "a client cannot name itself"
        );
        assert_eq!(
            resolve(ip("10.1.2.3"), &["198.51.100.1"], &proxies),
            ip("198.51.100.1")
        );
        assert_eq!(
            resolve(
                ip("10.1.2.3"),
                &["6.6.6.6, 198.51.100.1", "10.9.9.9"],
                &proxies
            ),
            ip("198.51.100.1"),
            "the chain is walked from the nearest hop and stops at the first untrusted one"
        );
        assert_eq!(
            resolve(ip("10.1.2.3"), &["not-an-address"], &proxies),
            ip("10.1.2.3")
        );
        assert_eq!(resolve(ip("::1"), &[], &proxies), ip("::1"));
        assert_eq!(
            resolve(ip("10.1.2.3"), &["198.51.100.1"], &[]),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn proxies_are_networks_or_addresses() {
        assert!(parse_proxy("192.168.0.0/16").is_ok());
        assert_eq!(
            parse_proxy(" 127.0.0.1 ").unwrap(),
            "127.0.0.1/32".parse::<IpNet>().unwrap()
        );
        assert!(parse_proxy("proxy.local").is_err());
    }
}
