/**
 * docs/rules.md is the project's own rulebook: every rule id the code cites has its section, the
 * presets table says what the code's presets hold, every link into it lands on a heading, and
 * nothing in the project points outside it for the rules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULE_SUMMARIES } from '../../src/diagram/ruleSummaries.js';
import { PLATFORM_ERROR_RULES } from '../../src/infobip/platformCodes.js';
import { POLICY_PRESETS, type Policy } from '../../src/policy/policy.js';
import { DAY_MS, HOUR_MS } from '../../src/time.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const rules = read('docs/rules.md');

/** GitHub's (and TypeDoc's) anchor of a heading: lower case, punctuation dropped, spaces → hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
const anchors = new Set([...rules.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));

/** How the presets table writes a setting's value. */
function shown(value: Policy[keyof Policy], key: string): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number' && key.endsWith('Ms')) {
    if (value % DAY_MS === 0 && value >= 2 * DAY_MS) return `${value / DAY_MS} days`;
    return value % HOUR_MS === 0 ? `${value / HOUR_MS} h` : `${value / 60_000} min`;
  }
  return String(value);
}

describe('docs/rules.md', () => {
  it('has a section for every rule id the code cites (statechart, platform codes, sender-wide)', () => {
    const cited = new Set([...Object.keys(RULE_SUMMARIES), ...Object.values(PLATFORM_ERROR_RULES).flat(), 'S1', 'S2', 'S3', 'S4', 'G6']);
    for (const id of cited) expect(rules, id).toMatch(new RegExp(`^### ${id}$`, 'm'));
  });

  it('gives, for every policy setting, the value each preset holds (every preset a column, infobip-seed included)', () => {
    const section = rules.slice(rules.indexOf('## Policy presets'));
    const header = /^\| setting \| rule \|(.+)\|$/m.exec(section);
    const columns = [...header![1]!.matchAll(/`([\w-]+)`/g)].map((m) => m[1] as keyof typeof POLICY_PRESETS);
    expect([...columns].sort()).toEqual(Object.keys(POLICY_PRESETS).sort());
    const table = new Map<string, string[]>();
    for (const m of section.matchAll(/^\| `(\w+)` \| [^|]+ \|((?: [^|]+ \|)+)$/gm)) table.set(m[1]!, m[2]!.split('|').slice(0, -1).map((cell) => cell.trim()));
    const presets = columns.map((name) => POLICY_PRESETS[name]);
    for (const key of Object.keys(POLICY_PRESETS.infobip).filter((k) => k !== 'name')) {
      expect(table.get(key), `row ${key}`).toEqual(presets.map((p) => shown(p[key as keyof Policy], key)));
    }
    // The default follows the platform's current G2 (Meta, 2025-12-19); the seed's 5 is kept as a preset.
    expect(table.get('connectedCallsPerWindow')).toEqual(columns.map((name) => (name === 'infobip-seed' ? '5' : '100')));
  });

  it('is where every link to a rule lands (README table, docs, examples)', () => {
    const readme = read('README.md');
    const tableIds = [...readme.matchAll(/^\| \[(\w\d+)\]\(docs\/rules\.md#(\w+)\) \|/gm)];
    expect(tableIds.length).toBeGreaterThanOrEqual(17);
    for (const [, id, anchor] of tableIds) expect(anchor, id).toBe(id!.toLowerCase());
    expect(readme).not.toMatch(/^\| [RGMUWS]\d+ \|/m); // every id of the table is a link
    const sources = ['README.md', 'docs/rules.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const file of sources) {
      for (const m of read(file).matchAll(/\]\((?:\.\.\/)?(?:docs\/)?(?:rules\.md)?#([\w-]+)\)/g)) {
        const target = m[0].includes('rules.md') || file === 'docs/rules.md' ? m[1]! : undefined;
        if (target) expect(anchors, `${file} → rules.md#${target}`).toContain(target);
      }
    }
  });

  it('replaces the rulebook outside the project: nothing points there any more', () => {
    const banned = ['RULES' + '.md', '../' + 'shared', '/work/' + 'shared'];
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules' && path !== 'docs/api') walk(path);
        } else if (/\.(ts|md|json|js|css|html|sh)$/.test(entry.name)) {
          const text = read(path);
          for (const word of banned) if (text.includes(word)) found.push(`${path}: ${word}`);
        }
      }
    };
    for (const dir of ['src', 'machines', 'docs', 'test', 'scripts', 'bench', 'examples', '.ci']) walk(dir);
    for (const file of ['README.md', 'CHANGELOG.md', 'package.json', 'typedoc.json']) for (const word of banned) if (read(file).includes(word)) found.push(`${file}: ${word}`);
    expect(found).toEqual([]);
  });
});
