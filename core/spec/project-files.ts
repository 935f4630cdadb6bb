// Finding and loading the project's spec files through the injected ProjectFiles (no I/O here).
import type { DiagnosticSink } from './diagnostics';
import type { ProjectFiles, SourceLocation } from './types';
import { parseYamlDocuments } from './yaml-source';
import type { YDocument } from './yaml-source';

/** The names the spec files go by, relative to the project root. */
export const rootFile = 'farmhand.yml';
export const folder = '.farmhand';
export const workspaceFile = 'farmhand.workspace.yml';
/** Files bigger than this are refused before reading: no spec needs it, and it bounds parse time and memory. */
export const maxFileBytes = 5 * 1024 * 1024;
/** All spec files of a project together (pipelines, settings, workspace, recipes): bounds a project of many files. */
export const maxTotalBytes = 20 * 1024 * 1024;

/** Bytes of spec files read so far, across the files of one parse. */
export interface ReadBudget {
  bytes: number;
  /** Set once the total went past the limit: reported once, later files are not read. */
  refused: boolean;
}

const folderFilePattern = /^\.farmhand\/[^/]+\.ya?ml$/;
const settingsFilePattern = /^\.farmhand\/settings\.ya?ml$/;

/** Where the project's spec lives. */
export interface SpecFiles {
  /** Pipeline (and settings) files in reading order: `farmhand.yml`, then `.farmhand/*.yml` sorted. */
  pipelineFiles: string[];
  /** `.farmhand/settings.yml` (or `.yaml`), whose documents are settings. */
  settingsFiles: string[];
  workspace?: string;
}

/** True for `.farmhand/settings.yml` and `.farmhand/settings.yaml`. */
export function isSettingsFile(path: string): boolean {
  return settingsFilePattern.test(path);
}

/** Finds the spec files, reporting a project with both layouts or with none. */
export function findSpecFiles(sink: DiagnosticSink, files: ProjectFiles): SpecFiles {
  const inFolder = files.list().filter((path) => folderFilePattern.test(path)).sort();
  const settingsFiles = inFolder.filter(isSettingsFile);
  const folderPipelines = inFolder.filter((path) => !isSettingsFile(path));
  const hasRoot = files.size(rootFile) !== undefined;
  const workspace = files.size(workspaceFile) !== undefined ? workspaceFile : undefined;
  if (hasRoot && folderPipelines.length > 0) {
    sink.error(start(rootFile), `both ${rootFile} and ${folder}/ hold pipelines, so which to use is ambiguous`,
      `keep one: move the documents of ${rootFile} into ${folder}/, or ${folder}/*.yml into ${rootFile}`);
  }
  if (!hasRoot && folderPipelines.length === 0 && settingsFiles.length === 0 && workspace === undefined) {
    const remedy = files.size('farmhand.yaml') !== undefined
      ? `rename farmhand.yaml to ${rootFile}`
      : `create ${rootFile} with a pipeline, e.g. \`name: build\` and \`jobs:\``;
    sink.error(start(rootFile), `no ${rootFile} or ${folder}/ folder`, remedy);
  }
  const pipelineFiles = [...(hasRoot ? [rootFile] : []), ...folderPipelines];
  return workspace === undefined ? { pipelineFiles, settingsFiles } : { pipelineFiles, settingsFiles, workspace };
}

/**
 * Reads and parses one YAML file, refusing files over the size limit before reading them and
 * reporting a file with no document at all; undefined when nothing could be read.
 */
export function loadYamlFile(sink: DiagnosticSink, files: ProjectFiles, path: string, at: SourceLocation = start(path), budget?: ReadBudget): YDocument[] | undefined {
  const size = files.size(path);
  if (size === undefined) {
    sink.error(at, `no file \`${path}\``);
    return undefined;
  }
  if (size > maxFileBytes) {
    sink.error(start(path), `file is ${size} bytes; the limit is 5 MB`, 'split it into several files');
    return undefined;
  }
  if (budget !== undefined) {
    if (budget.refused) return undefined;
    budget.bytes += size;
    if (budget.bytes > maxTotalBytes) {
      budget.refused = true;
      sink.error(start(path), `the spec files read so far, this one included, hold ${budget.bytes} bytes; the limit is 20 MB for all spec files together`, 'make the project\'s pipelines, workspace and recipes smaller, or split the project');
      return undefined;
    }
  }
  const text = files.readText(path);
  if (text === undefined) {
    sink.error(start(path), `\`${path}\` could not be read`);
    return undefined;
  }
  const documents = parseYamlDocuments(path, text, sink);
  if (documents.every((document) => document.valid && document.node === undefined)) {
    sink.error(start(path), `\`${path}\` is empty`, 'write at least one document in it, or delete the file');
    return undefined;
  }
  return documents;
}

/** Line 1, column 1 of a file: where whole-file problems are reported. */
export function start(file: string): SourceLocation {
  return { file, line: 1, col: 1 };
}
