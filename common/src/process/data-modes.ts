/**
 * Permissions of the files and folders services keep their data in (registry state and
 * artifacts, sink spool, jsonl outputs, dead letters): they hold callers' headers and
 * tensors, so only the service's own user may read them, whatever the umask.
 */

/** A data file: read and written by its owner only. */
export const DATA_FILE_MODE = 0o600;
/** A data folder: its owner only. */
export const DATA_DIR_MODE = 0o700;
