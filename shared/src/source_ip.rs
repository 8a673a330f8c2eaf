//! `ALLOWED_SOURCE_IPS`: an optional allow-list of the addresses deliveries
//! may come from (Codat, for one, publishes its sending addresses).
//!
//! A second fence beside the signature, never instead of it: a request from
//! elsewhere is answered 403 before any other work.

use std::net::IpAddr;

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// One `address/prefix` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`, `x::y/n`, or a bare address (a block of one).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().ok()?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(width);
        (prefix <= width).then_some(Cidr { network, prefix })
    }

    /// Whether `ip` is in the block (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Parses a comma-separated list of blocks; `None` if any entry is invalid.
pub fn parse_list(text: &str) -> Option<Vec<Cidr>> {
    text.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(Cidr::parse)
        .collect()
}

/// The address a request came from: API Gateway's and function URLs'
/// `sourceIp`, or for ALB the last `X-Forwarded-For` entry (the one the load
/// balancer itself appended; earlier ones are the client's to invent).
pub fn source_ip(request: &Request) -> Option<IpAddr> {
    let from_context = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
        _ => None,
    };
    let text = from_context.or_else(|| {
        let forwarded = request.headers().get_all("x-forwarded-for").iter().next_back()?;
        forwarded
            .to_str()
            .ok()?
            .rsplit(',')
            .next()
            .map(|ip| ip.trim().to_owned())
    })?;
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_contain_what_they_should() {
        let codat = parse_list("4.159.114.108, 20.117.190.191/32").unwrap();
        assert!(codat.iter().any(|c| c.contains(ip("4.159.114.108"))));
        assert!(codat.iter().any(|c| c.contains(ip("::ffff:20.117.190.191"))));
        assert!(!codat.iter().any(|c| c.contains(ip("4.159.114.109"))));
        let block = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(block.contains(ip("10.1.255.3")) && !block.contains(ip("10.2.0.1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
    }

    #[test]
    fn invalid_lists_are_refused() {
        for bad in ["10.0.0.0/33", "not-an-ip", "10.0.0.0/x", "::/129"] {
            assert_eq!(parse_list(bad), None, "{bad}");
        }
        assert_eq!(parse_list(" , ").map(|l| l.len()), Some(0));
    }
}
