// An in-memory ProjectFiles for tests of the spec parser and the planner: no disk, no temp dirs.
import { createHash } from 'node:crypto';
import type { ProjectFiles } from '../../core/spec/types';

/** A ProjectFiles over `record` (POSIX path relative to the root -> UTF-8 text). */
export function memoryFiles(record: Record<string, string>): ProjectFiles {
  const contents = new Map(Object.entries(record).map(([path, text]) => [path, Buffer.from(text, 'utf8')]));
  const paths = [...contents.keys()].sort();
  return {
    list: () => paths,
    readText: (path) => contents.get(path)?.toString('utf8'),
    size: (path) => contents.get(path)?.byteLength,
    hash: (path) => {
      const bytes = contents.get(path);
      if (bytes === undefined) throw new Error(`memoryFiles: no file ${path}`);
      return createHash('sha256').update(bytes).digest('hex');
    },
  };
}

/** Like memoryFiles, but `sizes` overrides reported sizes (to test size limits without allocating). */
export function memoryFilesWithSizes(record: Record<string, string>, sizes: Record<string, number>): ProjectFiles {
  const files = memoryFiles(record);
  return { ...files, size: (path) => sizes[path] ?? files.size(path) };
}
