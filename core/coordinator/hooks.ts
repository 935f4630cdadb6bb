// Pipeline hooks: on_start, then on_success or on_failure, run in order per build and pipeline; a
// pipeline's jobs are assigned only after its chain so far has ended. Also what a build waits for
// before it is reported done (hooks, output storage).
import type { HookRequest } from './types';

export class HookChains {
  /** Per build and pipeline: the last hook, so the next one (and the pipeline's first jobs) wait for it. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Per build: work that must end before the build is reported done. */
  private readonly pending = new Map<string, Promise<void>[]>();

  constructor(
    private readonly runHook: ((hook: HookRequest) => Promise<void>) | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  open(build: string): void {
    this.pending.set(build, []);
  }

  isOpen(build: string): boolean {
    return this.pending.has(build);
  }

  /** Work the build's end must wait for. */
  keep(build: string, work: Promise<void>): void {
    this.pending.get(build)?.push(work);
  }

  /** Runs a pipeline's hook after the ones before it. */
  run(build: string, pipeline: string, root: string, commands: string[], status: string): void {
    if (commands.length === 0 || !this.runHook) return;
    const key = `${build}\0${pipeline}`;
    const before = this.chains.get(key) ?? Promise.resolve();
    const runHook = this.runHook;
    const run = before
      .then(() => runHook({ commands, cwd: root, env: { FARMHAND_BUILD_ID: build, FARMHAND_STATUS: status } }))
      .catch((error: unknown) => this.warn(`hook of ${build} failed: ${error instanceof Error ? error.message : String(error)}`));
    this.chains.set(key, run);
    this.keep(build, run);
  }

  /** The pipeline's hooks so far, if any: its jobs are assigned after them. */
  chainOf(build: string, pipeline: string): Promise<void> | undefined {
    return this.chains.get(`${build}\0${pipeline}`);
  }

  /** Resolves once everything kept for the build has ended, then forgets the build. */
  async settle(build: string): Promise<void> {
    await Promise.all(this.pending.get(build) ?? []);
    this.pending.delete(build);
    for (const key of this.chains.keys()) if (key.startsWith(`${build}\0`)) this.chains.delete(key);
  }

  /** Everything still pending, for close(). */
  all(): Promise<void[]> {
    return Promise.all([...this.pending.values()].flat());
  }
}
