/**
 * `PUT /v1/txn` over the stand-in's KV: up to 64 operations applied all or none, as Consul
 * does. Verbs: set, cas, get, delete, delete-cas, delete-tree, check-index, check-not-exists.
 * Success answers 200 with a result per operation (write results carry no Value); a failed
 * check answers 409 with the errors and changes nothing.
 */
import { HttpError } from './http-io.js';
import type { KvEntry, KvStore } from './KvStore.js';

/** Consul's limit on operations in one transaction. */
export const MAX_TXN_OPERATIONS = 64;

interface KvOperation {
  Verb: string;
  Key: string;
  Value?: string;
  Flags?: number;
  Index?: number;
}

/** Runs the transaction `body` against `kv`: [status, response body]. */
export function runTransaction(kv: KvStore, body: unknown): [number, unknown] {
  if (!Array.isArray(body)) throw new HttpError(400, 'Failed to parse body: expected an array of operations');
  if (body.length > MAX_TXN_OPERATIONS) throw new HttpError(413, `Transaction contains too many operations (${body.length} > ${MAX_TXN_OPERATIONS})`);
  const operations = body.map((entry: unknown, index) => {
    const op = (entry as { KV?: KvOperation } | null)?.KV;
    if (!op || typeof op.Verb !== 'string' || typeof op.Key !== 'string') throw new HttpError(400, `operation ${index}: the stand-in takes KV operations only`);
    return op;
  });
  const errors: { OpIndex: number; What: string }[] = [];
  operations.forEach((op, index) => {
    const problem = kv.check(op.Key, op.Verb, op.Index);
    if (problem) errors.push({ OpIndex: index, What: problem });
  });
  if (errors.length > 0) return [409, { Results: null, Errors: errors }];
  const results = kv.batch(() =>
    operations.map((op): { KV: Omit<KvEntry, 'Value'> & { Value: string | null } } | undefined => {
      const value = op.Value === undefined ? Buffer.alloc(0) : Buffer.from(op.Value, 'base64');
      switch (op.Verb) {
        case 'set':
        case 'cas':
          kv.put(op.Key, { value, ...(op.Flags !== undefined ? { flags: op.Flags } : {}) });
          return { KV: { ...kv.read(op.Key, false).entries[0]!, Value: null } };
        case 'get': {
          const entry = kv.read(op.Key, false).entries[0]!;
          return { KV: { ...entry, Value: entry.Value === null ? null : entry.Value.toString('base64') } };
        }
        case 'delete':
        case 'delete-cas':
          kv.delete(op.Key, {});
          return undefined;
        case 'delete-tree':
          kv.delete(op.Key, { recurse: true });
          return undefined;
        default:
          return undefined;
      }
    }),
  );
  return [200, { Results: results.filter((result) => result !== undefined), Errors: null }];
}
