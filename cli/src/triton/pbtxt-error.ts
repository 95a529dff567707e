/** A config.pbtxt that is not valid protobuf text format, or a value of the wrong kind. */

/** Where something is in a config.pbtxt: 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/** An error at a position of the text; its message starts `line L, column C:`. */
export class PbtxtError extends Error {
  override readonly name = 'PbtxtError';

  constructor(
    readonly at: Position,
    readonly reason: string,
  ) {
    super(`line ${at.line}, column ${at.column}: ${reason}`);
  }
}
