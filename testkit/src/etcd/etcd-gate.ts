/** The gate of tests that need a real etcd: skip locally without the binary, fail in CI. */
import { serviceAvailable } from '../service-gate.js';
import { etcdBinary } from './EtcdCluster.js';

/** True when etcd tests may run; false (after saying what to install) when they must skip. */
export function etcdAvailable(): boolean {
  return serviceAvailable('etcd (the etcd server binary)', etcdBinary() !== undefined, 'install the Debian package: apt-get install etcd-server (or set ETCD_BINARY)');
}
