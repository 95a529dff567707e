/** The rules for a model version's key, shared by the registry, the runners and the CLI. */

/** A model name: letters, digits, `_ . -`, at most 128, not starting with punctuation. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** A version as a repository folder names it: a positive integer without leading zeros. */
export const MODEL_VERSION = /^[1-9][0-9]{0,17}$/;
