/**
 * Where webhooks may point. An administrator's URL is still an outside party's say: a name
 * that resolves to the loopback, the private network or the cloud's metadata address would
 * make this server a proxy into places only it can reach. Names are resolved here, every
 * address is checked, and the connection is made to the checked address itself (`lookup`), so
 * a name that answers differently a moment later (DNS rebinding) cannot slip past.
 * THREADLINE_WEBHOOK_ALLOW_PRIVATE=true lifts the rule (development, tests, an intranet).
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/** The URL is not a target webhooks may reach; the message says why, for the administrator. */
export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
}

const v4Blocked: [number, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
  // Azure's host endpoint (WireServer), reachable from every VM.
  ['168.63.129.16', 32],
].map(([base, bits]) => [v4Number(base as string)!, bits as number]);

function v4Number(address: string): number | null {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function v4Private(address: string): boolean {
  const value = v4Number(address);
  if (value === null) return true;
  return v4Blocked.some(([base, bits]) => (value & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0)) >>> 0 === base);
}

/** The 8 groups of an IPv6 address, or null for something that is not one. */
function v6Groups(address: string): number[] | null {
  let text = address
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  // A trailing dotted quad (::ffff:10.0.0.1) as two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const value = v4Number(quad[1]!);
    if (value === null) return null;
    text = `${text.slice(0, -quad[1]!.length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((group) =>
    /^[0-9a-f]{1,4}$/.test(group) ? Number.parseInt(group, 16) : Number.NaN,
  );
  return groups.some(Number.isNaN) ? null : groups;
}

function v6Private(address: string): boolean {
  const groups = v6Groups(address);
  if (!groups) return true;
  const [a] = groups as [number];
  if (groups.every((group) => group === 0)) return true; // ::
  if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return true; // ::1
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 rule applies.
  if (groups.slice(0, 5).every((group) => group === 0) && (groups[5] === 0xffff || groups[5] === 0)) {
    return v4Private(`${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`);
  }
  const v4At = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  // SIIT (::ffff:0:a.b.c.d) and NAT64 (64:ff9b::/96) reach IPv4 too; so does 6to4 (2002:a.b.c.d::/16).
  if (groups.slice(0, 4).every((group) => group === 0) && groups[4] === 0xffff && groups[5] === 0)
    return v4Private(v4At(groups[6]!, groups[7]!));
  if (a === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0))
    return v4Private(v4At(groups[6]!, groups[7]!));
  if (a === 0x2002) return v4Private(v4At(groups[1]!, groups[2]!));
  if (a === 0x64 && groups[1] === 0xff9b && groups[2] === 1) return true; // 64:ff9b:1::/48, local NAT64
  if (a === 0x2001 && groups[1] === 0) return true; // Teredo 2001::/32: tunnels to any IPv4
  if (a === 0x0100 && groups.slice(1, 4).every((group) => group === 0)) return true; // 100::/64, discard
  if ((a & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((a & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((a & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((a & 0xff00) === 0xff00) return true; // multicast
  if (a === 0x2001 && groups[1] === 0x0db8) return true; // documentation
  return false;
}

/** Loopback, private, link-local, shared, reserved, multicast or documentation: nothing a public webhook lives at. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address.replace(/^\[|\]$/g, ''));
  if (family === 4) return v4Private(address);
  if (family === 6) return v6Private(address);
  return true;
}

/** A URL an administrator may register: http or https, no credentials, a host. Throws TargetRefusedError. */
export function checkTargetUrl(text: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetRefusedError('The webhook URL is not a URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefusedError('The webhook URL must be http:// or https://.');
  if (url.username || url.password) throw new TargetRefusedError('The webhook URL must not carry a user name or password.');
  if (url.hash) throw new TargetRefusedError('The webhook URL must not have a #fragment.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) {
    throw new TargetRefusedError(`The webhook URL names a private, loopback or link-local address (${host}).`);
  }
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) {
    throw new TargetRefusedError('The webhook URL names this machine (localhost).');
  }
  return url;
}

/**
 * A `lookup` for http.request that resolves the name and refuses the connection unless every
 * address it resolves to is public; the socket then connects to an address checked here.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as { address: string; family: number }[];
      if (list.length === 0) return callback(new TargetRefusedError(`${hostname} resolves to no address.`), '', 0);
      const refused = allowPrivate ? undefined : list.find(({ address }) => isPrivateAddress(address));
      if (refused) {
        return callback(
          new TargetRefusedError(`${hostname} resolves to a private, loopback or link-local address (${refused.address}).`),
          '',
          0,
        );
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
