import { describe, expect, it } from 'vitest';
import { agentCommand, createLending, pairingCodeIn } from '../../../electron/lend-agent';

/** Resolves when `check` holds, polling; fails the test after `ms`. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('agentCommand', () => {
  it('runs bin/farmhand.cjs agent with the machine agent.yml', () => {
    expect(agentCommand({ execPath: '/usr/bin/node', runsInElectron: false, farmhandBin: '/app/bin/farmhand.cjs', agentConfig: '/home/ada/.local/share/farmhand/agent.yml' })).toEqual({
      command: '/usr/bin/node',
      args: ['/app/bin/farmhand.cjs', 'agent', '--agent-config', '/home/ada/.local/share/farmhand/agent.yml'],
    });
  });

  it('leaves the flag out without an agent.yml, and makes Electron behave as node', () => {
    const command = agentCommand({ execPath: '/opt/Farmhand/farmhand-desktop', runsInElectron: true, farmhandBin: '/app/bin/farmhand.cjs', agentConfig: undefined });
    expect(command.args).toEqual(['/app/bin/farmhand.cjs', 'agent']);
    expect(command.env?.ELECTRON_RUN_AS_NODE).toBe('1');
  });
});

describe('pairingCodeIn', () => {
  it('reads the code from the agent line, and only from it', () => {
    expect(pairingCodeIn('pairing code: 4821-0937')).toBe('4821-0937');
    expect(pairingCodeIn('  pairing code:  ABCD  ')).toBe('ABCD');
    expect(pairingCodeIn('fingerprint: 12:34')).toBeUndefined();
    expect(pairingCodeIn('the pairing code: is secret')).toBeUndefined();
  });
});

describe('createLending', () => {
  it('starts the agent, and stop() ends it', async () => {
    const exits: string[] = [];
    const lending = createLending({ command: 'sleep', args: ['30'], onExit: (detail) => exits.push(detail) });
    expect(lending.running).toBe(false);
    lending.start();
    expect(lending.running).toBe(true);
    await lending.stop();
    expect(lending.running).toBe(false);
    // Stopping on purpose is not news.
    expect(exits).toEqual([]);
  });

  it('a second start while running starts nothing more', async () => {
    const lines: string[] = [];
    const lending = createLending({ command: 'sh', args: ['-c', 'echo started; exec sleep 30'], onLine: (line) => lines.push(line) });
    lending.start();
    lending.start();
    await until(() => lines.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await lending.stop();
    expect(lines).toEqual(['started']);
  });

  it('reads the pairing code the agent prints, from stdout and stderr lines', async () => {
    const codes: string[] = [];
    const lines: string[] = [];
    const script = 'echo "agent box id m-1 listening on 0.0.0.0:4747"; echo "fingerprint: AB:CD" >&2; echo "pairing code: 4821-0937"; exec sleep 30';
    const lending = createLending({ command: 'sh', args: ['-c', script], onPairingCode: (code) => codes.push(code), onLine: (line) => lines.push(line) });
    lending.start();
    await until(() => codes.length === 1 && lines.length === 3);
    await lending.stop();
    expect(codes).toEqual(['4821-0937']);
    expect(lines).toContain('fingerprint: AB:CD');
  });

  it('says when the agent stops by itself', async () => {
    const exits: string[] = [];
    const lending = createLending({ command: 'sh', args: ['-c', 'exit 2'], onExit: (detail) => exits.push(detail) });
    lending.start();
    await until(() => exits.length === 1);
    expect(exits).toEqual(['the agent stopped (exit code 2)']);
    expect(lending.running).toBe(false);
  });

  it('passes on the last line the agent printed before it stopped', async () => {
    const exits: string[] = [];
    const lending = createLending({ command: 'sh', args: ['-c', 'echo starting; echo "agent.yml:3:1: unknown key poool" >&2; exit 2'], onExit: (detail) => exits.push(detail) });
    lending.start();
    await until(() => exits.length === 1);
    expect(exits).toEqual(['the agent stopped (exit code 2): agent.yml:3:1: unknown key poool']);
  });

  it('says when the agent cannot start', async () => {
    const exits: string[] = [];
    const lending = createLending({ command: '/nonexistent/farmhand-node', args: [], onExit: (detail) => exits.push(detail) });
    lending.start();
    await until(() => exits.length === 1);
    expect(exits[0]).toMatch(/^could not start the agent: spawn \/nonexistent\/farmhand-node ENOENT$/);
    expect(lending.running).toBe(false);
    await lending.stop();
  });

  it('kills an agent that ignores SIGTERM after the timeout', async () => {
    let pid = 0;
    const lines: string[] = [];
    const lending = createLending({ command: 'sh', args: ['-c', 'trap "" TERM; echo $$; while true; do sleep 0.1; done'], stopTimeoutMs: 300, onLine: (line) => lines.push(line) });
    lending.start();
    await until(() => lines.length === 1);
    pid = Number(lines[0]);
    const started = Date.now();
    await lending.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(processAlive(pid)).toBe(false);
  });

  it('stop() does not wait for a process the agent left holding its output open', async () => {
    const lines: string[] = [];
    const exits: string[] = [];
    // The shell's child `sleep` keeps stdout open after the shell itself is gone.
    const lending = createLending({ command: 'sh', args: ['-c', 'echo $$; sleep 2; exit 3'], onLine: (line) => lines.push(line), onExit: (detail) => exits.push(detail) });
    lending.start();
    await until(() => lines.length === 1);
    const started = Date.now();
    await lending.stop();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(lending.running).toBe(false);
    expect(exits).toEqual([]);
  });

  it('reports an agent that exits while a process it left holds the output open', async () => {
    const exits: string[] = [];
    const lending = createLending({ command: 'sh', args: ['-c', '(sleep 2 &); echo "bad agent.yml"; exit 2'], onExit: (detail) => exits.push(detail) });
    lending.start();
    await until(() => exits.length === 1, 1_500);
    expect(exits).toEqual(['the agent stopped (exit code 2): bad agent.yml']);
  });

  it('can be lent again after stopping', async () => {
    const lending = createLending({ command: 'sleep', args: ['30'] });
    lending.start();
    await lending.stop();
    lending.start();
    expect(lending.running).toBe(true);
    await lending.stop();
    expect(lending.running).toBe(false);
  });
});
