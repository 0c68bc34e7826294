// The README is a user's guide a new user can follow: short, self-contained (every link resolves inside the
// repository, nothing cites files outside it), with the detail in docs/ and bench/README.md.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', 'docs/alerts-and-delivery.md', 'docs/reference.md', 'docs/reliability.md', 'docs/development.md', 'docs/coin-directory.md', 'docs/deployment.md', 'docs/postgres.md', 'docs/database.md', 'bench/README.md'];

/** `#the-heading` as GitHub makes it from a heading's text. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

describe('documentation', () => {
  it('keeps the README a user guide of at most ~20 KB, starting with the demo and npm test', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(20 * 1024);
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Self-hosting'));
    expect(quickStart).toContain('npm run demo');
    expect(quickStart).toContain('npm test');
    for (const heading of ['## Self-hosting', '### Telegram', '### Discord', '### Slack', '## Commands', '## Alerts', '## Troubleshooting']) {
      expect(readme).toContain(`\n${heading}\n`);
    }
  });

  it.each(DOCS)('%s cites nothing outside the repository and every relative link resolves', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    expect(text).not.toMatch(/DESIGN\.md|\.\.\/shared|spec\//);
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:)/.test(target!)) continue;
      const [path, hash] = target!.split('#');
      const file = path ? join(dirname(join(ROOT, doc)), path) : join(ROOT, doc);
      expect(existsSync(file), `${doc} → ${target}`).toBe(true);
      if (hash) {
        const headings = readFileSync(file, 'utf8').match(/^#+ .+$/gm) ?? [];
        expect(headings.map((h) => anchor(h.replace(/^#+ /, ''))), `${doc} → ${target}`).toContain(hash);
      }
    }
  });
});
