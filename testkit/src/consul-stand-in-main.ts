/**
 * `node testkit/dist/consul-stand-in-main.js`: the Consul stand-in as a process of its own
 * (the discovery benchmark starts it with spawnService), so that its health checks do not
 * share an event loop with what they check. Logs `listening` with its address, as services do,
 * and stops on SIGTERM, SIGINT, or when its parent's stdin pipe closes.
 */
import { ConsulStandIn } from './consul/ConsulStandIn.js';

const standIn = await ConsulStandIn.start();
process.stdout.write(`${JSON.stringify({ level: 30, msg: 'listening', address: standIn.address })}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void standIn.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('data', () => {});
process.stdin.once('end', stop);
