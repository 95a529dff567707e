/**
 * The fault suite's second sink destination, run as its own process so that it can be
 * killed: `node receiver-main.js <port> <file>` takes the sink's http destination POSTs (a
 * JSON array of CloudEvents) on 127.0.0.1:<port>, appends each event's `requestId` as a
 * line to `<file>` before it answers 200, and prints `listening` once it listens.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

/** Largest batch it takes; the sink's batches are far smaller. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const [portText, file] = process.argv.slice(2);
if (!portText || !file) throw new Error('usage: receiver-main.js <port> <file>');

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  let bytes = 0;
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) request.destroy();
    else chunks.push(chunk);
  });
  request.on('end', () => {
    let ids: string[];
    try {
      const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { requestId?: string } }[];
      ids = events.map((event) => event.data?.requestId ?? '');
    } catch {
      response.writeHead(400).end('expected a JSON array of CloudEvents');
      return;
    }
    if (ids.length > 0) appendFileSync(file, `${ids.join('\n')}\n`);
    response.writeHead(200).end();
  });
});
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write('listening\n'));
