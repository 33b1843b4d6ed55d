/**
 * `GET /openapi.json`: an OpenAPI 3.1 description of `/v1`, for clients and gateways. A test holds
 * it to the router (every route described, every description routed) and to OpenAPI's own schema.
 */
const error = { $ref: '#/components/responses/Error' };
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const object = { type: 'object' };
const relationshipParameters = [
  { name: 'sender', in: 'path', required: true, description: "The business's number (E.164 digits; `+` and separators allowed)", schema: { type: 'string' } },
  { name: 'user', in: 'path', required: true, description: "The user's number", schema: { type: 'string' } },
];
const noBody = { required: false, description: 'No body (send `Content-Type: application/json` all the same)', content: { 'application/json': { schema: { type: 'object', maxProperties: 0 } } } };

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'whatsapp-call-permissions reference service',
      version,
      description: 'Permission requests and calls under WhatsApp business-initiated calling rules. See docs/service.md.',
    },
    security: [{ bearer: [] }, { session: [] }],
    paths: {
      '/v1/session': {
        get: { summary: 'Whether the API token is required, and whether this request has it', security: [], responses: { 200: json(object, 'The session') } },
        post: {
          summary: 'Log in with the API token: answers a session cookie',
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'], additionalProperties: false } } } },
          responses: { 200: json(object, 'Logged in (Set-Cookie)'), 401: error },
        },
        delete: { summary: 'Clear the session cookie', security: [], responses: { 200: json(object, 'Logged out') } },
      },
      '/v1/clock': {
        get: { summary: 'The service clock', responses: { 200: json(object, 'Mode and time'), 401: error } },
        post: {
          summary: 'Move the virtual clock (dry run only) and sweep',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { advance: { type: 'string' }, at: { type: 'string', format: 'date-time' } } } } } },
          responses: { 200: json(object, 'Moved'), 400: error, 401: error, 409: error },
        },
      },
      '/v1/changes': { get: { summary: 'Server-sent events: a relationship changed, the clock moved', responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: error } } },
      '/v1/statechart.svg': { get: { summary: 'The statechart, drawn from the machine', responses: { 200: { description: 'SVG', content: { 'image/svg+xml': { schema: { type: 'string' } } } }, 401: error } } },
      '/v1/statechart/compact.svg': { get: { summary: "The inspector's compact drawing", responses: { 200: { description: 'SVG', content: { 'image/svg+xml': { schema: { type: 'string' } } } }, 401: error } } },
      '/v1/relationships': {
        get: {
          summary: 'Relationships, most recently changed first',
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
          responses: { 200: json(object, 'The list'), 400: error, 401: error },
        },
      },
      '/v1/relationships/{sender}/{user}/permission-requests': {
        parameters: relationshipParameters,
        post: { summary: 'Send a permission request if the rules allow (R1, R2, R3, R5)', requestBody: noBody, responses: { 201: json(object, 'Sent'), 409: error, 401: error, 415: error, 502: error } },
      },
      '/v1/relationships/{sender}/{user}/calls': {
        parameters: relationshipParameters,
        post: { summary: 'Start a call if the rules allow (G2, G4; the sender: S1–S4, G6)', requestBody: noBody, responses: { 201: json(object, 'Started'), 409: error, 401: error, 415: error, 502: error } },
      },
      '/v1/relationships/{sender}/{user}/events': {
        parameters: relationshipParameters,
        post: {
          summary: 'Record a test event (dry run only)',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { type: { type: 'string' }, at: { type: 'string', format: 'date-time' } }, required: ['type'] } } } },
          responses: { 201: json(object, 'Recorded'), 400: error, 401: error, 403: error, 415: error, 422: error },
        },
      },
      '/v1/relationships/{sender}/{user}/permissions': {
        parameters: relationshipParameters,
        get: { summary: 'The Infobip-shaped permissions view', parameters: [{ name: 'at', in: 'query', schema: { type: 'string', format: 'date-time' } }], responses: { 200: json(object, 'The view'), 400: error, 401: error } },
      },
      '/v1/senders/{sender}': {
        parameters: [relationshipParameters[0]],
        get: {
          summary: "The sender's statechart across all its users (S1–S4, G6): state, S1/S2 counters, why a new call would be refused",
          parameters: [{ name: 'at', in: 'query', schema: { type: 'string', format: 'date-time' } }],
          responses: { 200: json(object, 'The sender status'), 400: error, 401: error },
        },
      },
      '/v1/relationships/{sender}/{user}/timeline': {
        parameters: relationshipParameters,
        get: {
          summary: 'The relationship now, and its newest timeline rows',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } },
            { name: 'before', in: 'query', description: 'A `page.nextBefore` cursor', schema: { type: 'integer', minimum: 1 } },
          ],
          responses: { 200: json(object, 'The timeline'), 400: error, 401: error },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'WACP_API_TOKEN; not needed in the local dry-run default' },
        session: { type: 'apiKey', in: 'cookie', name: 'wacp_session', description: 'From POST /v1/session (the inspector page)' },
      },
      responses: {
        Error: json(
          {
            type: 'object',
            properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: ['string', 'null'] } }, required: ['code', 'message', 'path'] } },
            required: ['error'],
          },
          'The one error shape: a stable code, a message, the offending part of the request',
        ),
      },
    },
  };
}
