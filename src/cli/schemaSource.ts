/**
 * Where the command-line tool reads a schema from: a `.graphql` file, a directory of them, or a git
 * revision written as git itself writes it, `REV:PATH` (`HEAD~1:schema/`, `main:schema/api.graphql`).
 * A path that exists on disk is read from disk; anything else of the form `REV:PATH` from git.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  buildASTSchema,
  GraphQLError,
  Kind,
  parse,
  Source,
  validateSchema,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { validateSDL } from 'graphql/validation/validate.js';
import { compileRules, type CompiledRules, type DefaultPolicy } from '../directives/compileRules.js';
import { authDirectiveTypeDefs } from '../directives/typeDefs.js';
import { CliError } from './cliError.js';

/** One SDL file, named as the messages should name it. */
export interface SdlFile {
  readonly name: string;
  readonly text: string;
}

/** A schema with its compiled rules, as the server would compile them. */
export interface LoadedSchema {
  /** The source as given on the command line. */
  readonly label: string;
  readonly schema: GraphQLSchema;
  readonly rules: CompiledRules;
}

const SDL_FILE = /\.(graphql|graphqls|gql)$/;

/**
 * Reads the SDL files of a source: a file, a directory (its `.graphql`, `.graphqls` and `.gql` files,
 * recursively, in name order) or `REV:PATH` from the git repository around `cwd`.
 *
 * @throws CliError naming the source when it cannot be read
 */
export function readSchemaSource(source: string, cwd: string): readonly SdlFile[] {
  const path = resolve(cwd, source);
  if (existsSync(path)) return readFromDisk(source, path, cwd);
  const revision = /^([^:]+):(.*)$/.exec(source);
  if (revision === null) throw new CliError(`${source}: no such file or directory (a git revision is written REV:PATH, e.g. HEAD~1:schema/)`);
  return readFromGit(source, revision[1] as string, (revision[2] as string).replace(/\/+$/, ''), cwd);
}

function readFromDisk(source: string, path: string, cwd: string): readonly SdlFile[] {
  if (!statSync(path).isDirectory()) return [{ name: source, text: readFileSync(path, 'utf8') }];
  const files = (readdirSync(path, { recursive: true, withFileTypes: false }) as string[]).filter((name) => SDL_FILE.test(name)).sort();
  if (files.length === 0) throw new CliError(`${source}: the directory has no .graphql files`);
  return files.map((name) => ({ name: relative(cwd, join(path, name)) || name, text: readFileSync(join(path, name), 'utf8') }));
}

function git(args: readonly string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
}

function readFromGit(source: string, revision: string, path: string, cwd: string): readonly SdlFile[] {
  if (git(['rev-parse', '--is-inside-work-tree'], cwd) === null) throw new CliError(`${source}: not a file, and ${cwd} is not inside a git repository`);
  if (git(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], cwd) === null) throw new CliError(`${source}: unknown git revision "${revision}"`);
  // Paths in REV:PATH are relative to the repository root unless they start with ./ (as in git).
  const object = `${revision}:${path}`;
  const type = git(['cat-file', '-t', object], cwd)?.trim();
  if (type === undefined) throw new CliError(`${source}: "${path}" does not exist in revision "${revision}"`);
  if (type === 'blob') return [{ name: source, text: git(['cat-file', 'blob', object], cwd) ?? '' }];
  const listed = git(['ls-tree', '-r', '--name-only', object], cwd) ?? '';
  const files = listed.split('\n').filter((name) => SDL_FILE.test(name)).sort();
  if (files.length === 0) throw new CliError(`${source}: the directory has no .graphql files in revision "${revision}"`);
  const prefix = path === '' ? '' : `${path}/`;
  return files.map((name) => ({ name: `${revision}:${prefix}${name}`, text: git(['cat-file', 'blob', `${revision}:${prefix}${name}`], cwd) ?? '' }));
}

/** `file:line:column: message` of a GraphQL error, or `label: message` without a location. */
function located(error: GraphQLError, label: string): string {
  const location = error.locations?.[0];
  const name = error.source?.name ?? error.nodes?.[0]?.loc?.source.name;
  return location === undefined || name === undefined ? `${label}: ${error.message}` : `${name}:${location.line}:${location.column}: ${error.message}`;
}

/**
 * Parses, builds and checks the SDL files as one schema and compiles its rules. The directive
 * definitions (`authDirectiveTypeDefs`) are added unless the files declare them.
 *
 * @throws CliError with one line naming the file, the line and column where known, and the reason
 */
export function loadSchema(label: string, files: readonly SdlFile[], defaultPolicy: DefaultPolicy): LoadedSchema {
  const definitions: DefinitionNode[] = [];
  for (const file of files) {
    try {
      definitions.push(...parse(new Source(file.text, file.name)).definitions);
    } catch (error) {
      if (error instanceof GraphQLError) throw new CliError(located(error, file.name));
      throw error;
    }
  }
  const declares = definitions.some((definition) => definition.kind === Kind.DIRECTIVE_DEFINITION && definition.name.value === 'allowClients');
  if (!declares) definitions.unshift(...parse(new Source(authDirectiveTypeDefs, 'allow-clients directives')).definitions);
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions };
  const sdlErrors = validateSDL(document);
  if (sdlErrors[0] !== undefined) throw new CliError(located(sdlErrors[0], label));
  const schema = buildASTSchema(document, { assumeValidSDL: true });
  const schemaErrors = validateSchema(schema);
  if (schemaErrors[0] !== undefined) throw new CliError(located(schemaErrors[0], label));
  try {
    return { label, schema, rules: compileRules(schema, { defaultPolicy }) };
  } catch (error) {
    if (error instanceof TypeError) throw new CliError(`${label}: ${error.message}`);
    throw error;
  }
}
