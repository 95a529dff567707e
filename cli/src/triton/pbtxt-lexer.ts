/**
 * Tokens of protobuf text format: identifiers, numbers, quoted strings (with their escapes
 * decoded) and punctuation, with `#` comments and whitespace skipped. Every token carries
 * its line and column so that the parser's errors can name them.
 */
import { PbtxtError, type Position } from './pbtxt-error.js';

/** One token of the text. */
export type Token =
  | { kind: 'identifier'; text: string; at: Position }
  | { kind: 'number'; text: string; at: Position }
  | { kind: 'string'; value: string; at: Position }
  | { kind: 'punct'; text: string; at: Position }
  | { kind: 'end'; at: Position };

// '.' and '/' only appear in extension and Any type names, which the parser refuses by name.
const PUNCTUATION = new Set([':', '{', '}', '[', ']', '<', '>', ',', ';', '-', '.', '/']);
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
// Decimal, hexadecimal or octal integers and floats with an optional f suffix.
const NUMBER = /(?:0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)(?![A-Za-z0-9_.])/y;
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits `text` into tokens; the last one is `end`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): Position => ({ line, column: offset - lineStart + 1 });

  while (offset < text.length) {
    const char = text[offset]!;
    if (char === '\n') {
      offset++;
      line++;
      lineStart = offset;
    } else if (char === ' ' || char === '\t' || char === '\r' || char === '\f' || char === '\v') {
      offset++;
    } else if (char === '#') {
      while (offset < text.length && text[offset] !== '\n') offset++;
    } else if (char === '"' || char === "'") {
      const at = here();
      const { value, end } = readString(text, offset, at);
      tokens.push({ kind: 'string', value, at });
      offset = end;
    } else if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(text[offset + 1] ?? ''))) {
      NUMBER.lastIndex = offset;
      const match = NUMBER.exec(text);
      if (!match) throw new PbtxtError(here(), `'${text.slice(offset, offset + 20).split(/\s/)[0]}' is not a number`);
      tokens.push({ kind: 'number', text: match[0], at: here() });
      offset += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      IDENTIFIER.lastIndex = offset;
      const name = IDENTIFIER.exec(text)![0];
      tokens.push({ kind: 'identifier', text: name, at: here() });
      offset += name.length;
    } else if (PUNCTUATION.has(char)) {
      tokens.push({ kind: 'punct', text: char, at: here() });
      offset++;
    } else {
      throw new PbtxtError(here(), `unexpected character '${char}'`);
    }
  }
  tokens.push({ kind: 'end', at: here() });
  return tokens;
}

/** Reads the quoted string starting at `start`; text format strings are bytes, decoded here as UTF-8. */
function readString(text: string, start: number, at: Position): { value: string; end: number } {
  const quote = text[start]!;
  const bytes: number[] = [];
  let offset = start + 1;
  const fail = (reason: string): never => {
    throw new PbtxtError({ line: at.line, column: at.column + (offset - start) }, reason);
  };
  for (;;) {
    if (offset >= text.length || text[offset] === '\n') fail('unterminated string (a string ends on the line it starts)');
    const char = text[offset]!;
    if (char === quote) break;
    if (char !== '\\') {
      const codePoint = text.codePointAt(offset)!;
      bytes.push(...Buffer.from(String.fromCodePoint(codePoint), 'utf8'));
      offset += codePoint > 0xffff ? 2 : 1;
      continue;
    }
    const escape = text[offset + 1] ?? '';
    if (escape in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[escape]!);
      offset += 2;
    } else if (/[0-7]/.test(escape)) {
      const digits = /^[0-7]{1,3}/.exec(text.slice(offset + 1, offset + 4))![0];
      const value = parseInt(digits, 8);
      if (value > 255) fail(`octal escape \\${digits} is over \\377`);
      bytes.push(value);
      offset += 1 + digits.length;
    } else if (escape === 'x' || escape === 'X') {
      const digits = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(offset + 2, offset + 4))?.[0] ?? fail('\\x needs one or two hexadecimal digits');
      bytes.push(parseInt(digits, 16));
      offset += 2 + digits.length;
    } else if (escape === 'u' || escape === 'U') {
      const length = escape === 'u' ? 4 : 8;
      const digits = text.slice(offset + 2, offset + 2 + length);
      const codePoint = /^[0-9A-Fa-f]+$/.test(digits) && digits.length === length ? parseInt(digits, 16) : -1;
      if (codePoint < 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) fail(`\\${escape} needs ${length} hexadecimal digits naming a Unicode code point`);
      bytes.push(...Buffer.from(String.fromCodePoint(codePoint), 'utf8'));
      offset += 2 + length;
    } else {
      fail(`unknown escape '\\${escape}'`);
    }
  }
  try {
    return { value: utf8.decode(Uint8Array.from(bytes)), end: offset + 1 };
  } catch {
    throw new PbtxtError(at, 'the string is not valid UTF-8 once its escapes are decoded');
  }
}
