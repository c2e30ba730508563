/**
 * Which host names and addresses only reach this machine. One definition for every component
 * that refuses something off loopback: the target's test hooks (and the test mailbox's client
 * check, which sees IPv4-mapped addresses such as `::ffff:127.0.0.1` on a dual-stack socket) and
 * the exporter, which wants a token when it listens off loopback.
 */

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * True when `host` only accepts (or, as a client address, only comes from) connections on this
 * machine: `localhost` (any case), 127.0.0.0/8, `::1`, and 127.0.0.0/8 mapped into IPv6
 * (`::ffff:127.x.y.z`); brackets around an IPv6 address are ignored. `0.0.0.0` and `::` listen on
 * every interface, so they are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const ipv4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  const octets = IPV4_LOOPBACK.exec(ipv4);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}
