/**
 * The command-line tool for schema authors: `schema`, `explain` and `diff` (see README, "For schema
 * authors: the allow-clients command"). Bad input ends with one line on stderr and exit code 2.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { GraphQLSchema, printSchema } from 'graphql';
import { assertDefaultPolicy, type DefaultPolicy } from '../directives/compileRules.js';
import { RULE_DIRECTIVE_NAMES } from '../directives/ruleDirectives.js';
import { buildSchemaView } from '../directives/schemaView.js';
import { AccessError } from '../errors.js';
import { accessMatrix } from './accessMatrix.js';
import { diffAccess, type AccessDiff } from './accessDiff.js';
import { CliError, EXIT_BAD_INPUT, EXIT_WIDENED } from './cliError.js';
import { loadClientsFile, selectClients, type CliClient } from './clientsFile.js';
import { explainPage } from './explainPage.js';
import { explainJson, explainTable, type TableColors } from './explainText.js';
import { loadSchema, readSchemaSource, type LoadedSchema } from './schemaSource.js';

/** Where the tool writes and reads, so that tests can run it in-process. */
export interface CliIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Colour the text table (the entry turns it on for a TTY without NO_COLOR). */
  readonly color: boolean;
}

/**
 * Whether the text table is coloured: on a terminal only, never with `NO_COLOR` set to anything but
 * the empty string (no-color.org) or under `TERM=dumb`.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  return isTty && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

interface SchemaOptions {
  readonly schema: string;
  readonly clients: string;
  readonly defaultPolicy: string;
  readonly output?: string;
}

const POLICY_HELP = 'what unannotated fields require, as the server\'s AUTHZ_DEFAULT_POLICY: public, authenticated or deny';

function policyOf(value: string): DefaultPolicy {
  try {
    return assertDefaultPolicy(value);
  } catch {
    throw new CliError(`--default-policy: must be one of public, authenticated, deny (got "${value}")`);
  }
}

function load(source: string, options: SchemaOptions, cwd: string): LoadedSchema {
  return loadSchema(source, readSchemaSource(source, cwd), policyOf(options.defaultPolicy));
}

function clientsOf(options: SchemaOptions, ids: readonly string[], cwd: string): readonly CliClient[] {
  return selectClients(loadClientsFile(options.clients, cwd), ids, options.clients);
}

/**
 * The SDL of a caller's view as a partner should read it: without the definitions of the rule
 * directives and their input type, which belong to the server, not to the API.
 */
function partnerSdl(view: GraphQLSchema): string {
  const rule = new Set<string>(RULE_DIRECTIVE_NAMES);
  const config = view.toConfig();
  const printed = new GraphQLSchema({
    ...config,
    directives: config.directives.filter((directive) => !rule.has(directive.name)),
    types: config.types.filter((type) => type.name !== 'ClientMetadataMatch'),
  });
  return `${printSchema(printed)}\n`;
}

function emit(text: string, output: string | undefined, io: CliIo): void {
  if (output === undefined) io.stdout(text);
  else writeFileSync(resolve(io.cwd, output), text);
}

function diffText(diff: AccessDiff, before: string, after: string, allowWidening: boolean): string {
  const lines = [`Access from ${before} to ${after}:`];
  for (const client of diff.clients) {
    if (client.gains.length === 0 && client.losses.length === 0) {
      lines.push(`  ${client.id}: no change`);
      continue;
    }
    lines.push(`  ${client.id} (${client.name}): gains ${client.gains.length}, loses ${client.losses.length}`);
    const note = (fieldChange: string | null): string => (fieldChange === null ? '' : ` [field ${fieldChange}]`);
    for (const gain of client.gains) lines.push(`    + ${gain.coordinate}  ${gain.rule}${note(gain.fieldChange)}`);
    for (const loss of client.losses) lines.push(`    - ${loss.coordinate}  ${loss.rule}${note(loss.fieldChange)}`);
  }
  if (diff.widens) lines.push(allowWidening ? 'Access widens (allowed by --allow-widening).' : 'Access widens: review it, then pass --allow-widening.');
  else lines.push(diff.narrows ? 'Access narrows only.' : 'No client gains or loses a field.');
  return `${lines.join('\n')}\n`;
}

function program(io: CliIo, setExit: (code: number) => void): Command {
  const colors: TableColors = pc.createColors(io.color);
  const root = new Command('allow-clients')
    .description('Who may read what in a schema annotated with @allowClients, @requireScopes, @authenticated and @public')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(`allow-clients: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError(false);
  const common = (command: Command): Command =>
    command
      .requiredOption('--clients <file>', 'clients file (JSON, shaped as dev/clients.json; JSON Schema: schema/clients.schema.json)')
      .addOption(new Option('--default-policy <policy>', POLICY_HELP).default('authenticated'))
      .option('-o, --output <file>', 'write to a file instead of stdout');

  common(
    root
      .command('schema')
      .description('print the SDL one client sees (its schema view), for partner documentation and codegen')
      .requiredOption('--schema <source>', 'a .graphql file, a directory of them, or REV:PATH from git (HEAD~1:schema/)')
      .requiredOption('--client <id>', 'the client id, as in the clients file'),
  ).action((options: SchemaOptions & { client: string }) => {
    const loaded = load(options.schema, options, io.cwd);
    const [client] = clientsOf(options, [options.client], io.cwd);
    if (client === undefined) throw new CliError(`${options.clients}: unknown client "${options.client}"`);
    let view: GraphQLSchema;
    try {
      view = buildSchemaView(loaded.rules, loaded.schema, client.principal).schema;
    } catch (error) {
      if (!(error instanceof AccessError)) throw error;
      throw new CliError(`client "${client.id}" may read no Query field: it has no schema (the server refuses its every request)`);
    }
    emit(partnerSdl(view), options.output, io);
  });

  common(
    root
      .command('explain')
      .description('every client against every field: allowed or denied, with the rule that decides')
      .requiredOption('--schema <source>', 'a .graphql file, a directory of them, or REV:PATH from git (HEAD~1:schema/)')
      .option('--client <id...>', 'only these clients (default: every client of the file)', [])
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'html']).default('text')),
  ).action((options: SchemaOptions & { client: string[]; format: 'text' | 'json' | 'html' }) => {
    const loaded = load(options.schema, options, io.cwd);
    const matrix = accessMatrix(loaded.rules, clientsOf(options, options.client, io.cwd));
    const text =
      options.format === 'json'
        ? explainJson(matrix)
        : options.format === 'html'
          ? explainPage(matrix, options.schema)
          : explainTable(matrix, options.output === undefined ? colors : pc.createColors(false));
    emit(text, options.output, io);
  });

  common(
    root
      .command('diff')
      .description('what a schema change opens or closes, per client; exit code 1 when access widens')
      .argument('<before>', 'the schema before: a file, a directory, or REV:PATH from git (HEAD~1:schema/)')
      .argument('<after>', 'the schema after, written the same way (schema/ for the working tree)')
      .option('--client <id...>', 'only these clients (default: every client of the file)', [])
      .option('--allow-widening', 'exit 0 even when some client gains a field')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text')),
  ).action((before: string, after: string, options: SchemaOptions & { client: string[]; allowWidening?: boolean; format: 'text' | 'json' }) => {
    const clients = clientsOf(options, options.client, io.cwd);
    const diff = diffAccess(accessMatrix(load(before, options, io.cwd).rules, clients), accessMatrix(load(after, options, io.cwd).rules, clients));
    const allowWidening = options.allowWidening === true;
    emit(options.format === 'json' ? `${JSON.stringify({ before, after, ...diff }, null, 2)}\n` : diffText(diff, before, after, allowWidening), options.output, io);
    setExit(diff.widens && !allowWidening ? EXIT_WIDENED : 0);
  });
  return root;
}

/**
 * Runs the tool on `args` (without `node` and the script) and returns the exit code: 0, 1 when
 * `diff` finds access widened without `--allow-widening`, 2 for bad input (one line on stderr).
 *
 * @example
 * ```ts
 * const code = await runCli(['explain', '--schema', 'schema/', '--clients', 'dev/clients.json'], io);
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  try {
    await program(io, (value) => (code = value)).parseAsync(args, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    if (error instanceof CliError) {
      io.stderr(`allow-clients: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return EXIT_BAD_INPUT;
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const code = (error as NodeJS.ErrnoException | null)?.code;
    io.stderr(`allow-clients: ${typeof code === 'string' ? `${code} ` : ''}${reason.split('\n')[0] ?? ''}\n`);
    return EXIT_BAD_INPUT;
  }
}
