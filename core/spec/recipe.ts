// A recipe file (`kind: recipe`): a job template that builds one package at each of its versions.
import type { DiagnosticSink } from './diagnostics';
import { recipeScope } from './expression-scope';
import { checkKeys, findEntry, readNonEmptyString, readStringList } from './fields';
import { readJobTemplate, templateKeys } from './job-template';
import { nameRules, recipeNamePattern, versionPattern } from './names';
import { parseRequirement } from './requirements';
import type { RecipeSpec, Requirement } from './types';
import { envNames, readEnv } from './values';
import type { YMap, YNode } from './yaml-source';

/** Keys of a recipe document. */
export const recipeKeys = ['kind', 'name', 'version', 'requires', ...templateKeys] as const;

const recipeHints: Readonly<Record<string, string>> = {
  needs: 'recipes name what they build on with `requires`, e.g. `requires: [zlib/>=1.2]`',
  matrix: 'recipes fan out by version: list `versions` for this recipe in farmhand.workspace.yml',
  exclude: 'recipes fan out by version: list `versions` for this recipe in farmhand.workspace.yml',
  versions: 'list `versions` on this recipe\'s entry in farmhand.workspace.yml; a recipe file has one `version`',
  depends_on: 'recipes name what they build on with `requires`',
};

/**
 * Reads a recipe document at `path`; `versions` from the workspace win over the file's `version`
 * (an empty list: the workspace gave versions that were refused, already reported there).
 */
export function readRecipe(sink: DiagnosticSink, map: YMap, path: string, workspaceVersions: readonly string[] | undefined): RecipeSpec {
  checkKeys(sink, map, recipeKeys, 'a recipe', recipeHints);
  const nameEntry = findEntry(map, 'name');
  const name = nameEntry ? readRecipeName(sink, nameEntry.value) ?? '' : '';
  if (nameEntry === undefined) sink.error(map.loc, 'recipe has no `name`', 'add `name: <package>`');
  const loc = nameEntry?.value.loc ?? map.loc;
  const envNode = findEntry(map, 'env')?.value;
  const scope = recipeScope(name || 'recipe', envNames(envNode));
  const env = envNode ? readEnv(sink, envNode, scope) : {};
  const template = readJobTemplate(sink, map, scope, env, { what: `recipe \`${name}\``, loc });
  const versionNode = findEntry(map, 'version')?.value;
  const ownVersion = versionNode ? readVersion(sink, versionNode) : undefined;
  let versions: string[] = workspaceVersions ? [...workspaceVersions] : ownVersion ? [ownVersion] : [];
  if (workspaceVersions === undefined && versionNode === undefined) {
    sink.error(loc, `recipe \`${name}\` has no version`, 'add `version: 1.0.0` to the recipe, or `versions:` to its entry in farmhand.workspace.yml');
  }
  versions = [...new Set(versions)];
  const requiresNode = findEntry(map, 'requires')?.value;
  const requires = requiresNode ? readRequires(sink, requiresNode, name) : [];
  return { ...template, name, versions, requires, path, loc };
}

function readRecipeName(sink: DiagnosticSink, node: YNode): string | undefined {
  const name = readNonEmptyString(sink, node, 'name');
  if (name !== undefined && !recipeNamePattern.test(name)) {
    sink.error(node.loc, `\`${name}\` is not a valid recipe name`, `use ${nameRules.recipe}`);
  }
  return name;
}

function readVersion(sink: DiagnosticSink, node: YNode): string | undefined {
  const version = readNonEmptyString(sink, node, 'version');
  if (version === undefined) return undefined;
  if (!versionPattern.test(version)) {
    sink.error(node.loc, `\`${version}\` is not a valid version`, `use ${nameRules.version}`);
    return undefined;
  }
  return version;
}

function readRequires(sink: DiagnosticSink, node: YNode, recipeName: string): Requirement[] {
  const requires: Requirement[] = [];
  for (const item of readStringList(sink, node, 'requires', { allowEmpty: true }) ?? []) {
    const result = parseRequirement(item.text, item.loc);
    if (!result.ok) {
      sink.error(item.loc, result.message, result.remedy);
    } else if (result.requirement.name === recipeName) {
      sink.error(item.loc, `recipe \`${recipeName}\` requires itself`, 'remove it from `requires`');
    } else {
      requires.push(result.requirement);
    }
  }
  return requires;
}
