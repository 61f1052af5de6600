/**
 * Which IP addresses kiji may connect to when it fetches a URL someone typed or a feed listed.
 * ipaddr.js (no dependencies, the classifier Express uses for `trust proxy`) names the range of an
 * address; only plain public unicast passes, so a range added to the registries later is refused
 * rather than let through.
 */
import ipaddr from 'ipaddr.js';

const RANGE_NAMES: Readonly<Record<string, string>> = {
  loopback: 'a loopback address',
  private: 'a private-network address',
  uniqueLocal: 'a private-network (unique local) address',
  linkLocal: 'a link-local address (cloud metadata services such as 169.254.169.254 live there)',
  carrierGradeNat: 'a shared (carrier-grade NAT) address, where some cloud metadata services live',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  rfc6052: 'a NAT64 address, which can reach IPv4 addresses inside the network',
  '6to4': 'a 6to4 tunnel address, which can reach IPv4 addresses inside the network',
  teredo: 'a Teredo tunnel address',
};

/**
 * What kind of address kiji refuses `address` as, or undefined when it is public.
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries.
 *
 * Example: `blockedAddress('169.254.169.254')` -> `'a link-local address (...)'`;
 * `blockedAddress('93.184.215.14')` -> `undefined`.
 */
export function blockedAddress(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone id (`fe80::1%eth0`) names an interface: only link-local addresses carry one.
  if (bare.includes('%')) return 'a link-local address with an interface zone';
  if (!ipaddr.isValid(bare)) return 'not an IP address';
  const range = ipaddr.process(bare).range();
  if (range === 'unicast') return undefined;
  return RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
}

/** `blockedAddress` as a sentence: `'10.0.0.1 is a private-network address'`. */
export function blockedAddressReason(address: string): string | undefined {
  const kind = blockedAddress(address);
  return kind === undefined ? undefined : `${address} is ${kind}`;
}
