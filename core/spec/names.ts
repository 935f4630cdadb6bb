// The shapes of names. Ids are built from them (`pipeline/job[axis=value]`, `recipe/version`), so the
// characters that separate parts of an id (`/`, `[`, `]`, `,`, `=`) never appear inside a name.

/** Pipeline names: lower case, as they appear in ids, URLs and `depends_on`. */
export const pipelineNamePattern = /^[a-z0-9][a-z0-9._-]*$/;
/**
 * Job names (keys under `jobs`): like pipeline names but upper case is allowed, because CI users
 * commonly write `Build` or `unitTests`; `_` is allowed after the first character.
 */
export const jobNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Recipe names: like pipeline names, plus `+` (`libstdc++`). */
export const recipeNamePattern = /^[a-z0-9][a-z0-9._+-]*$/;
/** Versions: `3.0.2`, `1.2.12-rc1`, `2024.01+build5`. */
export const versionPattern = /^[0-9A-Za-z][0-9A-Za-z._+-]*$/;
/** Environment variable names, as POSIX shells accept them. */
export const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Matrix axis names; the same shape `${{ matrix.X }}` accepts. */
export const axisNamePattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Characters a matrix value may not hold, since it is written into the job id `job[axis=value,...]`. */
export const matrixValueForbidden = /[,=[\]\n\r\t]/;

/** Human words for each pattern, for "expected ..." remedies. */
export const nameRules = {
  pipeline: 'lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit',
  job: 'letters, digits, `.`, `_` and `-`, starting with a letter or digit',
  recipe: 'lower-case letters, digits, `.`, `_`, `+` and `-`, starting with a letter or digit',
  version: 'letters, digits, `.`, `_`, `+` and `-`, starting with a letter or digit',
  env: 'letters, digits and `_`, not starting with a digit',
  axis: 'letters, digits, `_` and `-`, not starting with a digit or `-`',
} as const;
