// The spec's entry point: every spec file of a project -> a validated ProjectSpec, or every problem at once.
import { createDiagnosticSink, didYouMean, formatLocation, sortDiagnostics } from './diagnostics';
import type { DiagnosticSink } from './diagnostics';
import { describeNode, findEntry } from './fields';
import { readPipeline } from './pipeline';
import { findSpecFiles, isSettingsFile, loadYamlFile, rootFile, start, workspaceFile, type ReadBudget } from './project-files';
import { readSettings } from './settings';
import type { ParseResult, PipelineSpec, ProjectFiles, ProjectSpec, SourceLocation, WorkspaceSpec } from './types';
import { readWorkspace } from './workspace';
import type { YDocument, YMap } from './yaml-source';

type Kind = 'pipeline' | 'settings' | 'workspace' | 'recipe';
const kinds: readonly Kind[] = ['pipeline', 'settings', 'workspace', 'recipe'];

/** What a file may hold, and what a document without `kind` is there. */
interface FileRole {
  allowed: readonly Kind[];
  implicit: Kind;
  /** Says why other kinds are refused in this file. */
  remedy: string;
}
const pipelineRole: FileRole = { allowed: ['pipeline', 'settings'], implicit: 'pipeline', remedy: `workspaces live in ${workspaceFile}; recipes in their own files listed there` };
const settingsRole: FileRole = { allowed: ['settings'], implicit: 'settings', remedy: 'this file holds settings only; put pipelines in the other files of .farmhand/' };
const workspaceRole: FileRole = { allowed: ['workspace'], implicit: 'workspace', remedy: `${workspaceFile} holds the workspace only` };
const recipeRole: FileRole = { allowed: ['recipe'], implicit: 'recipe', remedy: 'a recipe file holds one recipe' };

/** Parses and validates every spec file of a project; `spec` is set only when there is no diagnostic. Never throws. */
export function parseProject(files: ProjectFiles): ParseResult {
  const sink = createDiagnosticSink();
  let spec: ProjectSpec | undefined;
  try {
    spec = readProject(sink, files);
  } catch (error) {
    // Only a bug gets here: user input is reported, never thrown.
    const detail = error instanceof Error ? error.message : String(error);
    sink.error(start(rootFile), `internal error while reading the project: ${detail}`, 'this is a bug in Farmhand; please report it');
  }
  const diagnostics = sortDiagnostics(sink.diagnostics);
  return diagnostics.length === 0 && spec !== undefined ? { spec, diagnostics } : { diagnostics };
}

function readProject(sink: DiagnosticSink, files: ProjectFiles): ProjectSpec {
  const found = findSpecFiles(sink, files);
  const state: ReadState = { complete: true, budget: { bytes: 0, refused: false } };
  const pipelineMaps: YMap[] = [];
  const settingsMaps: YMap[] = [];
  for (const path of [...found.pipelineFiles, ...found.settingsFiles]) {
    const role = isSettingsFile(path) ? settingsRole : pipelineRole;
    for (const { kind, map } of classify(sink, loadDocuments(sink, files, path, state), role, state)) {
      (kind === 'settings' ? settingsMaps : pipelineMaps).push(map);
    }
  }
  const pipelines = collectPipelines(sink, pipelineMaps);
  const settings = readSettings(sink, settingsMaps);
  const workspace = found.workspace ? readWorkspaceFile(sink, files, found.workspace, state) : undefined;
  if (state.complete) {
    checkDependsOn(sink, pipelines);
    if (workspace) checkRecipeNames(sink, workspace, pipelines);
    if (pipelines.length === 0 && (workspace?.recipes.length ?? 0) === 0 && sink.diagnostics.length === 0) {
      sink.error(start(found.pipelineFiles[0] ?? found.settingsFiles[0] ?? rootFile), 'the project defines no pipeline', 'add a document with `name:` and `jobs:`');
    }
  }
  return workspace ? { pipelines, settings, workspace } : { pipelines, settings };
}

/** What reading the files so far has found: whether every document could be read, and the bytes read. */
interface ReadState {
  complete: boolean;
  budget: ReadBudget;
}

function loadDocuments(sink: DiagnosticSink, files: ProjectFiles, path: string, state: ReadState, at?: SourceLocation): YDocument[] {
  const documents = loadYamlFile(sink, files, path, at, state.budget);
  if (documents === undefined || documents.some((document) => !document.valid)) state.complete = false;
  return documents ?? [];
}

/** Each non-empty, well-formed document as a map with its kind; others are reported and left out. */
function classify(sink: DiagnosticSink, documents: readonly YDocument[], role: FileRole, state: { complete: boolean }): { kind: Kind; map: YMap }[] {
  const classified: { kind: Kind; map: YMap }[] = [];
  for (const document of documents) {
    if (!document.valid || document.node === undefined) continue;
    const map = document.node.kind === 'map' ? document.node : undefined;
    if (map === undefined) sink.error(document.node.loc, `a ${role.implicit} document must be a map of keys, got ${describeNode(document.node)}`);
    const kind = map ? readKind(sink, map, role) : undefined;
    if (map === undefined || kind === undefined) {
      state.complete = false;
      continue;
    }
    classified.push({ kind, map });
  }
  return classified;
}

function readKind(sink: DiagnosticSink, map: YMap, role: FileRole): Kind | undefined {
  const node = findEntry(map, 'kind')?.value;
  if (node === undefined) return role.implicit;
  const text = node.kind === 'scalar' && typeof node.value === 'string' ? node.text : undefined;
  const kind = kinds.find((known) => known === text);
  if (kind === undefined) {
    const written = node.kind === 'scalar' ? `\`${node.text}\`` : 'this value';
    sink.error(node.loc, `${written} is not a kind of document`, (text && didYouMean(text, kinds)) || `use ${role.allowed.map((k) => `\`${k}\``).join(' or ')}`);
    return undefined;
  }
  if (!role.allowed.includes(kind)) {
    sink.error(node.loc, `a \`kind: ${kind}\` document is not allowed here`, role.remedy);
    return undefined;
  }
  return kind;
}

function collectPipelines(sink: DiagnosticSink, maps: readonly YMap[]): PipelineSpec[] {
  const pipelines: PipelineSpec[] = [];
  const byName = new Map<string, PipelineSpec>();
  for (const map of maps) {
    const pipeline = readPipeline(sink, map);
    const first = byName.get(pipeline.name);
    if (first !== undefined && pipeline.name !== '') {
      sink.error(pipeline.loc, `pipeline \`${pipeline.name}\` is defined twice`, `first defined at ${formatLocation(first.loc)}; pipeline names are unique in the project`);
      continue;
    }
    byName.set(pipeline.name, pipeline);
    pipelines.push(pipeline);
  }
  return pipelines;
}

function checkDependsOn(sink: DiagnosticSink, pipelines: readonly PipelineSpec[]): void {
  const names = pipelines.map((pipeline) => pipeline.name);
  const known = new Set(names);
  for (const pipeline of pipelines) {
    for (const ref of pipeline.dependsOn) {
      if (ref.ref === pipeline.name) {
        sink.error(ref.loc, `pipeline \`${pipeline.name}\` depends on itself`, 'remove it from `depends_on`');
      } else if (!known.has(ref.ref)) {
        sink.error(ref.loc, `\`depends_on\` names \`${ref.ref}\`, which is not a pipeline of the project`, didYouMean(ref.ref, names) ?? `pipelines: ${names.join(', ')}`);
      }
    }
  }
}

function checkRecipeNames(sink: DiagnosticSink, workspace: WorkspaceSpec, pipelines: readonly PipelineSpec[]): void {
  const byName = new Map(pipelines.map((pipeline) => [pipeline.name, pipeline]));
  for (const recipe of workspace.recipes) {
    const pipeline = byName.get(recipe.name);
    if (pipeline !== undefined) {
      sink.error(recipe.loc, `recipe \`${recipe.name}\` has the name of a pipeline`, `\`${recipe.name}/...\` in \`needs\` would be ambiguous; the pipeline is at ${formatLocation(pipeline.loc)}`);
    }
  }
}

function readWorkspaceFile(sink: DiagnosticSink, files: ProjectFiles, path: string, state: ReadState): WorkspaceSpec | undefined {
  const maps = classify(sink, loadDocuments(sink, files, path, state), workspaceRole, state);
  const [first, ...others] = maps;
  for (const other of others) sink.error(other.map.loc, `${workspaceFile} holds more than one workspace document`, 'merge their `recipes` lists into one document');
  if (first === undefined) return undefined;
  return readWorkspace(sink, first.map, files, (recipePath, listedAt) => {
    const recipes = classify(sink, loadDocuments(sink, files, recipePath, state, listedAt), recipeRole, state);
    for (const extra of recipes.slice(1)) sink.error(extra.map.loc, `\`${recipePath}\` holds more than one document`, recipeRole.remedy);
    return recipes[0]?.map;
  });
}
