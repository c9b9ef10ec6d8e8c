import { Help } from 'commander';
import type { Argument, Command, Option } from 'commander';

/**
 * The CLI speaks Swedish, as its output does: commander's own words (headings, the help option
 * and command, the extra notes on defaults and choices, its error messages) are replaced here;
 * command and option names stay English. Set on the program before any command is added, so
 * every subcommand inherits it.
 */

const TITLES: Readonly<Record<string, string>> = {
  'Usage:': 'Användning:',
  'Options:': 'Flaggor:',
  'Commands:': 'Kommandon:',
  'Arguments:': 'Argument:',
  'Global Options:': 'Globala flaggor:',
};

/** Commander's error messages (lib/command.js), each with its Swedish form. */
const ERRORS: readonly [RegExp, (...groups: string[]) => string][] = [
  [/^error: unknown option '([^']*)'/, (flag) => `fel: okänd flagga '${flag}'`],
  [/^error: unknown command '([^']*)'/, (name) => `fel: okänt kommando '${name}'`],
  [/^error: missing required argument '([^']*)'/, (name) => `fel: argumentet '${name}' saknas`],
  [/^error: option '([^']*)' argument missing/, (flags) => `fel: flaggan '${flags}' saknar värde`],
  [/^error: required option '([^']*)' not specified/, (flags) => `fel: flaggan '${flags}' måste anges`],
  [
    /^error: too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\./,
    (name, expected, got) =>
      `fel: för många argument${name ? ` till '${name}'` : ''}: ${expected} väntades, ${got} gavs.`,
  ],
  [
    /^error: option '([^']*)' argument '([^']*)' is invalid\./,
    (flags, value) => `fel: flaggan '${flags}' kan inte ta värdet '${value}'.`,
  ],
  [
    /^error: command-argument value '([^']*)' is invalid for argument '([^']*)'\./,
    (value, name) => `fel: argumentet '${name}' kan inte ta värdet '${value}'.`,
  ],
  [/^error: (.*) cannot be used with (.*)$/m, (a, b) => `fel: ${a} kan inte användas med ${b}`],
  [/Allowed choices are ([^.]*)\./, (choices) => `Tillåtna värden: ${choices}.`],
  [/\(Did you mean ([^?]*)\?\)/, (suggestion) => `(Menade du ${suggestion}?)`],
];

/** A commander error message in Swedish (an unknown message is left as it is). */
export function swedishError(message: string): string {
  let text = message;
  for (const [pattern, swedish] of ERRORS) {
    text = text.replace(pattern, (_match, ...groups: unknown[]) =>
      swedish(
        ...groups.filter((g): g is string => typeof g === 'string' || g === undefined).map((g) => g ?? ''),
      ),
    );
  }
  return text;
}

function extras(choices: readonly string[] | undefined, defaultText: string | undefined): string {
  const notes = [
    ...(choices ? [`val: ${choices.map((c) => JSON.stringify(c)).join(', ')}`] : []),
    ...(defaultText !== undefined ? [`standard: ${defaultText}`] : []),
  ];
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

function optionDescription(option: Option): string {
  const shown =
    option.defaultValue !== undefined &&
    (option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === 'boolean'));
  const defaultText = shown
    ? (option.defaultValueDescription ?? JSON.stringify(option.defaultValue))
    : undefined;
  return `${option.description}${extras(option.argChoices, defaultText)}`.trim();
}

function argumentDescription(argument: Argument): string {
  const defaultText =
    argument.defaultValue === undefined
      ? undefined
      : (argument.defaultValueDescription ?? JSON.stringify(argument.defaultValue));
  return `${argument.description}${extras(argument.argChoices, defaultText)}`.trim();
}

/** `[options]` and `[command]` in usage lines and command lists, in Swedish. */
function placeholders(text: string): string {
  return text.replace(/\[options\]/g, '[flaggor]').replace(/\[command\]/g, '[kommando]');
}

/** Swedish help and error texts for `program` and every command added to it afterwards. */
export function useSwedishHelp(program: Command): Command {
  return program
    .helpOption('-h, --help', 'visa hjälp för kommandot')
    .helpCommand('help [kommando]', 'visa hjälp för ett kommando')
    .configureHelp({
      styleTitle: (title) => TITLES[title] ?? title,
      commandUsage(this: Help, command: Command) {
        return placeholders(Help.prototype.commandUsage.call(this, command));
      },
      subcommandTerm(this: Help, command: Command) {
        return placeholders(Help.prototype.subcommandTerm.call(this, command));
      },
      optionDescription,
      argumentDescription,
    })
    .configureOutput({
      outputError: (message, write) => write(swedishError(message)),
    });
}
