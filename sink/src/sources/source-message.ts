/**
 * What a source message must be: JSON naming the model and its inputs as JSON arrays.
 *
 *     {"model": "simple", "version": "1", "id": "m-1",
 *      "inputs": {"INPUT0": {"datatype": "INT32", "shape": [1, 16], "data": [0, 1, …]}},
 *      "outputs": ["OUTPUT0"]}
 *
 * Anything that cannot become a ModelInferRequest is malformed, with a reason naming the
 * field; a well-formed request the model refuses (wrong shape, unknown model) is not: it
 * reaches the gateway and its error status becomes the prediction record.
 */
import { DATATYPES, datatypeInfo, type Datatype } from '@infermesh/common';
import type { InferTensorContents, ModelInferRequest } from '@infermesh/proto';
import { z } from 'zod';

/** A message that cannot become an inference call; `message` is the reason. */
export class MalformedMessage extends Error {
  override readonly name = 'MalformedMessage';
}

const tensorSchema = z
  .object({
    datatype: z.enum(DATATYPES, { error: `expected one of ${DATATYPES.join(', ')}` }),
    shape: z.array(z.number().int().min(0).max(2 ** 31 - 1)).max(16),
    data: z.array(z.union([z.number(), z.string(), z.boolean()])),
  })
  .strict();

const messageSchema = z
  .object({
    model: z.string().min(1).max(256),
    version: z.union([z.string().max(64), z.number().int().positive().transform(String)]).optional(),
    id: z.string().max(256).optional(),
    inputs: z
      .record(z.string().min(1).max(256), tensorSchema)
      .refine((inputs) => Object.keys(inputs).length > 0, 'expected at least one input'),
    outputs: z.array(z.string().min(1).max(256)).max(256).optional(),
  })
  .strict();

/** A parsed source message. */
export type SourceMessage = z.infer<typeof messageSchema>;

function contentsOf(name: string, datatype: Datatype, data: readonly (number | string | boolean)[]): InferTensorContents {
  const field = datatypeInfo(datatype).contentsField;
  if (field === null) throw new MalformedMessage(`inputs.${name}: ${datatype} data cannot be given as JSON values`);
  const wrong = (index: number, expected: string) =>
    new MalformedMessage(`inputs.${name}.data.${index}: expected ${expected} for ${datatype}, got ${JSON.stringify(data[index])}`);
  switch (datatype) {
    case 'BOOL':
      return {
        bool_contents: data.map((value, i) => {
          if (typeof value !== 'boolean') throw wrong(i, 'true or false');
          return value;
        }),
      };
    case 'BYTES':
      return {
        bytes_contents: data.map((value, i) => {
          if (typeof value !== 'string') throw wrong(i, 'a string');
          return Buffer.from(value, 'utf8');
        }),
      };
    case 'INT64':
    case 'UINT64':
      return {
        [field]: data.map((value, i) => {
          const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
          if (typeof text !== 'string' || !/^-?\d{1,20}$/.test(text)) throw wrong(i, 'an integer');
          return text;
        }),
      };
    default:
      return {
        [field]: data.map((value, i) => {
          if (typeof value !== 'number') throw wrong(i, 'a number');
          return value;
        }),
      };
  }
}

/** Parses and checks a message; throws MalformedMessage with the reason. */
export function parseSourceMessage(payload: Uint8Array, maxBytes: number): ModelInferRequest {
  if (payload.byteLength > maxBytes) {
    throw new MalformedMessage(`message is ${payload.byteLength} bytes, over the source's maxMessageBytes of ${maxBytes}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (error) {
    throw new MalformedMessage(`not JSON: ${(error as Error).message}`);
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MalformedMessage(`${issue.path.join('.') || '(message)'}: ${issue.message}`);
  }
  const message = parsed.data;
  return {
    model_name: message.model,
    model_version: message.version ?? '',
    id: message.id ?? '',
    inputs: Object.entries(message.inputs).map(([name, tensor]) => ({
      name,
      datatype: tensor.datatype,
      shape: tensor.shape,
      contents: contentsOf(name, tensor.datatype, tensor.data),
    })),
    outputs: (message.outputs ?? []).map((name) => ({ name })),
  };
}
