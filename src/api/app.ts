// buildApp(): the whole HTTP API — validation with the shared zod schemas, problem+json errors,
// OpenAPI 3.1 at /openapi.json and docs at /docs, and the routes under /v1. It never listens:
// server.ts does, and tests drive it with inject or an ephemeral port.
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
} from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { AppError, ValidationError } from '../errors.js';
import { fromZod, plainMessages } from '../spec/index.js';
import { registerAuth } from './auth.js';
import { dashboardRoutes } from './dashboard.js';
import { fastCheckOf, isTrustedResponse } from './fast-path.js';
import { registerJsonParser } from './json-body.js';
import { registerMetrics } from './metrics.js';
import type { PredictEndpoint } from './predict.js';
import { createPredictLane, type PredictLane } from './predict-lane.js';
import {
  maxParamLength,
  registerProblemHandler,
  sendClientErrorProblem,
  sendFrameworkProblem,
} from './problem.js';
import { queueBoardPath, queueBoardRoutes } from './queue-board.js';
import { batchPredictionRoutes } from './routes/batch-predictions.js';
import { datasetRoutes } from './routes/datasets.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { inferenceV2Routes, oipInfer } from './routes/inference-v2.js';
import { jobRoutes } from './routes/jobs.js';
import { modelFileRoutes } from './routes/model-file.js';
import { modelPredict, modelRoutes } from './routes/models.js';
import { reproduceRoutes } from './routes/reproduce.js';
import { sweepEventRoutes } from './routes/sweep-events.js';
import { sweepRoutes } from './routes/sweeps.js';
import { tfPredict, tfServingRoutes } from './routes/tf-serving.js';
import { registerNoSniff } from './security-headers.js';
import { registerServices } from './services.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

declare module 'fastify' {
  interface FastifyInstance {
    /** The fast lane, when the app has one (tests read its counts). */
    predictLane?: PredictLane;
  }
}

const partNames: Record<string, string> = {
  body: '',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

// Validation with the shared schemas, failing with our ValidationError (paths like
// `network.layers.0.units`, `query.limit`) so every route answers bad input the same way. A
// schema with a fast check (fast-path.ts) lets the bodies it accepts through without zod.
function validatorCompiler({ schema, httpPart }: { schema: z.ZodType; httpPart?: string }) {
  const prefix = partNames[httpPart ?? 'body'] ?? '';
  const accepts = fastCheckOf(schema);
  return (data: unknown) => {
    if (accepts?.(data)) return { value: data };
    const result = schema.safeParse(data, { error: plainMessages });
    if (result.success) return { value: result.data };
    return { error: new ValidationError(fromZod(result.error, prefix)) };
  };
}

// Responses through zod, but for the ones the predict handlers build to their schema.
const serializer: typeof serializerCompiler = (route) =>
  isTrustedResponse(route.schema) ? (data) => JSON.stringify(data) : serializerCompiler(route);

// zod drops a schema's examples from its request ("…Input") form when it has defaults: give the
// request form the examples of the response form, which are valid requests too.
function withInputExamples(
  ...args: Parameters<typeof jsonSchemaTransformObject>
): ReturnType<typeof jsonSchemaTransformObject> {
  const document = jsonSchemaTransformObject(...args);
  const schemas = (
    document as { components?: { schemas?: Record<string, { examples?: unknown }> } }
  ).components?.schemas;
  for (const [name, schema] of Object.entries(schemas ?? {})) {
    const base = schemas![name.replace(/Input$/, '')];
    if (name.endsWith('Input') && !schema.examples && base?.examples)
      schema.examples = base.examples;
  }
  return document;
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];
type DocumentedBody = { content: Record<string, { schema: z.ZodType }> };

// A route's `documentedBody` (zod schemas by content type) is its request body in the document,
// one schema per type, while Fastify validates no body: POST /v1/datasets takes JSON or CSV.
function withDocumentedBody(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const { documentedBody, ...schema } = (input.schema ?? {}) as { documentedBody?: DocumentedBody };
  const transformed = jsonSchemaTransform({ ...input, schema } as TransformInput);
  if (!documentedBody) return transformed;
  const content: Record<string, { schema: unknown }> = {};
  for (const [type, body] of Object.entries(documentedBody.content)) {
    const one = jsonSchemaTransform({ ...input, schema: { body: body.schema } } as TransformInput);
    content[type] = { schema: (one.schema as { body: unknown }).body };
  }
  return { ...transformed, schema: { ...transformed.schema, body: { content } } };
}

export interface BuildOptions {
  config: Readonly<Config>;
  logger?: FastifyServerOptions['logger'];
  /** Answer ordinary predict requests before Fastify (predict-lane.ts); default true. */
  predictLane?: boolean;
}

/** The predict routes the fast lane may answer. */
const laneEndpoints = [modelPredict, oipInfer, tfPredict] as unknown as PredictEndpoint<never>[];

// Fastify's own HTTP/1 server (lib/server.js), with the fast lane in front of its router once
// the app has made it. Called once per address the app listens on.
function serverWithLane(lane: () => PredictLane | undefined) {
  return (handler: Handler, options: FastifyServerOptions): Server => {
    const http = (options as { http?: ServerOptions }).http ?? {};
    const server = createServer(http, (req, res) => {
      if (!lane()?.take(req, res, handler)) handler(req, res);
    });
    server.keepAliveTimeout = options.keepAliveTimeout!;
    server.requestTimeout = options.requestTimeout!;
    server.setTimeout(options.connectionTimeout!);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}

export async function buildApp({
  config,
  logger = false,
  predictLane = true,
}: BuildOptions): Promise<FastifyInstance> {
  let lane: PredictLane | undefined;
  const app = Fastify({
    serverFactory: serverWithLane(() => lane),
    logger,
    bodyLimit: config.maxBodyBytes,
    routerOptions: { maxParamLength },
    forceCloseConnections: true,
    // a client that trickles its request in is cut off with a 408 (sendClientErrorProblem)
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // how often Node looks for late requests (default 30 s: a timeout would fire that late)
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 4)),
    },
    frameworkErrors: sendFrameworkProblem,
    clientErrorHandler: sendClientErrorProblem,
  });
  // Bodies are JSON (or CSV, on the datasets route): text/plain would reach the validators as a
  // string and be refused as "must be an object" rather than as the wrong content-type (415).
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app, config.maxJsonDepth);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializer);
  registerProblemHandler(app, config.maxBodyBytes);
  registerNoSniff(app);
  const services = registerServices(app, config);
  const tenantOf = registerAuth(app, config.apiKeys, config.adminTenants, services.storesFor);
  const observe = registerMetrics(app);
  // rate limits are counted per request in Redis, by the route's hook: no lane then
  if (predictLane && config.rateLimitPerMinute === 0) {
    const { maxBodyBytes, maxJsonDepth } = config;
    const endpoints = laneEndpoints;
    lane = createPredictLane({ app, endpoints, tenantOf, observe, maxBodyBytes, maxJsonDepth });
    app.decorate('predictLane', lane);
    app.addHook('preClose', (done) => {
      lane!.closing = true;
      done();
    });
  }
  if (config.rateLimitPerMinute > 0) {
    // counted in Redis, so the limit holds across every API process; after the key is known
    // (the auth hook is global, this one per route); public routes are not counted
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      redis: services.redis,
      nameSpace: `${config.keyPrefix}:ratelimit:`,
      skipOnError: true, // Redis away: the route itself answers 503
      keyGenerator: (request) => request.keyId || `ip:${request.ip}`,
      allowList: (request) => request.keyId === '',
      errorResponseBuilder: (_request, context) =>
        new AppError(
          'too_many_requests',
          `this key made more than ${context.max} requests in a minute (RATE_LIMIT_PER_MINUTE = ${context.max}): try again in ${context.after}`,
        ),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'backprop-service',
        version: '0.2.0',
        description:
          'Training as a service for fully-connected neural networks, by backpropagation.',
      },
      tags: [
        { name: 'jobs', description: 'submit, watch and cancel training' },
        { name: 'sweeps', description: 'hyperparameter search over training jobs, with ASHA' },
        { name: 'datasets', description: 'upload data once, train on it by id' },
        { name: 'models', description: 'trained weights and prediction' },
        { name: 'health', description: 'liveness and readiness' },
        { name: 'protocols', description: 'predict over KServe v2 and TF Serving REST' },
      ],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key from the operator (API_KEYS); it names your tenant. Not needed when the service runs without keys (development mode, 127.0.0.1 only).',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: withDocumentedBody,
    // the schemas named with .meta({id}) go into components.schemas, where the $refs point
    transformObject: withInputExamples,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' }); // public, as the document is
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );

  await app.register(healthRoutes);
  await app.register(datasetRoutes);
  await app.register(jobRoutes);
  await app.register(eventRoutes);
  await app.register(modelRoutes);
  await app.register(reproduceRoutes);
  await app.register(modelFileRoutes);
  await app.register(batchPredictionRoutes);
  await app.register(sweepRoutes);
  await app.register(sweepEventRoutes);
  await app.register(inferenceV2Routes);
  await app.register(tfServingRoutes);
  await app.register(dashboardRoutes);
  await app.register(queueBoardRoutes, { prefix: queueBoardPath });
  return app;
}
