/**
 * Publishes prediction records to a sink over its Publish stream, as a gateway would, and
 * keeps the ids of the records the sink acknowledged: the ones that must not be lost.
 */
import * as grpc from '@grpc/grpc-js';
import { sinkProto, type PredictionRecord, type PublishAck__Output, type PublishRequest } from '@infermesh/proto/sink';

const ACK_TIMEOUT_MS = 10_000;

type SinkClient = InstanceType<typeof sinkProto.Sink>;
type PublishCall = grpc.ClientDuplexStream<PublishRequest, PublishAck__Output>;

/** A record of `bytes` or so, with id `id`. */
export function testRecord(id: string, i: number): PredictionRecord {
  return {
    record_id: id,
    time_unix_ms: Date.now(),
    request_id: `req-${i}`,
    model_name: 'durability',
    model_version: '1',
    runner: '127.0.0.1:1',
    device: 'cpu',
    latency_ms: 1,
    status: 'OK',
    outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 4], raw: Buffer.alloc(16, i % 256) }],
    headers: { pad: 'p'.repeat(400) },
  };
}

export class RecordPublisher {
  /** Ids of records the sink acknowledged. */
  readonly acked = new Set<string>();
  /** Batches the sink refused or did not acknowledge. */
  refused = 0;
  private client: SinkClient | undefined;
  private clientAddress = '';
  private call: PublishCall | undefined;
  private sequence = 0;
  private readonly waiting = new Map<number, (acked: boolean) => void>();

  /** `address()` is asked before every batch: a restarted sink may listen elsewhere. */
  constructor(private readonly address: () => string) {}

  /** Sends one batch; true once the sink acknowledged it (then its ids are in `acked`). */
  async send(records: readonly PredictionRecord[]): Promise<boolean> {
    const call = this.stream();
    const sequence = ++this.sequence;
    const acked = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(sequence);
        call.cancel();
        resolve(false);
      }, ACK_TIMEOUT_MS);
      this.waiting.set(sequence, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      call.write({ sequence, records: [...records] });
    });
    if (acked) for (const record of records) this.acked.add(record.record_id!);
    else this.refused++;
    return acked;
  }

  /** Sends a batch until the sink acknowledges it (across sink restarts), or `deadline` passes. */
  async sendUntilAcked(records: readonly PredictionRecord[], deadline: number): Promise<boolean> {
    while (Date.now() < deadline) {
      if (await this.send(records)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  close(): void {
    this.call?.cancel();
    this.client?.close();
  }

  private stream(): PublishCall {
    const address = this.address();
    if (this.call && this.clientAddress === address) return this.call;
    this.call?.cancel();
    if (this.clientAddress !== address) {
      this.client?.close();
      this.client = new sinkProto.Sink(address, grpc.credentials.createInsecure());
      this.clientAddress = address;
    }
    const call = this.client!.Publish();
    const fail = () => {
      if (this.call === call) this.call = undefined;
      for (const resolve of this.waiting.values()) resolve(false);
      this.waiting.clear();
    };
    call.on('data', (ack: PublishAck__Output) => {
      const sequence = Number(ack.sequence);
      this.waiting.get(sequence)?.(true);
      this.waiting.delete(sequence);
    });
    call.on('error', fail);
    call.on('end', fail);
    this.call = call;
    return call;
  }
}
