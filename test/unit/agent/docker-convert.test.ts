import { describe, expect, it } from 'vitest';
import { toContainerOptions, workspaceBind, type DockerExecutorConfig } from '../../../agent/executors/docker-convert';
import type { ExecutionRequest } from '../../../agent/executors/types';
import { normaliseWorkingDirectory } from '../../../agent/executors/working-directory';

const config: DockerExecutorConfig = { agentName: 'agent-1' };
const job: ExecutionRequest = {
  attempt: 'att-9',
  build: 'build-3',
  job: 'lint/compile',
  agent: 'agent-1',
  run: ['make deps', 'make -j'],
  image: 'gcc:13',
  env: { CC: 'gcc', EMPTY: '', WITH_EQUALS: 'a=b' },
  workspaceRoot: '/srv/farmhand/ws/build-3',
  workingDirectory: '.',
};

describe('toContainerOptions', () => {
  it('converts a job with defaults', () => {
    expect(toContainerOptions(job, config)).toEqual({
      Image: 'gcc:13',
      Cmd: ['/bin/sh', '-e', '-c', 'make deps\nmake -j'],
      Env: ['CC=gcc', 'EMPTY=', 'WITH_EQUALS=a=b'],
      WorkingDir: '/workspace',
      Tty: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: false,
      Labels: { 'farmhand.build': 'build-3', 'farmhand.job': 'lint/compile', 'farmhand.agent': 'agent-1', 'farmhand.attempt': 'att-9' },
      HostConfig: { Binds: ['/srv/farmhand/ws/build-3:/workspace:rw'], NetworkMode: 'none', Init: true, AutoRemove: false },
    });
  });

  it('labels the container with its owner (host, pid, start time), which clean-up checks', () => {
    const labels = toContainerOptions(job, { ...config, owner: { host: 'box', pid: 4242, start: '987' } }).Labels;
    expect(labels).toMatchObject({ 'farmhand.owner.host': 'box', 'farmhand.owner.pid': '4242', 'farmhand.owner.start': '987', 'farmhand.attempt': 'att-9' });
  });

  it('applies user, network and resource limits, with no swap beyond the memory limit', () => {
    const options = toContainerOptions(job, { agentName: 'a', network: 'host', user: '1000:1000', memoryBytes: 256 * 2 ** 20, nanoCpus: 1.5e9, pidsLimit: 128 });
    expect(options.User).toBe('1000:1000');
    expect(options.HostConfig).toMatchObject({ NetworkMode: 'host', Memory: 268435456, MemorySwap: 268435456, NanoCpus: 1.5e9, PidsLimit: 128 });
  });

  it('omits limits and user that are not configured', () => {
    const options = toContainerOptions(job, config);
    expect(options).not.toHaveProperty('User');
    for (const key of ['Memory', 'MemorySwap', 'NanoCpus', 'PidsLimit']) expect(options.HostConfig).not.toHaveProperty(key);
  });

  it.each([
    ['services/api', '/workspace/services/api'],
    ['./services//api/', '/workspace/services/api'],
    ['a/../b', '/workspace/b'],
    ['a/..', '/workspace'],
    ['', '/workspace'],
  ])('puts working directory %j at %s', (workingDirectory, expected) => {
    expect(toContainerOptions({ ...job, workingDirectory }, config).WorkingDir).toBe(expected);
  });

  it.each(['/etc', '..', '../sibling', 'a/../../b', 'C:\\temp', '..\\up'])('rejects working directory %j, naming it', (workingDirectory) => {
    expect(() => toContainerOptions({ ...job, workingDirectory }, config)).toThrow(`"${workingDirectory}"`);
  });

  it('rejects a job without an image', () => {
    expect(() => toContainerOptions({ ...job, image: undefined }, config)).toThrow('job "lint/compile" has no image');
  });

  it('rejects env names Docker would misread', () => {
    expect(() => toContainerOptions({ ...job, env: { 'A=B': 'x' } }, config)).toThrow('invalid environment variable name "A=B"');
    expect(() => toContainerOptions({ ...job, env: { '': 'x' } }, config)).toThrow('invalid environment variable name ""');
  });

  it('rejects resource limits that are not positive integers', () => {
    expect(() => toContainerOptions(job, { agentName: 'a', memoryBytes: -1 })).toThrow('memoryBytes');
    expect(() => toContainerOptions(job, { agentName: 'a', pidsLimit: 1.5 })).toThrow('pidsLimit');
  });
});

describe('workspaceBind', () => {
  it('binds an absolute host path read-write at /workspace', () => {
    expect(workspaceBind('/home/me/project')).toBe('/home/me/project:/workspace:rw');
  });

  it.each(['relative/ws', '/has:colon', '/has,comma'])('rejects %j as an invalid mount path', (root) => {
    expect(() => workspaceBind(root)).toThrow(`invalid mount path "${root}"`);
  });
});

describe('normaliseWorkingDirectory', () => {
  it.each([
    ['.', '.'],
    ['./', '.'],
    ['x/y/', 'x/y'],
    ['x\\y', 'x/y'],
  ])('normalises %j to %j', (input, expected) => {
    expect(normaliseWorkingDirectory(input)).toBe(expected);
  });
});
