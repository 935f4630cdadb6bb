// A test file must stop what it started: after its tests, no child process of the test process may
// still run (shell workers, job processes, farmhand commands). Checked from /proc, so Linux only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll } from 'vitest';

function liveChildren(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z' || state === 'X') continue;
      found.push(`${entry}: ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

afterAll(async () => {
  if (!existsSync('/proc/self/stat')) return;
  const until = Date.now() + 3000;
  let left = liveChildren();
  while (left.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = liveChildren();
  }
  if (left.length > 0) throw new Error(`processes left running by this test file:\n${left.join('\n')}`);
});
