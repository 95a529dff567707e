/**
 * A strict parser of protobuf text format, the language of Triton's config.pbtxt. It knows
 * no schema: it yields the fields as written (names, values, positions), and the mapping
 * decides what each one means. Anything the format does not allow is an error naming its
 * line and column.
 */
import { PbtxtError, type Position } from './pbtxt-error.js';
import { tokenize, type Token } from './pbtxt-lexer.js';

/** A scalar value: a quoted string, a number (its text as written), or an identifier (an enum value, true, false). */
export type PbScalar =
  | { kind: 'string'; value: string; at: Position }
  | { kind: 'number'; text: string; value: number; at: Position }
  | { kind: 'identifier'; value: string; at: Position };

/** A message: its fields in the order written, repeated fields once per occurrence. */
export interface PbMessage {
  kind: 'message';
  fields: PbField[];
  at: Position;
}

/** A value of a field. */
export type PbValue = PbScalar | PbMessage;

/** One occurrence of a field; `value` is an array when it was written as a list `[ ... ]`. */
export interface PbField {
  name: string;
  at: Position;
  value: PbValue | PbValue[];
}

/** Deeper nesting than any real config; a bound keeps a hostile file from exhausting the stack. */
const MAX_DEPTH = 64;
const SIGNED_WORDS = new Set(['inf', 'infinity', 'nan']);

/** The number a numeric literal stands for (NaN for one the format does not allow, such as 09). */
function numberValue(text: string): number {
  const unsigned = text.replace(/^-/, '');
  const sign = text.startsWith('-') ? -1 : 1;
  if (SIGNED_WORDS.has(unsigned.toLowerCase())) return unsigned.toLowerCase() === 'nan' ? NaN : sign * Infinity;
  if (/^0[xX]/.test(unsigned)) return sign * parseInt(unsigned.slice(2), 16);
  if (/^0\d+$/.test(unsigned)) return /^0[0-7]+$/.test(unsigned) ? sign * parseInt(unsigned, 8) : NaN;
  return sign * Number(unsigned.replace(/[fF]$/, ''));
}

const describe = (token: Token) =>
  token.kind === 'end' ? 'the end of the file' : token.kind === 'string' ? `the string "${token.value.slice(0, 40)}"` : `'${token.text}'`;

class Parser {
  private next = 0;

  constructor(private readonly tokens: Token[]) {}

  /** Fields up to `close` (a closing bracket, or the end of the text). */
  message(at: Position, close: '}' | '>' | undefined, depth: number): PbMessage {
    if (depth > MAX_DEPTH) throw new PbtxtError(at, `messages nested more than ${MAX_DEPTH} deep`);
    const fields: PbField[] = [];
    for (;;) {
      const token = this.peek();
      if (close === undefined ? token.kind === 'end' : this.isPunct(token, close)) {
        this.next++;
        return { kind: 'message', fields, at };
      }
      if (token.kind === 'end') throw new PbtxtError(token.at, `expected '${close}' to close the message opened at line ${at.line}, column ${at.column}`);
      fields.push(this.field(depth));
      const separator = this.peek();
      if (this.isPunct(separator, ',') || this.isPunct(separator, ';')) this.next++;
    }
  }

  private field(depth: number): PbField {
    const name = this.take();
    if (name.kind === 'punct' && name.text === '[') throw new PbtxtError(name.at, 'extension and Any fields ([...]) are not supported in a model config');
    if (name.kind !== 'identifier') throw new PbtxtError(name.at, `expected a field name, got ${describe(name)}`);
    const colon = this.isPunct(this.peek(), ':');
    if (colon) this.next++;
    const token = this.peek();
    if (this.isPunct(token, '[')) return { name: name.text, at: name.at, value: this.list(name.text, depth) };
    if (this.isPunct(token, '{') || this.isPunct(token, '<')) return { name: name.text, at: name.at, value: this.nested(depth) };
    if (!colon) throw new PbtxtError(token.at, `expected ':' or '{' after the field name '${name.text}', got ${describe(token)}`);
    return { name: name.text, at: name.at, value: this.scalar() };
  }

  private nested(depth: number): PbMessage {
    const open = this.take() as Token & { kind: 'punct' };
    return this.message(open.at, open.text === '{' ? '}' : '>', depth + 1);
  }

  /** `[ a, b ]`: scalars or messages, never both. */
  private list(field: string, depth: number): PbValue[] {
    const open = this.take();
    const items: PbValue[] = [];
    if (this.isPunct(this.peek(), ']')) {
      this.next++;
      return items;
    }
    for (;;) {
      const token = this.peek();
      const item = this.isPunct(token, '{') || this.isPunct(token, '<') ? this.nested(depth) : this.scalar();
      if (items.length > 0 && (items[0]!.kind === 'message') !== (item.kind === 'message')) {
        throw new PbtxtError(item.at, `the list of '${field}' mixes messages and scalars`);
      }
      items.push(item);
      const after = this.take();
      if (this.isPunct(after, ']')) return items;
      if (!this.isPunct(after, ',')) {
        throw new PbtxtError(after.at, `expected ',' or ']' in the list of '${field}' opened at line ${open.at.line}, column ${open.at.column}, got ${describe(after)}`);
      }
    }
  }

  private scalar(): PbScalar {
    const token = this.take();
    if (token.kind === 'string') {
      // Adjacent strings are one string, as in C.
      let value = token.value;
      for (let more = this.peek(); more.kind === 'string'; more = this.peek()) {
        value += more.value;
        this.next++;
      }
      return { kind: 'string', value, at: token.at };
    }
    if (token.kind === 'number') return this.number(token.text, token.at);
    if (token.kind === 'identifier') return { kind: 'identifier', value: token.text, at: token.at };
    if (this.isPunct(token, '-')) {
      const operand = this.take();
      if (operand.kind === 'number' || (operand.kind === 'identifier' && SIGNED_WORDS.has(operand.text.toLowerCase()))) {
        return this.number(`-${operand.text}`, token.at);
      }
      throw new PbtxtError(operand.at, `expected a number after '-', got ${describe(operand)}`);
    }
    throw new PbtxtError(token.at, `expected a value, got ${describe(token)}`);
  }

  private number(text: string, at: Position): PbScalar {
    const value = numberValue(text);
    if (Number.isNaN(value) && !/nan$/i.test(text)) throw new PbtxtError(at, `'${text}' is not a number (a leading 0 makes an octal number)`);
    return { kind: 'number', text, value, at };
  }

  private peek(): Token {
    return this.tokens[this.next]!;
  }

  private take(): Token {
    const token = this.tokens[this.next]!;
    if (token.kind !== 'end') this.next++;
    return token;
  }

  private isPunct(token: Token, text: string): boolean {
    return token.kind === 'punct' && token.text === text;
  }
}

/** Parses a whole config.pbtxt into its top-level message; throws PbtxtError naming the line and column. */
export function parsePbtxt(text: string): PbMessage {
  return new Parser(tokenize(text)).message({ line: 1, column: 1 }, undefined, 0);
}
