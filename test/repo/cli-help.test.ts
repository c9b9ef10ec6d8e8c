import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { swedishError } from '../../src/cli/help.js';

// The CLI's help is in Swedish, as its output is; command and option names stay English.

/** Every command under `program`, with its path (`users list`). */
function commands(command: Command, path: string[] = []): { path: string; command: Command }[] {
  return command.commands.flatMap((sub) => [
    { path: [...path, sub.name()].join(' '), command: sub },
    ...commands(sub, [...path, sub.name()]),
  ]);
}

/** Words that mark a text as English (none is a Swedish word). */
const ENGLISH = new Set(
  'the of and with to is for from this only each every when which an by its not be are or as that into until default print show whether without after before how what who why one'.split(
    ' ',
  ),
);

function englishWords(text: string): string[] {
  // Names in backticks, flags, variables and quoted examples are not prose.
  const prose = text
    .replace(/`[^`]*`/g, ' ')
    .replace(/"[^"]*"/g, ' ')
    .replace(/--?[\w-]+/g, ' ')
    .replace(/\$?[A-Z][A-Z0-9_]+/g, ' ');
  return prose
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((word) => ENGLISH.has(word));
}

describe('the CLI help', () => {
  const program = buildProgram();
  const all = [{ path: 'horisont', command: program }, ...commands(program)];

  it('describes every command, argument and option in Swedish', () => {
    const english: string[] = [];
    for (const { path, command } of all) {
      const texts = [
        ['', command.description()],
        ...command.registeredArguments.map((a) => [`<${a.name()}>`, a.description]),
        ...command.options.map((o) => [o.flags, o.description]),
      ];
      for (const [what, text] of texts) {
        expect(text, `${path} ${what}`.trim()).not.toBe('');
        const words = englishWords(text ?? '');
        if (words.length > 0) english.push(`${path} ${what}: ${text} [${words.join(', ')}]`);
      }
    }
    expect(english).toEqual([]);
  });

  it('uses Swedish headings, help option and notes on defaults and choices', () => {
    const report = all.find((c) => c.path === 'report')!.command;
    const help = report.helpInformation();
    expect(help).toContain('Användning: horisont report [flaggor] <candidate-id>');
    expect(help).toContain('Argument:');
    expect(help).toContain('Flaggor:');
    expect(help).toContain('-h, --help');
    expect(help).toContain('visa hjälp för kommandot');
    expect(help).toMatch(/val: "md", "json", "html", standard: "md"/);
    expect(help).not.toMatch(/Usage|Options|default:|choices:/);
    const top = program.helpInformation();
    expect(top).toContain('Användning: horisont [flaggor] [kommando]');
    expect(top).toContain('Kommandon:');
    expect(top).toContain('help [kommando]');
  });

  it("translates commander's error messages", () => {
    expect(swedishError("error: unknown option '--jsn'\n(Did you mean --json?)\n")).toBe(
      "fel: okänd flagga '--jsn'\n(Menade du --json?)\n",
    );
    expect(swedishError("error: missing required argument 'candidate-id'\n")).toBe(
      "fel: argumentet 'candidate-id' saknas\n",
    );
    expect(swedishError("error: required option '--role <role>' not specified\n")).toBe(
      "fel: flaggan '--role <role>' måste anges\n",
    );
    expect(
      swedishError(
        "error: option '--format <format>' argument 'pdf' is invalid. Allowed choices are md, json, html.\n",
      ),
    ).toBe("fel: flaggan '--format <format>' kan inte ta värdet 'pdf'. Tillåtna värden: md, json, html.\n");
    expect(swedishError("error: unknown command 'candidate'\n(Did you mean candidates?)\n")).toBe(
      "fel: okänt kommando 'candidate'\n(Menade du candidates?)\n",
    );
  });

  it('offers --json on every command that lists or shows records', () => {
    const listing = [
      'runs',
      'candidates',
      'nominations',
      'sources',
      'sources check',
      'users list',
      'tokens list',
      'duplicates',
      'history',
      'holds list',
      'holds show',
      'cases list',
      'cases show',
      'subscriptions list',
      'subscriptions deliveries',
      'criteria',
      'rescore',
      'backfill',
    ];
    for (const path of listing) {
      const command = all.find((c) => c.path === path)?.command;
      expect(command, path).toBeDefined();
      expect(
        command!.options.some((o) => o.long === '--json'),
        path,
      ).toBe(true);
    }
  });
});
