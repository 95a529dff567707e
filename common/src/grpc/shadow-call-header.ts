/**
 * How a gateway's shadow copies and a runner agree that a copy takes only spare capacity.
 * A copy of a call sent to a rollout's shadow version carries {@link SHADOW_CALL_HEADER}. A
 * runner takes it only while every other version it serves could take a call at once (none
 * has calls waiting or all its instances taken); else it sheds the copy at once with
 * RESOURCE_EXHAUSTED and exactly {@link SHADOW_SHED_DETAILS}, which the gateway counts as a
 * copy dropped because the runner was busy (not as a failed shadow call) and which holds its
 * next copies back for a moment. A shadow version alone on its runner never sheds: only other
 * versions' load counts.
 */
export const SHADOW_CALL_HEADER = 'x-infermesh-shadow';

/** The details of a shed copy's RESOURCE_EXHAUSTED, word for word. */
export const SHADOW_SHED_DETAILS = 'shadow copy shed: this runner has no capacity to spare from other versions';
