// Real `farmhand serve` and `farmhand agent` processes for the e2e tests: started from bin/farmhand.cjs,
// ready when they print their address, stopped with SIGTERM (SIGKILL after 5 s) by close().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Whether the built CLI lists a command in its --help (commander prints the root help for unknown ones). */
export function commandExists(command: string): boolean {
  const help = spawnSync(process.execPath, ['bin/farmhand.cjs', '--help'], { encoding: 'utf8', timeout: 20_000 });
  return new RegExp(`^\\s+${command}\\b`, 'm').test(help.stdout ?? '');
}

export interface FarmhandProcess {
  child: ChildProcess;
  output(): string;
  close(): Promise<void>;
}

/** Starts `node bin/farmhand.cjs ARGS` and waits until its output matches `ready`. */
export async function startFarmhand(args: string[], ready: RegExp, timeoutMs = 30_000): Promise<FarmhandProcess & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['bin/farmhand.cjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`farmhand ${args[0]} printed no ${ready} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = output.match(ready);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`farmhand ${args[0]} exited with ${code} before it was ready:\n${output}`));
    });
  }).catch(async (error: Error) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });
  return {
    child,
    match,
    output: () => output,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export interface Serve extends FarmhandProcess {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  token: string;
  /** The address `serve` printed, with ?token=. */
  url: string;
  /** Calls the API with the token. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** `farmhand serve DIR... --port 0 --state-dir STATE`, ready when it prints `farmhand serving URL`. */
export async function startServe(dirs: string[], stateDir: string): Promise<Serve> {
  const started = await startFarmhand(['serve', ...dirs, '--port', '0', '--state-dir', stateDir], /farmhand serving (http:\/\/[^\s/]+)\/\?token=(\S+)/);
  const origin = started.match[1]!;
  const token = started.match[2]!;
  return {
    ...started,
    origin,
    token,
    url: `${origin}/?token=${token}`,
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await fetch(`${origin}${path}`, init);
      const data = (await response.json()) as T;
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(data)}`);
      return data;
    },
  };
}
