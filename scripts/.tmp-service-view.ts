import { chromium } from 'playwright-core';
import { drawStatechart } from '../src/service/statechart.js';
import { DEFAULT_POLICY } from '../src/policy/policy.js';
const d = await drawStatechart(DEFAULT_POLICY);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 700, height: 500 } });
await p.setContent(`<body style="margin:0;font-family:sans-serif">${d.compact}</body>`);
await p.screenshot({ path: '/tmp/svc/compact.png', fullPage: true });
await b.close();
