// A typed client of the HTTP API: openapi-fetch over the route types that scripts/openapi.ts
// generates from the API's own OpenAPI document at build time. The end-to-end tests talk to the
// service through it, so a route that drifts from its document fails to compile.
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './client.generated.js';

export type ApiClient = Client<paths>;
export type { components, paths } from './client.generated.js';

/** A client of the service at `baseUrl`; `apiKey` is sent as `Authorization: Bearer`. */
export function createApiClient(baseUrl: string, apiKey?: string): ApiClient {
  return createClient<paths>({
    baseUrl,
    ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
  });
}
