/** What the signature worker answers. */

/** One input or output as onnxruntime describes it; -1 for a symbolic or unknown dimension. */
export interface ValueSpec {
  name: string;
  isTensor: boolean;
  /** onnxruntime element type, e.g. float32. */
  type: string;
  shape: number[];
}

/** The worker's one message. */
export type SignatureReply = { ok: true; inputs: ValueSpec[]; outputs: ValueSpec[] } | { ok: false; message: string };
