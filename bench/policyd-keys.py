#!/usr/bin/python3
# policyd-keys.py DIR - the trust lists and lookup keys bench/policyd-run
# feeds every policy server: DIR/relay.txt (10k prefixes), DIR/deny.txt
# (1k), and keys "ADDRESS<TAB>deny|relay|other<TAB>1|0" classified here,
# apart from trustmx, by a plain prefix-set lookup (deny wins over relay;
# the last column says whether the relay list alone holds the address).
import ipaddress
import random
import sys

RELAY_INLINE = ["192.0.2.0/24", "198.51.100.0/25", "2001:db8:100::/48"]
DENY_INLINE = ["203.0.113.0/24", "198.51.100.128/25", "2001:db8:dead::/48"]


def random_prefix(rng, v6):
    """A random network, host bits clear: /16-/32 (IPv4) or /32-/64 (IPv6)."""
    if v6:
        plen = rng.choice([32, 36, 40, 44, 48, 48, 48, 56, 64, 64])
        addr = (0x2000 << 112) | rng.getrandbits(116)
        return ipaddress.ip_network((addr >> (128 - plen) << (128 - plen), plen))
    plen = rng.choice([16, 18, 20, 22, 24, 24, 24, 24, 26, 28, 29, 32, 32])
    addr = rng.randrange(1 << 24, 224 << 24)
    return ipaddress.ip_network((addr >> (32 - plen) << (32 - plen), plen))


def make_list(rng, count, v6_share, seen):
    """count distinct prefixes, v6_share of them IPv6."""
    out = []
    while len(out) < count:
        net = random_prefix(rng, rng.random() < v6_share)
        if net not in seen:
            seen.add(net)
            out.append(net)
    return out


class PrefixSet:
    """Membership by one set per prefix length: the oracle for the keys."""

    def __init__(self, nets):
        self.sets = {}
        for net in nets:
            key = (net.version, net.prefixlen)
            self.sets.setdefault(key, set()).add(int(net.network_address))

    def contains(self, addr):
        bits = 32 if addr.version == 4 else 128
        value = int(addr)
        for (version, plen), nets in self.sets.items():
            if version == addr.version and \
                    value >> (bits - plen) << (bits - plen) in nets:
                return True
        return False


def random_inside(rng, net):
    """A random address inside net."""
    return net.network_address + rng.randrange(net.num_addresses)


def make_keys(rng, count, v6_share, relay, deny, relay_set, deny_set):
    """count keys: about 40% drawn from relay prefixes, 15% from deny, the
    rest anywhere; each classified by the oracle, not by how it was drawn."""
    keys = []
    for _ in range(count):
        v6 = rng.random() < v6_share
        pick = rng.random()
        if pick < 0.40:
            pool = [n for n in rng.sample(relay, 8) if (n.version == 6) == v6]
            addr = random_inside(rng, pool[0]) if pool else None
        elif pick < 0.55:
            pool = [n for n in rng.sample(deny, 8) if (n.version == 6) == v6]
            addr = random_inside(rng, pool[0]) if pool else None
        else:
            addr = None
        if addr is None:
            addr = ipaddress.ip_address((0x2000 << 112) | rng.getrandbits(116)) \
                if v6 else ipaddress.ip_address(rng.randrange(1 << 24, 224 << 24))
        in_relay = relay_set.contains(addr)
        if deny_set.contains(addr):
            cls = "deny"
        elif in_relay:
            cls = "relay"
        else:
            cls = "other"
        keys.append("%s\t%s\t%d\n" % (addr, cls, in_relay))
    return keys


def main():
    out = sys.argv[1]
    rng = random.Random(20261122)
    seen = set()
    relay = make_list(rng, 10000, 0.10, seen)
    deny = make_list(rng, 1000, 0.10, seen)
    for name, nets in (("relay", relay), ("deny", deny)):
        with open("%s/%s.txt" % (out, name), "w") as fp:
            fp.write("# %s list for bench/policyd-run\n" % name)
            fp.writelines("%s\n" % n for n in nets)
    relay_all = relay + [ipaddress.ip_network(n) for n in RELAY_INLINE]
    deny_all = deny + [ipaddress.ip_network(n) for n in DENY_INLINE]
    relay_set, deny_set = PrefixSet(relay_all), PrefixSet(deny_all)
    # socketmap keys: IPv4 and IPv6; policy keys: IPv4 only, because
    # postfwd's client_address CIDR matching knows IPv4 only.
    with open(out + "/socketmap.keys", "w") as fp:
        fp.writelines(make_keys(rng, 20000, 0.15, relay_all, deny_all,
                                relay_set, deny_set))
    with open(out + "/policy.keys", "w") as fp:
        fp.writelines(make_keys(rng, 2000, 0.0, relay_all, deny_all,
                                relay_set, deny_set))
    with open(out + "/inline", "w") as fp:
        fp.write("relay %s\ndeny %s\n" % (" ".join(RELAY_INLINE),
                                          " ".join(DENY_INLINE)))


main()
