/** What the import says about one model besides what it mapped: caveats, and fields it could not honour. */

/** A field of config.pbtxt that infermesh does not honour, and why. */
export interface Unsupported {
  /** Where it is, e.g. `dynamic_batching.priority_levels` or `input[INPUT0].reshape`. */
  field: string;
  reason: string;
}

/** Collects a model's notes and unsupported fields while its config is mapped. */
export class ImportNotes {
  readonly notes: string[] = [];
  readonly unsupported: Unsupported[] = [];

  /** A caveat: mapped, but not exactly as Triton does it. */
  note(text: string): void {
    this.notes.push(text);
  }

  /** A field that is ignored, with the reason. */
  ignore(field: string, reason: string): void {
    this.unsupported.push({ field, reason });
  }
}

/** Why a model is not imported: `skipped` when infermesh cannot serve its kind, `failed` when something is wrong. */
export class ImportRefusal extends Error {
  override readonly name = 'ImportRefusal';

  constructor(
    readonly outcome: 'skipped' | 'failed',
    reason: string,
  ) {
    super(reason);
  }
}
