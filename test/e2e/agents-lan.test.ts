// The agents panel on a simulated LAN: `farmhand serve` and Chromium on one test host (network
// namespace), `farmhand agent` on another. The agent is heard by mDNS, shows up in the panel, and is
// paired from it by name with the code it printed. Real processes, real multicast, real TCP.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { canUseNamespaces, createLan, spawnFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';
import { openBrowser, type Browser } from './browser';

const usable = canUseNamespaces() && existsSync('/usr/bin/chromium') && existsSync('dist/renderer/app.js');
if (!usable) {
  if (process.env.CI) throw new Error('the LAN e2e test needs root, iproute2, /usr/bin/chromium and the built renderer, which CI must provide');
  console.warn('\n!!! test/e2e/agents-lan.test.ts SKIPPED: needs root, iproute2, chromium and npm run build !!!\n');
}

let lan: Lan;
let base: string;
let agent: AgentProcess | undefined;
let serve: ReturnType<typeof spawnFarmhand> | undefined;
let browser: Browser | undefined;
let url = '';

beforeAll(async () => {
  if (!usable) return;
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-e2e-'));
  lan = createLan(2);
  const [desk, spare] = lan.hosts as [typeof lan.hosts[0], typeof lan.hosts[0]];
  writeFileSync(join(base, 'farmhand.yml'), 'version: 1\nname: demo\njobs:\n  hello:\n    run: ["echo hello"]\n');
  agent = await startAgentProcess(['--name', 'spare-box', '--port', '4747', '--state-dir', join(base, 'agent'), '--no-mdns-probe'], spare);
  serve = spawnFarmhand(['serve', base, '--port', '0', '--state-dir', join(base, 'coordinator')], desk);
  let output = '';
  serve.stdout!.on('data', (data) => (output += data));
  serve.stderr!.on('data', (data) => (output += data));
  const deadline = Date.now() + 30_000;
  while (!/farmhand serving (\S+)/.test(output)) {
    if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`serve did not start in its namespace:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  url = /farmhand serving (\S+)/.exec(output)![1]!;
  // Chromium runs on the same test host as serve: playwright talks to it over pipes, which cross namespaces.
  const wrapper = join(base, 'chromium-in-namespace.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${desk.namespace} /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  browser = await openBrowser({ executablePath: wrapper });
});

afterAll(async () => {
  await browser?.close();
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve!.once('close', resolve));
  }
  await agent?.stop();
  lan?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('the agents panel on a LAN of namespaces', () => {
  it('shows an agent heard by mDNS and pairs it by name from the panel', async () => {
    const { page } = browser!;
    await page.goto(url);
    await page.goto(`${new URL(url).origin}/#/agents`);
    await page.locator('[data-agent="spare-box"][data-paired="false"]').waitFor({ timeout: 20_000 });
    await browser!.screenshot('lan-agent-discovered');
    await page.getByLabel('Agent to pair').fill('spare-box');
    await page.getByLabel('Pairing code').fill(agent!.code!);
    await page.getByRole('button', { name: 'Pair', exact: true }).click();
    await page.getByText(/^Paired with/).waitFor({ timeout: 20_000 });
    await page.locator('[data-agent="spare-box"][data-paired="true"]').waitFor({ timeout: 20_000 });
    await browser!.screenshot('lan-agent-paired');
  });
});
