// How options read in `--help`: a default shown once, and only when it tells the user something.
import type { HelpConfiguration, Option } from 'commander';

/** Defaults that say nothing to a reader: an off switch, an empty list. */
function isQuiet(value: unknown): boolean {
  return value === false || (Array.isArray(value) && value.length === 0);
}

/**
 * An option's help text: its description, its choices, and its default unless the description
 * already names one (`--jobs` says "default: cores" rather than this machine's count) or it is quiet.
 */
export function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`choices: ${option.argChoices.map((choice) => JSON.stringify(choice)).join(', ')}`);
  const describedAlready = /\(default:/.test(option.description);
  if (option.defaultValue !== undefined && !option.negate && !describedAlready && !isQuiet(option.defaultValue)) {
    extra.push(`default: ${option.defaultValueDescription ?? JSON.stringify(option.defaultValue)}`);
  }
  if (option.envVar !== undefined) extra.push(`env: ${option.envVar}`);
  return extra.length > 0 ? `${option.description} (${extra.join(', ')})` : option.description;
}

/** Help settings for the program; subcommands inherit them. */
export const helpSettings: HelpConfiguration = { optionDescription };
