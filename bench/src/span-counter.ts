/**
 * An OTLP/HTTP trace endpoint on 127.0.0.1 that only counts the spans it receives, so the
 * traced row pays for a real export. It reads OTLP/JSON, what the services' exporter sends.
 */
import { createServer } from 'node:http';

interface OtlpExport {
  resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
}

/** A running span counter. */
export interface SpanCounter {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Spans received so far. */
  count(): number;
  close(): Promise<void>;
}

/** Starts the counter on a free port. */
export async function startSpanCounter(): Promise<SpanCounter> {
  let spans = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const resource of body.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    count: () => spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
