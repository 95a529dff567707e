/**
 * Test support shared by the sink's own tests and the cross-process tests in test/
 * (imported there as `@infermesh/sink/testing`): the local servers and a real HTTP receiver.
 */
export { LOCAL_SERVICES, localServicesAvailable, reachable, type LocalService } from './local-services.js';
export { HttpReceiver, type ReceivedEvent } from './http-receiver.js';
export { deliveryItems, predictionDoc } from './delivery-items.js';
