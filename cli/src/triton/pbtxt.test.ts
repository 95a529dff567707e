/** The protobuf text format parser: every form config.pbtxt files use, and errors that name line and column. */
import { describe, expect, it } from 'vitest';
import { parsePbtxt, type PbField, type PbValue } from './pbtxt.js';

/** The parsed text as plain data: scalars by value, messages as objects, lists as arrays, repeats as arrays. */
function plain(text: string): unknown {
  const value = (v: PbValue): unknown => (v.kind === 'message' ? fields(v.fields) : v.kind === 'number' ? v.value : v.value);
  const fields = (list: PbField[]) => {
    const out: Record<string, unknown> = {};
    for (const field of list) {
      const item = Array.isArray(field.value) ? field.value.map(value) : value(field.value);
      out[field.name] = field.name in out ? [...[out[field.name]].flat(), item] : item;
    }
    return out;
  };
  return fields(parsePbtxt(text).fields);
}

const error = (text: string) => {
  try {
    parsePbtxt(text);
  } catch (caught) {
    return (caught as Error).message;
  }
  return 'parsed';
};

describe('parsing config.pbtxt', () => {
  it("reads Triton's quick-start config as written", () => {
    const text = `# Copyright line
name: "simple"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  {
    name: "INPUT0"
    data_type: TYPE_INT32
    dims: [ 16 ]
  },
  {
    name: "INPUT1"
    data_type: TYPE_INT32
    dims: [ 16 ]
  }
]
`;
    expect(plain(text)).toEqual({
      name: 'simple',
      platform: 'onnxruntime_onnx',
      max_batch_size: 8,
      input: [
        { name: 'INPUT0', data_type: 'TYPE_INT32', dims: [16] },
        { name: 'INPUT1', data_type: 'TYPE_INT32', dims: [16] },
      ],
    });
  });

  it('takes messages with and without a colon, in braces or angle brackets, and repeated fields by repetition', () => {
    expect(plain('dynamic_batching { preferred_batch_size: 4 preferred_batch_size: 8 } optimization: { graph: < level: -1 > }')).toEqual({
      dynamic_batching: { preferred_batch_size: [4, 8] },
      optimization: { graph: { level: -1 } },
    });
    expect(plain('instance_group [ { count: 2, kind: KIND_GPU, gpus: [0, 1] } ]; version_policy: { all { } }')).toEqual({
      instance_group: [{ count: 2, kind: 'KIND_GPU', gpus: [0, 1] }],
      version_policy: { all: {} },
    });
    expect(plain('dims: []')).toEqual({ dims: [] });
  });

  it('reads numbers: negative, floats, exponents, hexadecimal, octal, inf and nan', () => {
    expect(plain('a: -1 b: 2.5 c: -.5e3 d: 1e-2 e: 0x1F f: 017 g: 3f h: -inf i: 0')).toEqual({
      a: -1,
      b: 2.5,
      c: -500,
      d: 0.01,
      e: 31,
      f: 15,
      g: 3,
      h: -Infinity,
      i: 0,
    });
    expect((parsePbtxt('n: -nan').fields[0]!.value as { value: number }).value).toBeNaN();
    expect(parsePbtxt('n: 12').fields[0]!.value).toMatchObject({ kind: 'number', text: '12' });
  });

  it('reads identifiers (enum values, true, false) and strings with escapes in either quote', () => {
    expect(plain(`kind: KIND_CPU on: true off: false s: 'it\\'s "x"' t: "tab\\there\\n" u: "\\u00e9\\x41\\101\\\\" w: "héllo"`)).toEqual({
      kind: 'KIND_CPU',
      on: 'true',
      off: 'false',
      s: `it's "x"`,
      t: 'tab\there\n',
      u: 'éAA\\',
      w: 'héllo',
    });
    expect(plain('s: "a" \'b\' "c"')).toEqual({ s: 'abc' });
  });

  it('keeps the position of every field and value', () => {
    const parsed = parsePbtxt('# comment\n  max_batch_size: 8\ninput [ { name: "x" } ]');
    expect(parsed.fields[0]).toMatchObject({ name: 'max_batch_size', at: { line: 2, column: 3 }, value: { at: { line: 2, column: 19 } } });
    expect(parsed.fields[1]).toMatchObject({ name: 'input', at: { line: 3, column: 1 }, value: [{ kind: 'message', at: { line: 3, column: 9 } }] });
  });

  it('refuses what the format does not allow, naming the line and column', () => {
    expect(error('name "simple"')).toBe(`line 1, column 6: expected ':' or '{' after the field name 'name', got the string "simple"`);
    expect(error('name: "simple\nplatform: "x"')).toBe('line 1, column 14: unterminated string (a string ends on the line it starts)');
    expect(error('s: "bad \\q escape"')).toBe("line 1, column 9: unknown escape '\\q'");
    expect(error('s: "\\xff"')).toBe('line 1, column 4: the string is not valid UTF-8 once its escapes are decoded');
    expect(error('input {\n  name: "x"\n')).toBe("line 3, column 1: expected '}' to close the message opened at line 1, column 7");
    expect(error('input { name: "x" >')).toBe("line 1, column 19: expected a field name, got '>'");
    expect(error('dims: [ 1, 2')).toBe("line 1, column 13: expected ',' or ']' in the list of 'dims' opened at line 1, column 7, got the end of the file");
    expect(error('dims: [ 1, ]')).toBe("line 1, column 12: expected a value, got ']'");
    expect(error('x: [ 1, { a: 1 } ]')).toBe("line 1, column 9: the list of 'x' mixes messages and scalars");
    expect(error('x: 09')).toBe("line 1, column 4: '09' is not a number (a leading 0 makes an octal number)");
    expect(error('x: 1.2.3')).toBe("line 1, column 4: '1.2.3' is not a number");
    expect(error('x: - y')).toBe("line 1, column 6: expected a number after '-', got 'y'");
    expect(error('[ext.field]: 1')).toBe('line 1, column 1: extension and Any fields ([...]) are not supported in a model config');
    expect(error('x: 1 }')).toBe("line 1, column 6: expected a field name, got '}'");
    expect(error('x: @')).toBe("line 1, column 4: unexpected character '@'");
    expect(error('a { '.repeat(100))).toMatch(/^line 1, column \d+: messages nested more than 64 deep$/);
  });
});
