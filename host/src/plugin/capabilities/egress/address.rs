//! Which resolved addresses a connector may not reach: the host's own
//! network. A name in a manifest's allowlist proves nothing about where it
//! points (a vendor's DNS can answer 127.0.0.1 or the cloud metadata address),
//! so the host vets the address it is about to connect to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` is off limits, or `None` when it is a public address.
pub(crate) fn prohibited(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => prohibited_v4(v4),
        IpAddr::V6(v6) => prohibited_v6(v6),
    }
}

fn prohibited_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified (\"this network\")")
    } else if ip.is_link_local() {
        // 169.254.169.254 is where clouds serve instance credentials.
        Some("link-local (including the cloud metadata service)")
    } else if ip.is_private() {
        Some("private (RFC 1918)")
    } else if a == 100 && (b & 0b1100_0000) == 64 {
        Some("shared carrier-grade NAT (100.64.0.0/10)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || a >= 240 {
        Some("reserved or broadcast")
    } else if a == 192 && b == 0 && ip.octets()[2] == 0 {
        Some("IETF protocol assignments (192.0.0.0/24)")
    } else if a == 198 && (b & 0xfe) == 18 {
        Some("benchmarking (198.18.0.0/15)")
    } else {
        None
    }
}

fn prohibited_v6(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address dressed as IPv6 reaches the same host.
    if let Some(v4) = embedded_v4(ip) {
        return prohibited_v4(v4);
    }
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_unicast_link_local() || (first & 0xffc0) == 0xfec0 {
        Some("link-local")
    } else if ip.is_unique_local() {
        Some("private (unique local, fc00::/7)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let compatible = s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if compatible || nat64 {
        Some(tail)
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(ip: &str) -> Option<&'static str> {
        prohibited(ip.parse().unwrap())
    }

    #[test]
    fn the_hosts_own_networks_are_prohibited() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(reason(ip).is_some(), "{ip} must be prohibited");
        }
        assert_eq!(reason("169.254.169.254"), reason("::ffff:169.254.169.254"));
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "8.8.8.8",
            "14.225.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(reason(ip), None, "{ip} is public");
        }
    }
}
