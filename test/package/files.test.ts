/**
 * What `npm pack` puts in the tarball: every page the README, the docs and the CLI's or service's
 * messages point to must be in it, so a user reading them in node_modules finds them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  files: string[];
  scripts: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  repository?: { url?: string };
};

/** The paths `npm pack` would put in the tarball (scripts not run: dist/ is checked by the pack-and-consume CI step). */
function packedPaths(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [report] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set(report!.files.map((f) => f.path));
}

/** Markdown files shipped or read on the registry page: the README, the changelog, docs/ (not the generated API), examples/. */
function markdownFiles(): string[] {
  const list = ['README.md', 'CHANGELOG.md'];
  for (const dir of ['docs', 'examples']) {
    const walk = (d: string) => {
      for (const entry of readdirSync(join(root, d), { withFileTypes: true })) {
        const path = `${d}/${entry.name}`;
        if (entry.isDirectory() && entry.name !== 'node_modules' && path !== 'docs/api') walk(path);
        else if (entry.isFile() && entry.name.endsWith('.md')) list.push(path);
      }
    };
    if (existsSync(join(root, dir))) walk(dir);
  }
  return list;
}

/** Relative link targets of a Markdown file, as repository paths (anchors dropped). */
function relativeLinks(file: string): { target: string; image: boolean }[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const links: { target: string; image: boolean }[] = [];
  for (const match of text.matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const href = match[2]!;
    if (/^[a-z]+:/i.test(href) || href.startsWith('#')) continue;
    const path = href.split('#')[0]!;
    links.push({ target: normalize(join(dirname(file), decodeURIComponent(path))).replace(/\\/g, '/').replace(/\/$/, ''), image: match[1] === '!' || /\.(png|jpe?g|gif|webp)$/i.test(path) });
  }
  return links;
}

describe('the published package', () => {
  let packed: Set<string>;
  beforeAll(() => {
    packed = packedPaths();
  });

  it('builds before it is packed or published, and carries its licence and changelog', () => {
    expect(manifest.scripts.prepack).toBe('npm run build');
    for (const path of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'esm-only.cjs']) expect(packed, path).toContain(path);
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toMatch(/## \[Unreleased\]/);
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\//);
  });

  it('carries every page that the README and the docs link to (pictures are read from the repository)', () => {
    const missing: string[] = [];
    for (const file of markdownFiles()) {
      for (const { target, image } of relativeLinks(file)) {
        if (!existsSync(join(root, target))) missing.push(`${file} → ${target} (no such file)`);
        else if (!image && !packed.has(target) && ![...packed].some((p) => p.startsWith(`${target}/`))) missing.push(`${file} → ${target} (not packed)`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('carries every docs/ or examples/ page that a message or a comment of the code names', () => {
    const missing: string[] = [];
    const walk = (d: string) => {
      for (const entry of readdirSync(join(root, d), { withFileTypes: true })) {
        const path = `${d}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
          for (const match of readFileSync(join(root, path), 'utf8').matchAll(/\b((?:docs|examples)\/(?:[\w-]+\/)*(?:[\w-]+\.(?:md|json|svg|ts))?)/g)) {
            const target = match[1]!.replace(/\/$/, '');
            if (target.startsWith('docs/api')) continue;
            if (!packed.has(target) && ![...packed].some((p) => p.startsWith(`${target}/`))) missing.push(`${path} → ${target}`);
          }
        }
      }
    };
    walk('src');
    expect(missing).toEqual([]);
  });

  it('points nowhere outside the project', () => {
    const outside: string[] = [];
    for (const file of markdownFiles()) for (const { target } of relativeLinks(file)) if (relative(root, join(root, target)).startsWith('..')) outside.push(`${file} → ${target}`);
    expect(outside).toEqual([]);
  });

  it('answers require() with "ESM only — use import()", for every entry', () => {
    for (const [entry, conditions] of Object.entries(manifest.exports)) {
      if (typeof conditions === 'string') continue;
      expect(conditions.require, entry).toBe('./esm-only.cjs');
    }
    const require = createRequire(import.meta.url);
    expect(() => require(join(root, 'esm-only.cjs'))).toThrow(/ESM only — use import\(\)/);
    try {
      require(join(root, 'esm-only.cjs'));
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ERR_REQUIRE_ESM');
    }
  });
});
