import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, test } from 'vitest';
import { openApiDocument } from '../../src/service/openapi.js';
import { createRoutes, type ServiceContext } from '../../src/service/routes.js';

/**
 * `GET /openapi.json` is valid OpenAPI 3.1 (by @seriousme/openapi-schema-validator, against the
 * specification's own JSON schema) and describes exactly the router's `/v1` routes.
 */
describe('the OpenAPI description of /v1', () => {
  const document = openApiDocument('v1') as { openapi: string; paths: Record<string, Record<string, unknown>> };

  test('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  test('describes every /v1 route of the router, and nothing the router does not route', () => {
    // The router's table is built without a running service: its handlers are not called here.
    const { table } = createRoutes({ logged: { engine: {} } } as unknown as ServiceContext);
    const routed = table
      .filter((route) => route.pattern[0] === 'v1')
      .map((route) => `${route.method} /${route.pattern.map((part) => (part.startsWith(':') ? `{${part.slice(1)}}` : part)).join('/')}`)
      .sort();
    const described = Object.entries(document.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(described).toEqual(routed);
    expect(routed.length).toBeGreaterThan(10);
    expect(table.some((route) => route.pattern.join('/') === 'openapi.json')).toBe(true);
  });
});
