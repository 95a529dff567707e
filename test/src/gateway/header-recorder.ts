/** A plain node:http2 hop in front of a real runner that keeps the request headers of every call it passes on. */
import * as http2 from 'node:http2';

export interface HeaderRecorder {
  address: string;
  /** Request headers of each call, in arrival order. */
  calls: http2.IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startHeaderRecorder(target: string): Promise<HeaderRecorder> {
  const upstream = http2.connect(`http://${target}`);
  upstream.on('error', () => undefined);
  const calls: http2.IncomingHttpHeaders[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    calls.push(headers);
    const { ':path': path, ':method': method, ...rest } = headers;
    for (const key of Object.keys(rest)) if (key.startsWith(':')) delete rest[key];
    const out = upstream.request({ ':path': path, ':method': method, ...rest });
    let trailers: http2.IncomingHttpHeaders | undefined;
    out.on('response', (response, flags) => {
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) return stream.respond(response, { endStream: true });
      stream.respond(response, { waitForTrailers: true });
      out.pipe(stream);
    });
    out.on('trailers', (received) => (trailers = received));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers ?? { 'grpc-status': '13' }));
    stream.pipe(out);
    out.on('error', () => undefined);
    stream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        upstream.destroy();
        server.close(() => resolve());
      }),
  };
}
