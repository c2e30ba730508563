/**
 * Bundles a k6 script with esbuild the way the local engine runs it: `k6` modules resolve to
 * the engine's implementations (read from the run's host object), relative imports must spell
 * their extension (as in k6), and everything k6 cannot load — remote modules, npm packages,
 * Node built-ins, extensions — or the engine cannot run honestly (sleep, synchronous HTTP)
 * fails here, at load time, naming the import or API and its place.
 */

import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildFailure, type Plugin } from 'esbuild';
import { FloodgateError } from '../contracts/errors.ts';
import { UNSUPPORTED_MEMBERS } from './modules/unsupported.ts';

/** The name of the host object bundled code reads the engine from. */
export const HOST_NAME = '__floodgate_host';

/** k6 modules the engine implements, with their named exports. */
export const MODULE_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  k6: ['check', 'group', 'fail', 'sleep', 'randomSeed'],
  'k6/http': [
    'asyncRequest',
    'file',
    'url',
    'expectedStatuses',
    'setResponseCallback',
    'cookieJar',
    'CookieJar',
    'get',
    'post',
    'put',
    'del',
    'patch',
    'head',
    'options',
    'request',
    'batch',
    'TLS_1_0',
    'TLS_1_1',
    'TLS_1_2',
    'TLS_1_3',
    'SSL_3_0',
    'OCSP_STATUS_GOOD',
    'OCSP_STATUS_REVOKED',
    'OCSP_STATUS_SERVER_FAILED',
    'OCSP_STATUS_UNKNOWN',
  ],
  'k6/metrics': ['Counter', 'Gauge', 'Rate', 'Trend'],
  'k6/execution': ['instance', 'scenario', 'test', 'vu'],
  'k6/timers': ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
  'k6/data': ['SharedArray'],
  'k6/encoding': ['b64encode', 'b64decode'],
};

/** A bundled script. */
export interface Bundle {
  /** CommonJS code; run it with {@link HOST_NAME} and the k6 globals in scope. */
  readonly code: string;
  /** Source map of `code` (JSON), so stack traces name the script's own files and lines. */
  readonly sourceMap: string;
  /** Absolute path of the entry script. */
  readonly entry: string;
  /** Every local file the bundle holds. */
  readonly files: readonly string[];
}

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

/** Blanks comments (keeping line breaks) so the checks below do not match commented-out code. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|(^|[^:\\'"`])\/\/[^\n]*/g, (match, prefix: string | undefined) =>
    prefix !== undefined && !match.startsWith('/*')
      ? prefix + ' '.repeat(match.length - prefix.length)
      : match.replace(/[^\n]/g, ' '),
  );
}

/**
 * Finds uses of APIs the engine refuses (k6's sleep and randomSeed, synchronous http calls) in
 * one source file: named imports of them, and `ns.member(` calls on default or namespace imports.
 */
export function findUnsupportedUses(source: string, file: string): Finding[] {
  const text = stripComments(source);
  const findings: Finding[] = [];
  for (const [module, members] of Object.entries(UNSUPPORTED_MEMBERS)) {
    const from = `\\s*from\\s*['"]${module.replace('/', '\\/')}['"]`;
    for (const match of text.matchAll(new RegExp(`import\\s*(?:[\\w$]+\\s*,\\s*)?\\{([^}]*)\\}${from}`, 'g'))) {
      for (const binding of (match[1] ?? '').split(',')) {
        const imported = binding
          .trim()
          .split(/\s+as\s+/)[0]
          ?.trim();
        if (imported && imported in members) {
          findings.push({
            file,
            line: lineOf(text, match.index ?? 0),
            text: `${members[imported]} (imported from "${module}")`,
          });
        }
      }
    }
    const namespaces = [
      ...text.matchAll(new RegExp(`import\\s+([\\w$]+)\\s*(?:,\\s*\\{[^}]*\\})?${from}`, 'g')),
      ...text.matchAll(new RegExp(`import\\s*\\*\\s*as\\s+([\\w$]+)${from}`, 'g')),
    ].map((match) => match[1] as string);
    for (const name of namespaces) {
      const call = new RegExp(
        `(?<![\\w$.])${name.replace('$', '\\$')}\\s*\\.\\s*(${Object.keys(members).join('|')})\\s*\\(`,
        'g',
      );
      for (const match of text.matchAll(call)) {
        findings.push({ file, line: lineOf(text, match.index ?? 0), text: members[match[1] as string] as string });
      }
    }
  }
  return findings;
}

function shimSource(module: string): string {
  const names = MODULE_EXPORTS[module] ?? [];
  const lines = [`const m = ${HOST_NAME}.modules[${JSON.stringify(module)}];`, 'export default m;'];
  for (const name of names) lines.push(`export const ${name} = m[${JSON.stringify(name)}];`);
  return lines.join('\n');
}

/** `new RegExp("...", "flags")` with a flag sobek lacks, as esbuild writes a lowered regex literal. */
const SOBEK_REGEX_FLAGS = /new RegExp\((?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'),\s*["']([a-z]*[dv][a-z]*)["']\)/g;

const ALLOWED_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts']);

function enginePlugin(findings: Finding[]): Plugin {
  return {
    name: 'floodgate-k6',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        const path = args.path;
        if (args.kind === 'entry-point') return undefined;
        if (path === 'k6' || path.startsWith('k6/')) {
          if (path in MODULE_EXPORTS) return { path, namespace: 'k6' };
          if (path.startsWith('k6/x/'))
            return { errors: [{ text: `"${path}" is a k6 extension; the local engine runs no extensions` }] };
          return {
            errors: [
              {
                text: `the local engine does not implement the module "${path}"; it supports ${Object.keys(MODULE_EXPORTS).join(', ')}`,
              },
            ],
          };
        }
        if (/^https?:\/\//.test(path)) {
          return {
            errors: [
              {
                text: `remote module "${path}" cannot be loaded by the local engine; copy the code into the project and import it by a relative path`,
              },
            ],
          };
        }
        let local: string | undefined;
        if (path.startsWith('file://')) local = fileURLToPath(path);
        else if (path.startsWith('./') || path.startsWith('../') || isAbsolute(path))
          local = resolve(args.resolveDir, path);
        if (local === undefined) {
          return {
            errors: [
              {
                text: path.startsWith('node:')
                  ? `"${path}" is a Node built-in; k6 scripts cannot import Node modules`
                  : `"${path}" is a bare module name; k6 loads only k6/* modules and relative or absolute paths (bundle npm code first)`,
              },
            ],
          };
        }
        if (!ALLOWED_EXTENSIONS.has(extname(local))) {
          return {
            errors: [
              {
                text: `"${path}" has no .js or .ts extension; k6 does not guess extensions, so spell it out (e.g. "${path}.ts")`,
              },
            ],
          };
        }
        return { path: local };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: 'k6' }, (args) => ({
        contents: shimSource(args.path),
        loader: 'js',
      }));
      pluginBuild.onLoad({ filter: /\.(m|c)?[jt]s$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        findings.push(...findUnsupportedUses(source, args.path));
        // open() resolves paths against the file that calls it, as in k6.
        const usesOpen = /(?<![\w$.])open\s*\(/.test(source);
        const contents = usesOpen
          ? `const open = /* @__PURE__ */ ${HOST_NAME}.openFrom(${JSON.stringify(dirname(args.path))});\n${source}`
          : source;
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/** Bundles `script`; throws SCRIPT_NOT_FOUND or SCRIPT_UNSUPPORTED (exit 107) with what to fix. */
export async function bundleScript(script: string): Promise<Bundle> {
  const entry = resolve(script);
  try {
    readFileSync(entry);
  } catch (error) {
    throw new FloodgateError(
      'SCRIPT_NOT_FOUND',
      { script, detail: (error as NodeJS.ErrnoException).code ?? String(error) },
      { cause: error },
    );
  }
  if (!ALLOWED_EXTENSIONS.has(extname(entry))) {
    throw new FloodgateError('SCRIPT_UNSUPPORTED', { script, detail: 'the script must be a .js or .ts file' });
  }
  const findings: Finding[] = [];
  let code: string;
  let sourceMap: string;
  let files: string[];
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'cjs',
      target: 'es2022',
      logLevel: 'silent',
      metafile: true,
      sourcemap: 'external',
      outfile: `${entry}.bundle.js`,
      define: { __ENV: `${HOST_NAME}.ENV`, __VU: `${HOST_NAME}.VU`, __ITER: `${HOST_NAME}.ITER` },
      // k6 (internal/js/compiler/enhanced.go) strips types file by file with esbuild and no
      // tsconfig, so no tsconfig of the project decides which imports survive.
      tsconfigRaw: '{}',
      // Regex features sobek lacks become `new RegExp(..., flags)` calls, found below and refused.
      supported: { 'regexp-match-indices': false, 'regexp-set-notation': false },
      plugins: [enginePlugin(findings)],
    });
    code = (result.outputFiles.find((file) => file.path.endsWith('.js'))?.text ?? '').replace(
      /\/\/# sourceMappingURL=.*\s*$/,
      '',
    );
    sourceMap = result.outputFiles.find((file) => file.path.endsWith('.map'))?.text ?? '{}';
    files = Object.keys(result.metafile.inputs)
      .filter((input) => !input.startsWith('k6:'))
      .map((input) => resolve(input));
  } catch (error) {
    const failure = error as BuildFailure;
    const messages = (failure.errors ?? []).map(
      (message) => `${message.location ? `${message.location.file}:${message.location.line}: ` : ''}${message.text}`,
    );
    throw new FloodgateError(
      'SCRIPT_UNSUPPORTED',
      { script, detail: messages.join('; ') || String(error) },
      { cause: error },
    );
  }
  for (const match of code.matchAll(SOBEK_REGEX_FLAGS)) {
    const flag = (match[1] ?? '').includes('d') ? 'd (match indices)' : 'v (set notation)';
    findings.push({
      file: entry,
      line: lineOf(code, match.index ?? 0),
      text: `a regular expression with the flag ${flag}, which k6's JavaScript runtime (sobek) does not support`,
    });
  }
  if (findings.length > 0) {
    throw new FloodgateError('SCRIPT_UNSUPPORTED', {
      script,
      detail: findings.map((finding) => `${finding.file}:${finding.line}: ${finding.text}`).join('; '),
    });
  }
  return { code, sourceMap, entry, files };
}
