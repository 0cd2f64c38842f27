// The Kubernetes manifests in deploy/ (issue 16, "Many machines"), checked without a cluster:
// every document against the shape Kubernetes' (and KEDA's) OpenAPI schemas give the fields we
// use, as strict zod objects, so a misspelt or misplaced field, a number where Kubernetes wants a
// string, or a missing required field fails here as `kubectl apply` would fail there; then
// against the service itself: every environment variable is a declared setting (src/settings)
// and the values load (src/config.ts), the probes are the API's routes, ports, labels and
// selectors agree, and the KEDA ScaledObject scales the worker Deployment on the BullMQ keys
// the queue really uses (test/deploy/keda-queue-keys.test.ts shows them on a real Redis).
// kubeconform would need a binary downloaded at install time; this needs nothing new.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { QueueKeys } from 'bullmq';
import fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { healthRoutes } from '../../src/api/routes/health.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { datasetQueueName, queueName } from '../../src/queue.js';
import { parseRedisUrl } from '../../src/redis-url.js';
import { settings } from '../../src/settings/index.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** Variables a container may carry that are not the service's settings: the AWS SDK's own. */
const sdkVariables = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
const settingNames = new Set(Object.values(settings).map((s) => s.env));

// ---- the shapes: the fields of the Kubernetes (and KEDA) OpenAPI schemas that deploy/ uses ----

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/); // an RFC 1123 label
const labels = z.record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]{1,63}$/), z.string());
const metadata = z.strictObject({ name, labels: labels.optional() });
const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/), z.number()]);
const intOrString = z.union([z.number().int(), z.string()]);
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

const probe = z.strictObject({
  httpGet: z.strictObject({ path: z.string().startsWith('/'), port: intOrString }),
  initialDelaySeconds: z.number().int().optional(),
  periodSeconds: z.number().int().optional(),
  timeoutSeconds: z.number().int().optional(),
  failureThreshold: z.number().int().optional(),
});
const containerSecurity = z.strictObject({
  allowPrivilegeEscalation: z.boolean(),
  readOnlyRootFilesystem: z.boolean(),
  capabilities: z.strictObject({ drop: z.array(z.string()) }),
});
const container = z.strictObject({
  name,
  image: z.string(),
  command: z.array(z.string()).optional(),
  ports: z
    .array(z.strictObject({ name: z.string().max(15), containerPort: z.number().int() }))
    .optional(),
  // EnvVar.value is a string: `value: 3000` is refused by the API server
  env: z.array(z.strictObject({ name: envVarName, value: z.string() })).optional(),
  envFrom: z
    .array(
      z.union([
        z.strictObject({ configMapRef: z.strictObject({ name }) }),
        z.strictObject({ secretRef: z.strictObject({ name }) }),
      ]),
    )
    .optional(),
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
  resources: z.strictObject({
    requests: z.strictObject({ cpu: quantity, memory: quantity }),
    limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
  }),
  securityContext: containerSecurity,
  volumeMounts: z.array(z.strictObject({ name, mountPath: z.string() })).optional(),
});
const deployment = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata,
  spec: z.strictObject({
    replicas: z.number().int().min(0),
    selector: z.strictObject({ matchLabels: labels }),
    template: z.strictObject({
      metadata: z.strictObject({ labels }),
      spec: z.strictObject({
        automountServiceAccountToken: z.boolean().optional(),
        terminationGracePeriodSeconds: z.number().int().optional(),
        securityContext: z.strictObject({
          runAsNonRoot: z.boolean(),
          runAsUser: z.number().int(),
          runAsGroup: z.number().int(),
          seccompProfile: z.strictObject({ type: z.enum(['RuntimeDefault', 'Localhost']) }),
        }),
        containers: z.array(container).min(1),
        volumes: z.array(z.strictObject({ name, emptyDir: z.strictObject({}) })).optional(),
      }),
    }),
  }),
});
const service = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata,
  spec: z.strictObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']),
    selector: labels,
    ports: z
      .array(z.strictObject({ name: z.string(), port: z.number().int(), targetPort: intOrString }))
      .min(1),
  }),
});
// ConfigMap.data and Secret.stringData map to strings only: `PORT: 3000` is refused
const configMap = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata,
  data: z.record(envVarName, z.string()),
});
const secret = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata,
  type: z.literal('Opaque'),
  stringData: z.record(z.string(), z.string()),
});
// keda.sh/v1alpha1, https://keda.sh/docs/concepts/scaling-deployments/
const redisTrigger = z.strictObject({
  type: z.literal('redis'),
  name: z.string().optional(),
  metadata: z.strictObject({
    address: z.string().regex(/^[^:]+:\d+$/), // host:port, as KEDA's redis scaler wants it
    databaseIndex: z.string().regex(/^\d+$/),
    enableTLS: z.enum(['true', 'false']),
    listName: z.string(),
    listLength: z.string().regex(/^[1-9]\d*$/),
    activationListLength: z.string().regex(/^\d+$/).optional(),
  }),
  authenticationRef: z.strictObject({ name }).optional(),
});
const scaledObject = z.strictObject({
  apiVersion: z.literal('keda.sh/v1alpha1'),
  kind: z.literal('ScaledObject'),
  metadata,
  spec: z.strictObject({
    scaleTargetRef: z.strictObject({
      apiVersion: z.literal('apps/v1').optional(),
      kind: z.literal('Deployment').optional(),
      name,
    }),
    pollingInterval: z.number().int().positive(),
    cooldownPeriod: z.number().int().positive(),
    minReplicaCount: z.number().int().min(0),
    maxReplicaCount: z.number().int().positive(),
    advanced: z.strictObject({
      horizontalPodAutoscalerConfig: z.strictObject({
        behavior: z.strictObject({
          scaleDown: z.strictObject({
            stabilizationWindowSeconds: z.number().int(),
            policies: z.array(
              z.strictObject({
                type: z.enum(['Pods', 'Percent']),
                value: z.number().int(),
                periodSeconds: z.number().int(),
              }),
            ),
          }),
        }),
      }),
    }),
    triggers: z.array(redisTrigger).min(1),
  }),
});
const triggerAuthentication = z.strictObject({
  apiVersion: z.literal('keda.sh/v1alpha1'),
  kind: z.literal('TriggerAuthentication'),
  metadata,
  spec: z.strictObject({
    secretTargetRef: z.array(
      z.strictObject({ parameter: z.enum(['password', 'username']), name, key: z.string() }),
    ),
  }),
});
const kustomization = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  labels: z.array(z.strictObject({ pairs: labels })),
  resources: z.array(z.string()),
  images: z.array(z.strictObject({ name: z.string(), newTag: z.string() })),
});

const shapes = {
  'apps/v1 Deployment': deployment,
  'v1 Service': service,
  'v1 ConfigMap': configMap,
  'v1 Secret': secret,
  'keda.sh/v1alpha1 ScaledObject': scaledObject,
  'keda.sh/v1alpha1 TriggerAuthentication': triggerAuthentication,
  'kustomize.config.k8s.io/v1beta1 Kustomization': kustomization,
} as const;
type Shapes = typeof shapes;
type Manifest<K extends keyof Shapes> = z.output<Shapes[K]>;

// ---- the files ----

/** Every YAML document of deploy/, with its file. */
function loadManifests(): { file: string; doc: Record<string, unknown> }[] {
  const files = readdirSync(new URL('deploy/', root)).filter((f) => f.endsWith('.yaml'));
  return files.flatMap((file) =>
    parseAllDocuments(read(`deploy/${file}`)).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      return { file, doc: document.toJS() as Record<string, unknown> };
    }),
  );
}

const manifests = loadManifests();
/** docker-compose.yml's services, which run the same image the same way. */
const compose = (
  parse(read('docker-compose.yml')) as {
    services: Record<string, { image?: string; command?: string[]; stop_grace_period?: string }>;
  }
).services;

function all<K extends keyof Shapes>(key: K): Manifest<K>[] {
  return manifests
    .filter(({ doc }) => `${doc.apiVersion} ${doc.kind}` === key)
    .map(({ doc }) => shapes[key].parse(doc) as Manifest<K>);
}
function one<K extends keyof Shapes>(key: K, name: string): Manifest<K> {
  const found = all(key).filter(
    (m) => (m as { metadata?: { name?: string } }).metadata?.name === name,
  );
  expect(found, `${key} ${name}`).toHaveLength(1);
  return found[0]!;
}

const api = one('apps/v1 Deployment', 'backprop-api');
const worker = one('apps/v1 Deployment', 'backprop-worker');
const apiService = one('v1 Service', 'backprop-api');
const scaler = one('keda.sh/v1alpha1 ScaledObject', 'backprop-worker');

/** The environment a container starts with: its env, and every key of its envFrom sources. */
function environmentOf(c: z.output<typeof container>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of c.envFrom ?? []) {
    const values =
      'configMapRef' in source
        ? one('v1 ConfigMap', source.configMapRef.name).data
        : one('v1 Secret', source.secretRef.name).stringData;
    Object.assign(env, values);
  }
  for (const { name, value } of c.env ?? []) env[name] = value;
  return env;
}

const onlyContainer = (d: Manifest<'apps/v1 Deployment'>) => {
  expect(d.spec.template.spec.containers).toHaveLength(1);
  return d.spec.template.spec.containers[0]!;
};
/** A valid API_KEYS entry, for the placeholder the Secret leaves to be replaced. */
const someKeys = `acme:${'ab'.repeat(32)}`;

describe('deploy/: Kubernetes manifests', () => {
  it('every document is a kind we know, in the shape its schema gives', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, doc } of manifests) {
      const key = `${doc.apiVersion} ${doc.kind}`;
      expect(Object.keys(shapes), `${file}: ${key}`).toContain(key);
      const parsed = shapes[key as keyof Shapes].safeParse(doc);
      expect(parsed.error?.issues, `${file}: ${key}`).toBeUndefined();
    }
  });

  it('the kustomization applies every other file, with the image both Deployments run', () => {
    const [k] = all('kustomize.config.k8s.io/v1beta1 Kustomization');
    const others = readdirSync(new URL('deploy/', root))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort();
    expect([...k!.resources].sort()).toEqual(others);
    const image = compose.api!.image!.split(':')[0];
    expect(compose.worker!.image!.split(':')[0]).toBe(image);
    expect(k!.images.map((i) => i.name)).toEqual([image]);
    for (const d of [api, worker]) expect(onlyContainer(d).image).toBe(image);
  });

  it('each Deployment selects its own pods, and the Service the API pods only', () => {
    for (const d of [api, worker])
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    const selects = (pods: Record<string, string>) =>
      Object.entries(apiService.spec.selector).every(([k, v]) => pods[k] === v);
    expect(selects(api.spec.template.metadata.labels)).toBe(true);
    expect(selects(worker.spec.template.metadata.labels)).toBe(false);
  });

  it('the Service and the probes reach the port the API listens on', () => {
    const c = onlyContainer(api);
    const config = loadConfig({ ...environmentOf(c), API_KEYS: someKeys });
    const ports = c.ports ?? [];
    expect(ports.map((p) => p.containerPort)).toEqual([config.port]);
    expect(config.host).toBe('0.0.0.0'); // not 127.0.0.1: the kubelet and the Service come from outside
    const named = (port: number | string) =>
      typeof port === 'number' ? port : ports.find((p) => p.name === port)?.containerPort;
    expect(apiService.spec.ports.map((p) => named(p.targetPort))).toEqual([config.port]);
    expect(named(c.livenessProbe!.httpGet.port)).toBe(config.port);
    expect(named(c.readinessProbe!.httpGet.port)).toBe(config.port);
  });

  it('probe /healthz for liveness and /readyz for readiness, routes the API serves', async () => {
    const c = onlyContainer(api);
    expect(c.livenessProbe?.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe?.httpGet.path).toBe('/readyz');
    const app = fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(healthRoutes);
    await app.ready();
    for (const path of [c.livenessProbe!.httpGet.path, c.readinessProbe!.httpGet.path])
      expect(app.hasRoute({ method: 'GET', url: path }), path).toBe(true);
    await app.close();
  });

  it('every variable a container gets is a declared setting (or the AWS SDK credentials)', () => {
    for (const d of [api, worker]) {
      const names = Object.keys(environmentOf(onlyContainer(d)));
      expect(names).toContain('REDIS_URL');
      expect(names).toContain('BLOB_URL');
      for (const n of names)
        expect(settingNames.has(n) || sdkVariables.has(n), `${d.metadata.name}: ${n}`).toBe(true);
    }
  });

  it('the settings load, an s3:// BLOB_URL among them; the placeholder API_KEYS refuses to start', () => {
    for (const d of [api, worker]) {
      const env = environmentOf(onlyContainer(d));
      const config = loadConfig({ ...env, API_KEYS: someKeys });
      expect(config.blobUrl).toMatch(/^s3:\/\//);
      expect(config.redisUrl).toBe(env.REDIS_URL);
      // as deployed unchanged: one refusal, API_KEYS's
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(/^bad configuration: API_KEYS: [^;]*$/);
    }
  });

  it('the worker runs the built worker as compose does, one job per core it is given', () => {
    const c = onlyContainer(worker);
    expect(c.command).toEqual(['node', 'dist/workers/worker.js']);
    expect(existsSync(new URL('workers/worker.ts', root))).toBe(true);
    expect(compose.worker!.command).toEqual(c.command);
    const config = loadConfig({ ...environmentOf(c), API_KEYS: someKeys });
    expect(Number(c.resources.requests.cpu)).toBe(config.workerConcurrency);
    expect(Number(c.resources.limits.cpu)).toBe(config.workerConcurrency);
    // the grace a worker gets to hand its jobs back, as docker-compose's stop_grace_period
    expect(`${worker.spec.template.spec.terminationGracePeriodSeconds}s`).toBe(
      compose.worker!.stop_grace_period,
    );
  });

  it('no container runs as root or can become root', () => {
    expect(read('Dockerfile')).toMatch(/^USER node$/m);
    for (const d of [api, worker]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      const c = onlyContainer(d);
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
      expect(c.resources.limits.memory).toBeDefined();
    }
  });

  it('KEDA scales the worker Deployment on the queue keys BullMQ uses, with REDIS_URL', () => {
    expect(scaler.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    expect(scaler.spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
    expect(scaler.spec.minReplicaCount).toBeLessThanOrEqual(scaler.spec.maxReplicaCount);
    const env = environmentOf(onlyContainer(worker));
    const config = loadConfig({ ...env, API_KEYS: someKeys });
    const keys = new QueueKeys(config.keyPrefix).getKeys(queueName);
    const datasets = new QueueKeys(config.keyPrefix).getKeys(datasetQueueName);
    expect(scaler.spec.triggers.map((t) => t.metadata.listName)).toEqual([
      keys.wait,
      keys.active,
      datasets.wait,
    ]);
    const redis = parseRedisUrl(config.redisUrl);
    if (typeof redis === 'string') throw new Error(redis);
    for (const trigger of scaler.spec.triggers) {
      // a worker reads one big upload at a time
      const perWorker = trigger.metadata.listName === datasets.wait ? 1 : config.workerConcurrency;
      expect(trigger.metadata.listLength).toBe(String(perWorker));
      expect(trigger.metadata.address).toBe(`${redis.host}:${redis.port}`);
      expect(trigger.metadata.databaseIndex).toBe(String(redis.db ?? 0));
      expect(trigger.metadata.enableTLS).toBe(String(redis.tls));
      // KEDA's password for Redis is REDIS_URL's
      const auth = one(
        'keda.sh/v1alpha1 TriggerAuthentication',
        trigger.authenticationRef?.name ?? '',
      );
      const ref = auth.spec.secretTargetRef.find((r) => r.parameter === 'password')!;
      expect(one('v1 Secret', ref.name).stringData[ref.key]).toBe(redis.password);
    }
  });
});
