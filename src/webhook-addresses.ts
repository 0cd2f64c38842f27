// Which addresses a webhook may not reach (unless WEBHOOK_ALLOW_PRIVATE): loopback, private,
// link-local, reserved — and the IPv6 forms that carry an IPv4 address, judged as that address.
// Used at submission (literal hosts) and as each connection is made (names); it sends nothing.
import { type LookupAddress, type LookupAllOptions, lookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const privateAddresses = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3], // multicast and reserved, to the end of the space
] as const)
  privateAddresses.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8], // multicast
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): translates into the operator's own network
  ['2001::', 32], // Teredo: tunnels to an IPv4 address we cannot judge
] as const)
  privateAddresses.addSubnet(net, bits, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad made two groups). */
function groupsOf(address: string): number[] {
  let text = address.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const all =
    tail === undefined
      ? groups(head)
      : [
          ...groups(head),
          ...Array(8 - groups(head).length - groups(tail).length).fill('0'),
          ...groups(tail),
        ];
  return all.map((g) => Number.parseInt(g, 16));
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * The IPv4 address an IPv6 one carries, by the forms that route to it: IPv4-mapped
 * (::ffff:0:0/96), IPv4-compatible (::/96, which holds :: and ::1 too), NAT64 (64:ff9b::/96) and
 * 6to4 (2002::/16). A DNS64 resolver makes NAT64 addresses for public hosts, so these are judged
 * by what they carry rather than refused wholesale.
 */
export function embeddedIpv4(address: string): string | null {
  const g = groupsOf(address);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (g[5] === 0 || g[5] === 0xffff)) return ipv4Of(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return ipv4Of(g[6]!, g[7]!);
  if (g[0] === 0x2002) return ipv4Of(g[1]!, g[2]!);
  return null;
}

/** True for an address a webhook may not reach; false for a name (not an address). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.split('%')[0]!; // fe80::1%eth0: the zone is not part of the address
  const family = isIP(bare);
  if (family === 4) return privateAddresses.check(bare, 'ipv4');
  if (family !== 6) return false;
  const ipv4 = embeddedIpv4(bare);
  return ipv4 !== null
    ? privateAddresses.check(ipv4, 'ipv4')
    : privateAddresses.check(bare, 'ipv6');
}

export class BlockedAddressError extends Error {}

type LookupAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A connection's `lookup` that refuses a name resolving to any private address. DNS answers are
 * checked as the connection is made (not before), so a name cannot resolve to a public address
 * for a check and to a private one for the request. `resolve` is the system resolver's.
 */
export function publicOnlyLookup(resolve: LookupAll = lookup as LookupAll): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const blocked = addresses.find((a) => isPrivateAddress(a.address));
      if (blocked)
        return callback(
          new BlockedAddressError(`${hostname} resolves to ${blocked.address}, a private address`),
          '',
          4,
        );
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
