/**
 * Which addresses an artifact download may connect to: loopback, private, link-local and
 * unspecified ranges are refused unless `registry.artifacts.allowedNetworks` names them.
 * The check runs on the addresses DNS answers at connect time, so a name that resolves
 * to a public address when the URL is checked and to 127.0.0.1 when connecting is refused.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** The ranges refused by default, by the name an error gives them. */
const REFUSED: readonly (readonly [kind: string, address: string, bits: number])[] = [
  ['loopback', '127.0.0.0', 8],
  ['loopback', '::1', 128],
  ['unspecified', '0.0.0.0', 8],
  ['unspecified', '::', 128],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['private', '100.64.0.0', 10],
  ['private', 'fc00::', 7],
  ['link-local', '169.254.0.0', 16],
  ['link-local', 'fe80::', 10],
];

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** The error a refused address fails a connection with; {@link NetworkGuard.refusal} tells it apart. */
export class RefusedAddressError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(readonly kind: string) {
    super(`a ${kind} address`);
  }
}

export class NetworkGuard {
  private readonly refused = new Map<string, BlockList>();
  private readonly allowed = new BlockList();

  /** `allowedNetworks`: CIDR ranges (validated by the config schema) that stay reachable. */
  constructor(allowedNetworks: readonly string[]) {
    for (const [kind, address, bits] of REFUSED) {
      let list = this.refused.get(kind);
      if (!list) this.refused.set(kind, (list = new BlockList()));
      list.addSubnet(address, bits, familyOf(address));
    }
    for (const range of allowedNetworks) {
      const [address, bits] = range.split('/') as [string, string];
      this.allowed.addSubnet(address, Number(bits), familyOf(address));
    }
  }

  /** The kind of range (`loopback`, `private`, ...) that refuses `address`, or undefined when it may be reached. */
  refusal(address: string): string | undefined {
    const family = familyOf(address);
    if (this.allowed.check(address, family)) return undefined;
    for (const [kind, list] of this.refused) if (list.check(address, family)) return kind;
    return undefined;
  }

  /**
   * A `lookup` for http(s) requests: resolves as dns.lookup does and fails with a
   * {@link RefusedAddressError} when any address it finds is refused.
   */
  readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const kind = this.refusal(address);
        if (kind) return callback(new RefusedAddressError(kind), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** Whether a listener on `host` is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  return isIP(host) !== 0 && new NetworkGuard([]).refusal(host) === 'loopback';
}
