/**
 * Forwarder process for the benchmark: a raw `node:http2` hop in front of the echo server,
 * the floor of one hop in Node. Each server stream is piped to a stream of one pooled client
 * session; headers, DATA and trailers pass on untouched, and a reset on either side resets
 * the other. Upstream host:port comes from BENCH_FORWARD_TO.
 */
import http2 from 'node:http2';
import net from 'node:net';

const { NGHTTP2_FLAG_END_STREAM } = http2.constants;
/** Like a grpc-js server: no cap on session memory, which large messages in flight would hit. */
const SESSION = { maxSessionMemory: Number.MAX_SAFE_INTEGER };

let pooled: http2.ClientHttp2Session | undefined;

/** The one upstream session, reconnected when it has gone. */
function upstream(address: string): http2.ClientHttp2Session {
  if (pooled && !pooled.closed && !pooled.destroyed) return pooled;
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  // No Nagle delay on the upstream connection, as grpc-js's client has none.
  const session = http2.connect(`http://${address}`, { ...SESSION, createConnection: () => net.connect({ host, port, noDelay: true }) });
  session.on('error', () => undefined);
  session.on('close', () => {
    if (pooled === session) pooled = undefined;
  });
  pooled = session;
  return session;
}

function forward(address: string, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const out = upstream(address).request(headers);
  let trailers: http2.IncomingHttpHeaders | undefined;
  out.on('response', (response, flags) => {
    // A trailers-only answer (an error status with no message) ends in its headers.
    if (flags & NGHTTP2_FLAG_END_STREAM) return stream.respond(response, { endStream: true });
    stream.respond(response, { waitForTrailers: true });
    out.pipe(stream);
  });
  out.on('trailers', (received) => (trailers = received));
  stream.on('wantTrailers', () => stream.sendTrailers(trailers ?? { 'grpc-status': '13', 'grpc-message': 'upstream sent no trailers' }));
  stream.pipe(out);
  // A stream that closes normally has rstCode 0 (NO_ERROR); only a reset passes on.
  out.on('close', () => {
    if (out.rstCode && !stream.closed) stream.close(out.rstCode);
  });
  stream.on('close', () => {
    if (stream.rstCode && !out.closed) out.close(stream.rstCode);
  });
  out.on('error', () => undefined);
  stream.on('error', () => undefined);
}

/** Listens on 127.0.0.1 with a free port and prints the `listening` line spawnService waits for. */
function main(): void {
  const address = process.env['BENCH_FORWARD_TO'];
  if (!address) throw new Error('BENCH_FORWARD_TO (host:port of the upstream) is not set');
  const server = http2.createServer(SESSION);
  server.on('stream', (stream, headers) => forward(address, stream, headers));
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `127.0.0.1:${port}` })}\n`);
  });
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
