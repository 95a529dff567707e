/** How long the actor and reason a registry operation gives for its rollout history may be. */

/** Longest actor an operation may name. */
export const MAX_ACTOR_CHARS = 256;
/** Longest reason an operation may give, for the rollout history. */
export const MAX_REASON_CHARS = 1024;
