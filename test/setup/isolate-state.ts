// Every test process gets a state dir of its own: no test, nor a farmhand command it starts, reads
// or writes the user's real one (the default is the user's data dir).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'farmhand-test-state-'));
process.env.FARMHAND_STATE_DIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// No test process, nor a farmhand command it starts, sends mDNS from the root network namespace:
// coordinators (run, serve) browse only where this is unset. The LAN tests unset it for the
// processes they start inside their own namespaces (test/helpers/netns-lan.ts).
process.env.FARMHAND_NO_MDNS = '1';
