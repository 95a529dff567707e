/**
 * A real node:http server that takes the http destination's POSTs, keeps
 * every CloudEvent, and answers what the test says (a status, or no answer at all). It can
 * be stopped and started again on the same port to play a receiver that is down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One received CloudEvent. */
export interface ReceivedEvent {
  id: string;
  type: string;
  source: string;
  specversion: string;
  data: { id: string; requestId?: string; [key: string]: unknown };
}

export class HttpReceiver {
  readonly events: ReceivedEvent[] = [];
  readonly requests: { contentType: string | undefined; headers: IncomingMessage['headers'] }[] = [];
  /** Status code of the next answers; 0 leaves requests unanswered (a hung receiver). */
  status = 200;
  /** When set, a batch holding an event it returns true for is refused with 422 (a receiver that rejects one bad record). */
  refuse: ((event: ReceivedEvent) => boolean) | undefined;
  private server: Server | undefined;
  private hung: ServerResponse[] = [];
  port = 0;

  /** Listens on 127.0.0.1 (on the same port as before when restarted). */
  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (this.status === 0) {
          this.hung.push(response);
          return;
        }
        this.requests.push({ contentType: request.headers['content-type'], headers: request.headers });
        const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedEvent[];
        const refuse = this.refuse;
        const status = refuse && events.some((event) => refuse(event)) ? 422 : this.status;
        if (status >= 200 && status < 300) this.events.push(...events);
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Distinct record ids received. */
  ids(): Set<string> {
    return new Set(this.events.map((event) => event.data.id));
  }

  /** Stops listening and drops open connections: the receiver is down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const response of this.hung.splice(0)) response.destroy();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
