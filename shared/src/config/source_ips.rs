//! `ALLOWED_SOURCE_IPS` as a setting: the address blocks deliveries may
//! come from (Codat, for one, publishes its sending addresses). The fence
//! itself is [`crate::pipeline`]'s.

use std::net::IpAddr;

use ipnet::IpNet;

/// One `address/prefix` block (`ipnet`'s), or a bare address as a block
/// of one.
pub type Cidr = IpNet;

/// Parses `a.b.c.d/n`, `x::y/n`, or a bare address (a block of one).
fn parse_block(text: &str) -> Option<Cidr> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Whether `ip` is in one of `blocks`; an IPv4-mapped IPv6 address counts
/// as the IPv4 address it maps.
pub(crate) fn allowed(blocks: &[Cidr], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    blocks.iter().any(|block| block.contains(&ip))
}

/// Parses a comma-separated list of blocks; `None` if any entry is invalid.
pub fn parse_list(text: &str) -> Option<Vec<Cidr>> {
    text.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(parse_block)
        .collect()
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
        assert!(allowed(&codat, ip("4.159.114.108")));
        assert!(allowed(&codat, ip("::ffff:20.117.190.191")));
        assert!(!allowed(&codat, ip("4.159.114.109")));
        let block = parse_list("10.1.0.0/16").unwrap();
        assert!(allowed(&block, ip("10.1.255.3")) && !allowed(&block, ip("10.2.0.1")));
        assert!(allowed(&parse_list("0.0.0.0/0").unwrap(), ip("203.0.113.9")));
        let v6 = parse_list("2001:db8::/32").unwrap();
        assert!(allowed(&v6, ip("2001:db8:1::1")) && !allowed(&v6, ip("2001:db9::1")));
        assert!(!allowed(&v6, ip("10.0.0.1")));
        // A block written with host bits set is the block they are in.
        assert!(allowed(&parse_list("10.1.2.3/16").unwrap(), ip("10.1.200.1")));
    }

    #[test]
    fn invalid_lists_are_refused() {
        for bad in ["10.0.0.0/33", "not-an-ip", "10.0.0.0/x", "::/129"] {
            assert_eq!(parse_list(bad), None, "{bad}");
        }
        assert_eq!(parse_list(" , ").map(|l| l.len()), Some(0));
    }
}
