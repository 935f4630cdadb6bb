// `farmhand.workspace.yml`: which recipe files make the workspace, and which versions of each to build.
import picomatch from 'picomatch';
import { expandBraces, maxVersions, maxWorkspaceJobs } from './brace-expansion';
import type { DiagnosticSink } from './diagnostics';
import { didYouMean, formatLocation } from './diagnostics';
import { checkKeys, findEntry, readNonEmptyString, reportType } from './fields';
import { versionPattern } from './names';
import { normalizeGlobInsideProject } from './paths';
import { readRecipe } from './recipe';
import type { ProjectFiles, RecipeSpec, SourceLocation, WorkspaceSpec } from './types';
import { checkDocumentVersion } from './version-field';
import type { YMap, YNode } from './yaml-source';

/** Keys of the workspace document, and of a `{ path, versions }` entry. */
export const workspaceKeys = ['version', 'kind', 'recipes'] as const;
export const recipeEntryKeys = ['path', 'versions'] as const;

/** Loads the single recipe document of a file, reporting problems; undefined when there is none to read. */
export type RecipeLoader = (path: string, listedAt: SourceLocation) => YMap | undefined;

interface Listed {
  /** undefined: no entry gave versions, so the recipe's own `version` is used. */
  versions?: string[];
  loc: SourceLocation;
}

/** Reads the workspace document and every recipe it lists. */
export function readWorkspace(sink: DiagnosticSink, map: YMap, files: ProjectFiles, loadRecipe: RecipeLoader): WorkspaceSpec {
  checkKeys(sink, map, workspaceKeys, 'the workspace');
  checkDocumentVersion(sink, map);
  const recipesEntry = findEntry(map, 'recipes');
  if (recipesEntry === undefined) sink.error(map.loc, 'workspace has no `recipes`', 'add `recipes: [packages/*/recipe.yml]`');
  const listed = recipesEntry ? listRecipes(sink, recipesEntry.value, files) : new Map<string, Listed>();
  const recipes: RecipeSpec[] = [];
  const byName = new Map<string, RecipeSpec>();
  for (const [path, entry] of listed) {
    const recipeMap = loadRecipe(path, entry.loc);
    if (recipeMap === undefined) continue;
    const recipe = readRecipe(sink, recipeMap, path, entry.versions);
    const first = byName.get(recipe.name);
    if (first !== undefined && recipe.name !== '') {
      sink.error(recipe.loc, `recipe \`${recipe.name}\` is defined twice`, `first defined at ${formatLocation(first.loc)}`);
      continue;
    }
    byName.set(recipe.name, recipe);
    recipes.push(recipe);
  }
  return { recipes, loc: map.loc };
}

/** Versions listed by all entries so far: past the workspace limit the rest are not expanded at all. */
interface VersionBudget {
  listed: number;
}

function listRecipes(sink: DiagnosticSink, node: YNode, files: ProjectFiles): Map<string, Listed> {
  const listed = new Map<string, Listed>();
  const budget: VersionBudget = { listed: 0 };
  if (node.kind !== 'seq') {
    reportType(sink, node, 'recipes', 'a list of recipe file globs or { path, versions } entries');
    return listed;
  }
  for (const item of node.items) {
    if (item.kind === 'map') {
      readEntry(sink, item, files, listed, budget);
      continue;
    }
    const glob = readNonEmptyString(sink, item, 'recipes[]');
    if (glob === undefined) continue;
    for (const path of matchFiles(sink, item, glob, files)) {
      if (!listed.has(path)) listed.set(path, { loc: item.loc });
    }
  }
  return listed;
}

function readEntry(sink: DiagnosticSink, map: YMap, files: ProjectFiles, listed: Map<string, Listed>, budget: VersionBudget): void {
  checkKeys(sink, map, recipeEntryKeys, 'a workspace recipe entry');
  const pathNode = findEntry(map, 'path')?.value;
  if (pathNode === undefined) sink.error(map.loc, 'workspace recipe entry has no `path`', 'write `{ path: packages/x/recipe.yml, versions: [...] }`');
  const path = pathNode ? readNonEmptyString(sink, pathNode, 'path') : undefined;
  const versionsNode = findEntry(map, 'versions')?.value;
  // Versions that were given but refused count as given ([]): the recipe then reports no second,
  // follow-on problem (`has no version`) for the one already reported here.
  const read = versionsNode ? readVersions(sink, versionsNode, budget) : undefined;
  const versions = versionsNode ? read ?? [] : undefined;
  if (path === undefined || pathNode === undefined) return;
  // Past the workspace's limit the entry's versions are unknown: reading its recipe would only add noise.
  if (versionsNode && read === undefined && budget.listed > maxWorkspaceJobs) return;
  for (const matched of matchFiles(sink, pathNode, path, files)) {
    const known = listed.get(matched);
    if (known === undefined) {
      listed.set(matched, versions ? { versions, loc: pathNode.loc } : { loc: pathNode.loc });
    } else if (versions) {
      known.versions = [...new Set([...(known.versions ?? []), ...versions])];
    }
  }
}

/** Files matching a glob (or the one file at a plain path), reporting globs that leave the project or match nothing. */
function matchFiles(sink: DiagnosticSink, node: YNode, glob: string, files: ProjectFiles): string[] {
  const normalized = normalizeGlobInsideProject(glob);
  if (normalized === undefined || normalized.startsWith('!')) {
    sink.error(node.loc, `\`${glob}\` points outside the project`, 'recipe paths are relative to the project root and may not climb out with `..`');
    return [];
  }
  const all = files.list();
  const isGlob = picomatch.scan(normalized).isGlob;
  const isMatch = picomatch(normalized, { dot: false });
  const matches = all.filter((path) => (isGlob ? isMatch(path) : path === normalized));
  if (matches.length === 0) {
    const yamlFiles = all.filter((path) => /\.ya?ml$/.test(path));
    const remedy = isGlob ? undefined : didYouMean(normalized, yamlFiles);
    sink.error(node.loc, isGlob ? `\`${glob}\` matches no file` : `no file \`${glob}\``, remedy);
  }
  return matches;
}

function readVersions(sink: DiagnosticSink, node: YNode, budget: VersionBudget): string[] | undefined {
  if (budget.listed > maxWorkspaceJobs) return undefined;
  if (node.kind !== 'seq') return reportType(sink, node, 'versions', 'a list of versions, with bash braces like `3.11.{0..9}`');
  if (node.items.length === 0) {
    sink.error(node.loc, '`versions` is empty', 'list the versions to build, or remove `versions` to use the recipe\'s own `version`');
    return undefined;
  }
  const versions = new Set<string>();
  for (const item of node.items) {
    const pattern = readNonEmptyString(sink, item, 'versions[]');
    if (pattern === undefined) continue;
    const expansion = expandBraces(pattern, maxVersions);
    if (!expansion.ok) {
      sink.error(item.loc, `\`${pattern}\` ${expansion.message}`, 'list fewer versions');
      continue;
    }
    // One report per pattern: a bad range would otherwise repeat the same problem thousands of times.
    const invalid = expansion.values.find((version) => !versionPattern.test(version));
    if (invalid !== undefined) {
      sink.error(item.loc, `\`${invalid}\` (from \`${pattern}\`) is not a valid version`, 'versions use letters, digits, `.`, `_`, `+` and `-`');
      continue;
    }
    budget.listed += expansion.values.length;
    if (budget.listed > maxWorkspaceJobs) {
      // Each entry may list 10,000 versions: without a total, many entries would expand to millions.
      sink.error(item.loc, `the workspace lists more than ${maxWorkspaceJobs} versions in all; the limit is ${maxWorkspaceJobs} recipe jobs`, 'list fewer versions, or split the workspace');
      return undefined;
    }
    for (const version of expansion.values) versions.add(version);
    if (versions.size > maxVersions) {
      sink.error(item.loc, `\`versions\` expand to more than ${maxVersions} versions; the limit is ${maxVersions}`, 'list fewer versions');
      return undefined;
    }
  }
  return [...versions];
}
