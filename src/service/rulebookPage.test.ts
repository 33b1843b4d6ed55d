import { describe, expect, it } from 'vitest';
import { rulebookPage } from './rulebookPage.js';

describe('rulebookPage: docs/rules.md as HTML with the anchors the inspector links to', () => {
  const markdown = [
    '# The rules',
    '',
    'Every rule has an id. <script>alert(1)</script>',
    '',
    '## R1 — at most 1 request in 24 h',
    'Source: the seed (2026-04-01).',
    '<a id="g2"></a>',
    '### The call limit',
    '| preset | calls |',
    '## Decisions & defaults',
  ].join('\n');
  const html = rulebookPage(markdown);

  it('a heading that starts with a rule id is anchored by the id in lower case; others by their words', () => {
    expect(html).toContain('<h2 id="r1">R1 — at most 1 request in 24 h</h2>');
    expect(html).toContain('<h3 id="the-call-limit">The call limit</h3>');
    expect(html).toContain('<h2 id="decisions-defaults">Decisions &amp; defaults</h2>');
    expect(html).toContain('<a id="g2"></a>');
  });

  it('shows everything else as escaped text', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<pre>| preset | calls |</pre>');
  });
});
