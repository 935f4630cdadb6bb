// Links of README.md and docs/*.md: relative ones point at files of the repository (and at headings
// that exist), none climbs out of it, and the only web links are to upstream projects.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentationFiles } from './markdown-examples';

const repoRoot = join(import.meta.dirname, '../../..');
/** Pages other engineers are writing in this release; linked from the indexes already. */
const comingPages = new Set(['docs/lan.md', 'docs/window.md', 'docs/desktop.md', 'docs/safety.md']);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as `-`. */
function headingAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => headingAnchor(match[1] ?? '')));
}

/** `[text](target)` links outside code blocks and code spans. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
}

describe('links of the docs', () => {
  for (const path of documentationFiles(repoRoot)) {
    it(`${path}: relative links resolve inside the repository, web links go upstream only`, () => {
      const problems: string[] = [];
      for (const link of linksOf(readFileSync(join(repoRoot, path), 'utf8'))) {
        if (/^https?:\/\//.test(link)) {
          if (/farmhand/i.test(link)) problems.push(`${link}: a web link to Farmhand itself; link the file in the repository`);
          continue;
        }
        const [file = '', anchor] = link.split('#');
        const target = file === '' ? path : normalize(join(dirname(path), file));
        if (target.startsWith('..') || relative(repoRoot, join(repoRoot, target)).startsWith('..')) {
          problems.push(`${link}: leaves the repository`);
          continue;
        }
        if (comingPages.has(target) && !existsSync(join(repoRoot, target))) continue;
        if (!existsSync(join(repoRoot, target))) {
          problems.push(`${link}: no file ${target}`);
          continue;
        }
        if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(readFileSync(join(repoRoot, target), 'utf8')).has(anchor)) {
          problems.push(`${link}: ${target} has no heading #${anchor}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('makes anchors as GitHub does', () => {
    expect(headingAnchor('The DAG: `needs` and `depends_on`')).toBe('the-dag-needs-and-depends_on');
    expect(headingAnchor("This machine's agent settings: `agent.yml`")).toBe('this-machines-agent-settings-agentyml');
  });
});
