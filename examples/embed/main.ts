import { runJourney } from './journey.ts';

// PLATFORM_URL and PLATFORM_API_KEY: your calling platform's REST API (see callingPlatform.ts).
const baseUrl = process.env.PLATFORM_URL;
const apiKey = process.env.PLATFORM_API_KEY;
if (!baseUrl || !apiKey) {
  console.error('PLATFORM_URL and PLATFORM_API_KEY are not set (see examples/README.md, "Embedded")');
  process.exit(2);
}
for (const line of await runJourney({ baseUrl, apiKey })) console.log(line);
