/** The gateway: the public Open Inference Protocol endpoint in front of the runners. */
export { createGateway, type Gateway, type GatewayConfig } from './create-gateway.js';
export type { CallHeaders } from './CallHeaders.js';
export type { InferEvent, InferObserver } from './InferObserver.js';
export { OUTLIER_DEFAULTS, type OutlierPolicy } from './OutlierState.js';
export type { RolloutSummary, Router } from './Router.js';
export { GatewayStats, type VersionTraffic } from './status/GatewayStats.js';
export { statusRoutes } from './status/status-routes.js';
export type { RolloutView, StatusSnapshot } from './status/status-snapshot.js';
