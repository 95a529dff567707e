import { describe, expect, it } from 'vitest';
import { MalformedMessage, parseSourceMessage } from './source-message.js';

const parse = (message: unknown, max = 1 << 20) => parseSourceMessage(Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)), max);
const reason = (message: unknown, max?: number) => {
  try {
    parse(message, max);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedMessage);
    return (error as Error).message;
  }
  throw new Error('expected a malformed message');
};

describe('parseSourceMessage', () => {
  it('builds a ModelInferRequest with typed contents', () => {
    const request = parse({
      model: 'simple',
      version: 1,
      id: 'm-1',
      inputs: {
        INPUT0: { datatype: 'INT32', shape: [1, 2], data: [1, 2] },
        FLAG: { datatype: 'BOOL', shape: [1], data: [true] },
        BIG: { datatype: 'INT64', shape: [2], data: ['9007199254740993', 5] },
        TEXT: { datatype: 'BYTES', shape: [1], data: ['héllo'] },
      },
      outputs: ['OUTPUT0'],
    });
    expect(request).toMatchObject({ model_name: 'simple', model_version: '1', id: 'm-1', outputs: [{ name: 'OUTPUT0' }] });
    expect(request.inputs).toEqual([
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 2], contents: { int_contents: [1, 2] } },
      { name: 'FLAG', datatype: 'BOOL', shape: [1], contents: { bool_contents: [true] } },
      { name: 'BIG', datatype: 'INT64', shape: [2], contents: { int64_contents: ['9007199254740993', '5'] } },
      { name: 'TEXT', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from('héllo')] } },
    ]);
  });

  it('says why a message cannot be used', () => {
    expect(reason('{"model": ')).toMatch(/^not JSON: /);
    expect(reason({ inputs: {} })).toBe('model: Invalid input: expected string, received undefined');
    expect(reason({ model: 'm', inputs: {} })).toBe('inputs: expected at least one input');
    expect(reason({ model: 'm', inputs: { x: { datatype: 'FLOAT', shape: [1], data: [1] } } })).toMatch(/^inputs\.x\.datatype: expected one of BOOL, /);
    expect(reason({ model: 'm', inputs: { x: { datatype: 'FP32', shape: [2], data: [1, 'a'] } } })).toBe(
      'inputs.x.data.1: expected a number for FP32, got "a"',
    );
    expect(reason({ model: 'm', inputs: { x: { datatype: 'FP16', shape: [1], data: [1] } } })).toBe('inputs.x: FP16 data cannot be given as JSON values');
    expect(reason({ model: 'm', extra: 1, inputs: { x: { datatype: 'FP32', shape: [1], data: [1] } } })).toBe('(message): Unrecognized key: "extra"');
    expect(reason({ model: 'm', inputs: { x: { datatype: 'FP32', shape: [1], data: [1] } } }, 10)).toMatch(
      /^message is \d+ bytes, over the source's maxMessageBytes of 10$/,
    );
  });
});
