/** The gateway: the public Open Inference Protocol endpoint in front of the runners. */
export { createGateway, type Gateway, type GatewayConfig } from './create-gateway.js';
export type { InferEvent, InferObserver } from './InferObserver.js';
