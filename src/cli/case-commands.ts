import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { CLI_ACTOR } from '../app/cases.js';
import { InvalidSubmissionError, submitFromOutside } from '../app/outside-nominations.js';
import { alertConfigFromEnv } from '../alerts/config.js';
import {
  CASE_ACTION_LABELS,
  CASE_ORIGIN_LABELS,
  CASE_NUMBER,
  OutsideSubmission,
  describeCaseEvent,
  reconsiderTriggerLabel,
  stockholmDay,
} from '../domain/cases.js';
import { statusLabelOf } from '../domain/public-cases.js';
import { withTransaction } from '../store/db.js';
import type { Db } from '../store/db.js';
import {
  CASE_LIST_VIEWS,
  caseByNumber,
  caseEvents,
  caseParties,
  casesToReconsider,
  importCouncilCases,
  listCases,
  reconsiderTriggersOf,
} from '../store/cases.js';
import type { CaseListView, CaseRecord } from '../store/cases.js';
import { findUserByUsername } from '../store/users.js';
import type { Actor } from '../store/audit.js';
import { isoMinute, oneLine, table } from './format.js';
import { withApp } from './with-app.js';

function caseNumber(value: string): string {
  const upper = value.toUpperCase();
  if (!CASE_NUMBER.test(upper)) {
    throw new InvalidArgumentError('expected a case number such as HOR-2026-0042');
  }
  return upper;
}

async function accountActor(db: Db, username: string | undefined): Promise<Actor> {
  if (username === undefined) return CLI_ACTOR;
  const user = await findUserByUsername(db, username);
  if (!user || user.disabled) {
    throw new InvalidArgumentError(`no active account "${username}" (horisont users add)`);
  }
  return { id: user.id, name: user.displayName, role: user.role };
}

function rows(records: ReadonlyArray<{ record: CaseRecord; why?: string }>): string {
  return table(
    ['ärende', 'produkt eller metod', 'råd', 'läge', 'nominerat av', 'ändrat'],
    records.map(({ record, why }) => [
      record.caseNumber,
      oneLine(record.title, 40),
      record.state.council ?? '–',
      oneLine(why ?? statusLabelOf(record.state), 60),
      oneLine(record.parties.join(', ') || CASE_ORIGIN_LABELS[record.origin], 40),
      isoMinute(record.updatedAt),
    ]),
  );
}

interface NominateProductOptions {
  product: string;
  kind: 'device' | 'ivd' | 'drug' | 'method';
  maker?: string;
  indication: string;
  region?: string;
  npo?: string;
  profession?: string;
  company?: string;
  reason?: string;
  contactName?: string;
  contactEmail?: string;
  requestId?: string;
  user?: string;
  json?: boolean;
}

/**
 * `horisont cases …`, and `horisont nominate-product` for a nomination from outside the scan
 * (the same path as the workbench's form and `POST /api/nominations`).
 */
export function registerCaseCommands(program: Command): void {
  const cases = program
    .command('cases')
    .description('cases (ärenden) after a nomination: list, show, import');

  cases
    .command('list', { isDefault: true })
    .description('list cases (default: those being prepared)')
    .addOption(new Option('--view <view>', 'which list').choices(CASE_LIST_VIEWS).default('open'))
    .option('--json', 'JSON')
    .action(async (options: { view: CaseListView; json?: boolean }) => {
      await withApp(program, async (ctx) => {
        const today = stockholmDay(new Date());
        const entries =
          options.view === 'reconsider'
            ? (await casesToReconsider(ctx.db, today)).map((e) => ({
                record: e.record,
                triggers: e.triggers,
                why: e.triggers.map(reconsiderTriggerLabel).join('; '),
              }))
            : (await listCases(ctx.db, { view: options.view, limit: 1000, offset: 0 })).items.map(
                (record) => ({
                  record,
                }),
              );
        if (options.json) {
          console.log(
            JSON.stringify(
              entries.map(({ record, ...rest }) => ({ ...record, ...rest })),
              null,
              2,
            ),
          );
          return;
        }
        console.log(entries.length === 0 ? 'Inga ärenden.' : rows(entries));
      });
    });

  cases
    .command('show')
    .description('one case: its facts, parties, reasons to reconsider and every event')
    .argument('<case-number>', 'e.g. HOR-2026-0042', caseNumber)
    .option('--json', 'JSON')
    .action(async (number: string, options: { json?: boolean }) => {
      await withApp(program, async (ctx) => {
        const record = await caseByNumber(ctx.db, number);
        if (!record) throw new InvalidArgumentError(`no case ${number}`);
        const [parties, events, triggers] = await Promise.all([
          caseParties(ctx.db, record.id),
          caseEvents(ctx.db, record.id),
          reconsiderTriggersOf(ctx.db, [record], stockholmDay(new Date())),
        ]);
        const reasons = triggers.get(record.id) ?? [];
        if (options.json) {
          console.log(
            JSON.stringify({ case: record, parties, events, reconsiderTriggers: reasons }, null, 2),
          );
          return;
        }
        console.log(`${record.caseNumber}: ${oneLine(record.title, 120)} – ${statusLabelOf(record.state)}`);
        console.log(`Råd: ${record.state.council ?? '–'} · kandidat: ${record.candidateId ?? '–'}`);
        for (const p of parties) {
          console.log(`Nominerad av ${oneLine(p.party, 80)} (${isoMinute(p.createdAt)})`);
        }
        for (const t of reasons) console.log(`Att ompröva: ${oneLine(reconsiderTriggerLabel(t), 160)}`);
        for (const e of events) {
          console.log(
            `${isoMinute(e.createdAt)}  ${CASE_ACTION_LABELS[e.action]} (${oneLine(e.actorName, 40)}): ${oneLine(
              describeCaseEvent(e.action, e.payload, e.after).join(' '),
              200,
            )}`,
          );
        }
      });
    });

  cases
    .command('import')
    .description(
      "import the councils' published lists (source council-lists) as cases handled by the council",
    )
    .action(async () => {
      await withApp(program, async (ctx) => {
        const imported = await withTransaction(ctx.db, (tx) =>
          importCouncilCases(tx, stockholmDay(new Date())),
        );
        console.log(`Nya ärenden från rådens listor: ${imported}.`);
      });
    });

  program
    .command('nominate-product')
    .description(
      'a nomination from a region, an NPO or a profession of a product or method, found by the scan or not (a --company submission is recorded as a signal)',
    )
    .requiredOption('--product <name>', 'the product or method')
    .addOption(
      new Option('--kind <kind>', 'what it is')
        .choices(['device', 'ivd', 'drug', 'method'])
        .default('device'),
    )
    .option('--maker <name>', 'manufacturer (required for devices and IVDs)')
    .requiredOption('--indication <text>', 'indication or use')
    .option('--region <name>', 'the nominating region ("Region Halland")')
    .option('--npo <name>', 'the nominating programme area ("Endokrina sjukdomar")')
    .option('--profession <organisation>', 'the nominating professional organisation')
    .option('--company <name>', "a company's submission: recorded as a signal, not a nomination")
    .option('--reason <text>', 'why it is nominated')
    .option('--contact-name <name>', 'contact person (told of every change to the case)')
    .option('--contact-email <address>', "the contact's e-mail address")
    .option('--request-id <uuid>', 'idempotency key: the same key twice is one nomination')
    .option(
      '--user <username>',
      'the workbench account that records it (the candidate gets its nominate decision)',
    )
    .option('--json', 'JSON')
    .action(async (options: NominateProductOptions) => {
      const origin = options.company
        ? 'company'
        : options.npo
          ? 'npo'
          : options.profession
            ? 'profession'
            : 'region';
      const parsed = OutsideSubmission.safeParse({
        origin,
        party: options.company ?? options.npo ?? options.profession,
        region: options.region,
        kind: options.kind,
        name: options.product,
        maker: options.maker,
        indication: options.indication,
        reason: options.reason,
        contactName: options.contactName,
        contactEmail: options.contactEmail,
        clientRequestId: options.requestId ?? randomUUID(),
      });
      if (!parsed.success) {
        throw new InvalidArgumentError(
          parsed.error.issues.map((i) => `${i.path.join('.') || 'nominering'}: ${i.message}`).join('; '),
        );
      }
      await withApp(program, async (ctx) => {
        const actor = await accountActor(ctx.db, options.user);
        let result;
        try {
          result = await submitFromOutside(ctx, actor, parsed.data, {
            publicOrigin: alertConfigFromEnv().publicOrigin,
            now: new Date(),
          });
        } catch (error) {
          if (error instanceof InvalidSubmissionError) {
            throw new InvalidArgumentError(`${error.field}: ${error.message}`);
          }
          throw error;
        }
        if (options.json) {
          console.log(JSON.stringify(result, null, 2));
          return;
        }
        if (result.kind === 'signal') {
          console.log(
            `Registrerad som signal från företaget (inte som nominering): kandidat ${result.candidateId ?? '–'}.`,
          );
          return;
        }
        const again = result.replayed ? ' (redan registrerad med samma request-id)' : '';
        console.log(
          `${result.joined ? 'Tillagd i' : 'Nytt'} ärende ${result.caseNumber}${again}; kandidat ${result.candidateId}${
            result.candidateCreated ? ' (ny)' : ''
          }; ${result.enqueued ? 'i nomineringskön' : 'nomineringen väntar på att köas'}.`,
        );
      });
    });
}
