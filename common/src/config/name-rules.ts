/**
 * Name rules the config and the services share, defined once so that a name the config
 * accepts is one the APIs accept.
 */

/** A model name, the same rule everywhere: letters, digits, `_ . -`, at most 128. */
export const MODEL_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A runner name in the mesh config: lowercase letters, digits and dashes. */
export const RUNNER_NAME_RULE = /^[a-z0-9][a-z0-9-]*$/;

/** A `host:port` address in the mesh config. */
export const HOST_PORT_RULE = /^[^\s:]+:\d{1,5}$/;

/** A version as a repository folder names it: a positive integer without leading zeros. */
export const MODEL_VERSION_RULE = /^[1-9][0-9]{0,17}$/;
