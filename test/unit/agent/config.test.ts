import { describe, expect, it } from 'vitest';
import { defaultAgentConfig, isolationFor, parseAgentConfig, parseSize } from '../../../agent/config';

describe('agent.yml', () => {
  it('reads every setting', () => {
    const text = 'isolation: shell\nallow_shell: false\npools:\n  gpu: { isolation: docker }\ndocker:\n  network: host\n  user: "1000:1000"\n  memory: 512m\n  cpus: 1.5\n  pids: 256\n';
    expect(parseAgentConfig(text, 'agent.yml')).toEqual({
      config: {
        isolation: 'shell',
        allowShell: false,
        pools: { gpu: { isolation: 'docker' } },
        docker: { network: 'host', user: '1000:1000', memoryBytes: 512 * 2 ** 20, nanoCpus: 1.5e9, pidsLimit: 256 },
      },
    });
  });

  it('an empty file is the defaults', () => {
    expect(parseAgentConfig('', 'agent.yml')).toEqual({ config: defaultAgentConfig });
  });

  it.each([
    ['isolaton: shell\n', 'agent.yml:1:1: unknown setting `isolaton`'],
    ['docker:\n  memory: lots\n', 'agent.yml:2:11: docker.memory must be a size'],
    ['docker:\n  network: bridged\n', 'agent.yml:2:12: docker.network must be none, bridge or host'],
    ['pools:\n  gpu: { isolation: vm }\n', 'agent.yml:2:8: pools.gpu.isolation must be docker or shell'],
    ['isolation: [docker\n', 'agent.yml:'],
    ['- a\n- b\n', 'agent.yml:1:1: expected a map'],
  ])('refuses %j with one located line', (text, start) => {
    const result = parseAgentConfig(text, 'agent.yml');
    expect('error' in result && result.error.startsWith(start)).toBe(true);
    expect('error' in result && result.error.includes('\n')).toBe(false);
  });

  it('decides isolation by image and pool', () => {
    const config = { ...defaultAgentConfig, pools: { trusted: { isolation: 'shell' as const } } };
    expect(isolationFor(config, { image: 'x' })).toBe('docker');
    expect(isolationFor(config, { image: 'x', pool: 'trusted' })).toBe('shell');
    expect(isolationFor(config, {})).toBe('shell');
    expect(isolationFor({ ...config, allowShell: false }, {})).toBe('refused');
  });

  it('parses sizes', () => {
    expect(parseSize('2g')).toBe(2 * 2 ** 30);
    expect(parseSize('1048576')).toBe(2 ** 20);
    expect(parseSize('12x')).toBeUndefined();
  });
});
