// The one mechanism that keeps README code honest: every ```ts / ```typescript block of every
// README is extracted, type-checked against the workspace's TypeScript sources with the repo's
// compiler settings, and imported (run) in-process, where vitest resolves '@loom/*' to sources.
// A block whose info string says `no-run` (```ts no-run) is type-checked only.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** One fenced TypeScript block of a README. */
export interface ReadmeBlock {
  /** The README, relative to the repository root (`packages/nn/README.md`). */
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Words after the language in the fence's info string (`no-run`). */
  flags: readonly string[];
  code: string;
  /** Where the block was written as a module (set by `writeBlocks`). */
  file?: string;
}

/** `README.md:42`: how failures point at a block, or at a line inside it. */
export const where = (block: ReadmeBlock, lineInBlock?: number) =>
  `${block.readme}:${lineInBlock === undefined ? block.line : block.line + lineInBlock}`;

/** The root README and every packages/<name>/README.md, sorted. */
export function readmePaths(): string[] {
  const packages = join(repoRoot, 'packages');
  const inPackages = readdirSync(packages, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join('packages', d.name, 'README.md'))
    .filter((p) => existsSync(join(repoRoot, p)));
  return ['README.md', ...inPackages.sort()];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/;

/** The TypeScript blocks of one markdown text (fences of ``` or ~~~, up to 3 spaces indented). */
export function extractBlocks(markdown: string, readme: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, fence, lang, rest] = open;
    const body: string[] = [];
    let j = i + 1;
    // A fence closes on a line of the same character, at least as long, and nothing else.
    while (
      j < lines.length &&
      !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j])
    )
      body.push(lines[j++]);
    if (lang === 'ts' || lang === 'typescript') {
      blocks.push({
        readme,
        line: i + 1,
        flags: rest.split(/\s+/).filter(Boolean),
        code: `${body.join('\n')}\n`,
      });
    }
    i = j;
  }
  return blocks;
}

/** Every TypeScript block of every README. */
export function readmeBlocks(paths: readonly string[] = readmePaths()): ReadmeBlock[] {
  return paths.flatMap((p) => extractBlocks(readFileSync(join(repoRoot, p), 'utf8'), p));
}

/**
 * Writes each block as an ES module in a fresh temporary folder (named after its README and
 * line, so stack traces point at it) and records the file on the block.
 */
export function writeBlocks(blocks: readonly ReadmeBlock[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'loom-readme-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const block of blocks) {
    const name = `${block.readme.replace(/[/\\.]/g, '_')}_L${block.line}.ts`;
    block.file = join(dir, name);
    mkdirSync(dirname(block.file), { recursive: true });
    writeFileSync(block.file, block.code);
  }
  return dir;
}

/** The workspace packages as READMEs import them, mapped to their TypeScript entry points. */
const ENTRY_POINTS: Record<string, string> = {
  '@loom/core': 'packages/core/src/index.ts',
  '@loom/nn': 'packages/nn/src/index.ts',
  '@loom/nn/node': 'packages/nn/src/node.ts',
  '@loom/datasets': 'packages/datasets/src/index.ts',
  '@loom/datasets/node': 'packages/datasets/src/node.ts',
};

/** tsconfig.base.json's options, as the repo's typecheck uses them, resolving '@loom/*' to src. */
function compilerOptions(): ts.CompilerOptions {
  const configPath = join(repoRoot, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  return {
    ...parsed.options,
    noEmit: true,
    baseUrl: repoRoot,
    typeRoots: [join(repoRoot, 'node_modules/@types')],
    paths: Object.fromEntries(
      Object.entries(ENTRY_POINTS).map(([name, path]) => [name, [path.replace(/\.ts$/, '.js')]]),
    ),
  };
}

/** One type error, located in its README. */
export interface BlockDiagnostic {
  block: ReadmeBlock;
  message: string;
}

/** Type-checks the written blocks; only errors inside the blocks are reported. */
export function typecheckBlocks(blocks: readonly ReadmeBlock[]): BlockDiagnostic[] {
  const files = blocks.map((b) => b.file).filter((f): f is string => f !== undefined);
  const program = ts.createProgram(files, compilerOptions());
  const out: BlockDiagnostic[] = [];
  for (const block of blocks) {
    const source = block.file && program.getSourceFile(block.file);
    if (!source) {
      out.push({ block, message: `${where(block)}: the block was not written or not compiled` });
      continue;
    }
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const d of diagnostics) {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      out.push({ block, message: `${where(block, line + 1)}: TS${d.code}: ${text}` });
    }
  }
  return out;
}

/** Runs a written block by importing it; resolves to its exports. */
export async function importBlock(block: ReadmeBlock): Promise<Record<string, unknown>> {
  if (!block.file)
    throw new Error(`${where(block)}: write the block (writeBlocks) before running it`);
  return import(/* @vite-ignore */ pathToFileURL(block.file).href);
}

/** A short label for test names: `packages/nn/README.md:109`. */
export const label = (block: ReadmeBlock) =>
  `${where(block)}${block.flags.length > 0 ? ` (${block.flags.join(' ')})` : ''}`;
