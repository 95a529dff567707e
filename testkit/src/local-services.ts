/**
 * The local servers the destination and source tests talk to (PostgreSQL, Redis, NATS with
 * JetStream, Mosquitto on their standard ports, as `.ci/run` starts them), checked through
 * the one service gate: skip with a message, or fail when INFERMESH_REQUIRE_SERVICES=1.
 */
import { connect } from 'node:net';
import { skipOrFail } from './service-gate.js';

/** Where each local server listens, and how to get it. */
export const LOCAL_SERVICES = {
  postgres: {
    url: 'postgres://postgres@127.0.0.1:5432/test',
    port: 5432,
    install: "install Debian's postgresql and start it: pg_ctlcluster $(ls /etc/postgresql) main start (trust auth, database test)",
  },
  redis: {
    url: 'redis://127.0.0.1:6379',
    port: 6379,
    install: "install Debian's redis-server and start it: redis-server --daemonize yes --port 6379",
  },
  nats: {
    url: 'nats://127.0.0.1:4222',
    port: 4222,
    install: "install Debian's nats-server and start it with JetStream: nats-server -a 127.0.0.1 -p 4222 -js",
  },
  mqtt: {
    url: 'mqtt://127.0.0.1:1883',
    port: 1883,
    install: "install Debian's mosquitto and start it: mosquitto -d -c /etc/mosquitto/mosquitto.conf",
  },
} as const;

/** A local server's name. */
export type LocalService = keyof typeof LOCAL_SERVICES;

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function reachable(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * True when every named server is reachable. Otherwise prints `SKIPPED: …` and returns
 * false, or throws when INFERMESH_REQUIRE_SERVICES=1.
 */
export async function localServicesAvailable(...names: LocalService[]): Promise<boolean> {
  for (const name of names) {
    const service = LOCAL_SERVICES[name];
    if (await reachable(service.port)) continue;
    return skipOrFail(`${name} is not reachable on 127.0.0.1:${service.port}: ${service.install}`);
  }
  return true;
}
