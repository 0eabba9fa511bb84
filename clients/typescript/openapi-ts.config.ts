import { defineConfig } from '@hey-api/openapi-ts';

// The client a mobile team would generate: fetch, zod schemas, and an SDK that validates
// every request and every successful response against them at runtime.
export default defineConfig({
  input: '../../openapi/openapi.json',
  output: { path: 'generated' },
  plugins: ['@hey-api/client-fetch', 'zod', { name: '@hey-api/sdk', validator: true }],
});
