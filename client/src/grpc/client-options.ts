import type { ChannelOptions } from '@grpc/grpc-js';

/** Channel options for clients inside the mesh (gateway → runner) and the typed client. */
export function clientChannelOptions(maxMessageBytes: number): ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.enable_channelz': 0,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    // Retries are the caller's business (the gateway retries on another runner).
    'grpc.enable_retries': 0,
  };
}
