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
} from '../domain/cases.js';
import { stockholmDay } from '../domain/dates.js';
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
import type { Actor } from '../store/audit.js';
import { isoMinute, table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { withApp } from './with-app.js';
import { actorOf } from './resolution-commands.js';
import { NotFoundError } from './errors.js';

function caseNumber(value: string): string {
  const upper = value.toUpperCase();
  if (!CASE_NUMBER.test(upper)) {
    throw new InvalidArgumentError('väntade ett ärendenummer som HOR-2026-0042');
  }
  return upper;
}

async function accountActor(db: Db, username: string | undefined): Promise<Actor> {
  if (username === undefined) return CLI_ACTOR;
  return actorOf(db, username);
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
  const cases = program.command('cases').description('ärenden efter en nominering: lista, visa, importera');

  cases
    .command('list', { isDefault: true })
    .description('lista ärenden (standard: de som bereds)')
    .addOption(new Option('--view <view>', 'vilken lista').choices(CASE_LIST_VIEWS).default('open'))
    .option('--json', 'som JSON')
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
    .description('ett ärende: uppgifter, parter, skäl att ompröva och varje händelse')
    .argument('<case-number>', 'ärendenummer, t.ex. HOR-2026-0042', caseNumber)
    .option('--json', 'som JSON')
    .action(async (number: string, options: { json?: boolean }) => {
      await withApp(program, async (ctx) => {
        const record = await caseByNumber(ctx.db, number);
        if (!record) throw new NotFoundError(`Inget ärende ${number}.`);
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
    .description('importera rådens publicerade listor (källan council-lists) som ärenden som rådet hanterar')
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
      'en nominering från en region, ett NPO eller en profession av en produkt eller metod, funnen av skanningen eller inte (ett företags inspel med --company registreras som en signal)',
    )
    .requiredOption('--product <name>', 'produkten eller metoden')
    .addOption(
      new Option('--kind <kind>', 'vad det är')
        .choices(['device', 'ivd', 'drug', 'method'])
        .default('device'),
    )
    .option('--maker <name>', 'tillverkare (krävs för medicintekniska produkter och IVD)')
    .requiredOption('--indication <text>', 'indikation eller användning')
    .option('--region <name>', 'den nominerande regionen ("Region Halland")')
    .option('--npo <name>', 'det nominerande programområdet ("Endokrina sjukdomar")')
    .option('--profession <organisation>', 'den nominerande professionsorganisationen')
    .option('--company <name>', 'ett företags inspel: registreras som en signal, inte som en nominering')
    .option('--reason <text>', 'varför den nomineras')
    .option('--contact-name <name>', 'kontaktperson (får besked om varje ändring i ärendet)')
    .option('--contact-email <address>', 'kontaktpersonens e-postadress')
    .option('--request-id <uuid>', 'idempotensnyckel: samma nyckel två gånger är en nominering')
    .option(
      '--user <username>',
      'arbetsytans konto som registrerar den (kandidaten får dess beslut att nominera)',
    )
    .option('--json', 'som JSON')
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
