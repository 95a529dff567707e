/** RegisterVersion, PushVersion, ListModels, GetModel and RetireVersion. */
import type { ServerReadableStream } from '@grpc/grpc-js';
import { ServiceError, type ContextHandlers, type ServiceCallContext } from '@infermesh/common';
import type {
  PushVersionRequest__Output,
  RegisterVersionResponse,
  RegistryHandlers,
} from '@infermesh/proto/registry';
import { checkModelName } from '../state/checks.js';
import { retire } from '../state/rollout-operations.js';
import { artifactOfVersion, checkVersionOrder, registerVersion, type VersionOrder } from '../versions/register-version.js';
import { liveRunners, modelOf, operationContext, type RegistryContext } from './context.js';
import { modelToProto, versionToProto } from './to-proto.js';

type VersionHandlers = ContextHandlers<Pick<RegistryHandlers, 'RegisterVersion' | 'PushVersion' | 'ListModels' | 'GetModel' | 'RetireVersion'>, ServiceCallContext>;

const isUrl = (artifact: string) => /^https?:\/\//i.test(artifact);

function registerContext(context: RegistryContext) {
  return {
    registry: context.registry,
    artifacts: context.artifacts,
    defaultReplicas: context.config.defaultReplicas,
    defaultPolicy: context.config.rollbackPolicy,
  };
}

async function respond(context: RegistryContext, order: VersionOrder, result: Awaited<ReturnType<typeof registerVersion>>): Promise<RegisterVersionResponse> {
  if (result.created) {
    const { model, version, sha256, sizeBytes } = result.version;
    context.logger.info({ model, version, sha256, sizeBytes, source: order.artifact, actor: order.actor }, 'model version registered');
  }
  return { version: versionToProto(result.version, liveRunners(context)), created: result.created };
}

/** The chunks of a PushVersion after its header, as one stream of bytes. */
async function* chunks(call: AsyncIterable<PushVersionRequest__Output>): AsyncIterable<Buffer> {
  for await (const message of call) {
    if (message.part !== 'chunk' || !message.chunk) throw ServiceError.invalidArgument('PushVersion: only the first message may be a header; the rest are chunks');
    yield message.chunk;
  }
}

/** Reads the header of a PushVersion, then stores the upload as the version's artifact. */
async function push(context: RegistryContext, call: ServerReadableStream<PushVersionRequest__Output, RegisterVersionResponse>): Promise<RegisterVersionResponse> {
  const iterator = call[Symbol.asyncIterator]() as AsyncIterator<PushVersionRequest__Output>;
  const first = await iterator.next();
  if (first.done || first.value.part !== 'header' || !first.value.header) {
    throw ServiceError.invalidArgument('PushVersion: the first message must be the header (model, version, artifact file name, size_bytes)');
  }
  if (first.value.header.artifact_of_version > 0) throw ServiceError.invalidArgument('artifact_of_version: PushVersion uploads its artifact; use RegisterVersion to take another version\'s');
  const order = checkVersionOrder(first.value.header);
  const rest: AsyncIterable<PushVersionRequest__Output> = { [Symbol.asyncIterator]: () => iterator };
  const label = `upload:${order.artifact}`;
  const result = await registerVersion(registerContext(context), { ...order, artifact: label }, () =>
    context.artifacts.fromChunks(chunks(rest), order.sizeBytes, `the upload of '${order.artifact}'`),
  );
  return respond(context, { ...order, artifact: label }, result);
}

export function versionHandlers(context: RegistryContext): VersionHandlers {
  const { logger } = context;
  return {
    RegisterVersion: async (request) => {
      const order = checkVersionOrder(request);
      const result = await registerVersion(registerContext(context), order, async () => {
        if (request.artifact_of_version > 0) return artifactOfVersion(context.registry, order.model, request.artifact_of_version);
        return isUrl(order.artifact) ? context.artifacts.fromUrl(order.artifact) : context.artifacts.fromPath(order.artifact);
      });
      return respond(context, order, result);
    },
    PushVersion: (call) => push(context, call),
    ListModels: () => {
      const live = liveRunners(context);
      const models = Object.values(context.registry.current.models).sort((a, b) => a.name.localeCompare(b.name));
      return { models: models.map((model) => modelToProto(model, live)) };
    },
    GetModel: (request) => modelToProto(modelOf(context, request.model), liveRunners(context)),
    RetireVersion: async (request) => {
      checkModelName(request.model);
      const operation = operationContext(context, request.actor, request.reason);
      modelOf(context, request.model);
      const version = await context.registry.mutate((draft) => retire(draft.models[request.model]!, request.version, operation));
      logger.info({ model: request.model, version: request.version, actor: operation.actor }, 'model version retired');
      return versionToProto(version, liveRunners(context));
    },
  };
}
