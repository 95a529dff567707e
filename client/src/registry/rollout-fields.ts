/** The rollout fields a SetRollout call names: the client sends them, the registry checks them. */

/** The rollout fields SetRollout can change, by their names on the wire. */
export const ROLLOUT_FIELDS = [
  'stable_version',
  'canary_version',
  'canary_weight_bp',
  'rules',
  'sticky_header',
  'policy',
  'shadow_version',
  'shadow_share_bp',
  'promotion',
] as const;
/** One of {@link ROLLOUT_FIELDS}. */
export type RolloutField = (typeof ROLLOUT_FIELDS)[number];
