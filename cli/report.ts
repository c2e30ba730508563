/**
 * `floodgate report <dir>`: the capacity report of one run — run-result.json, report.html,
 * report.md, report.json and junit.xml in the results folder — and its verdict on stdout. A thin
 * adapter over report/index.ts.
 */

import { join, relative } from 'node:path';
import { z } from 'zod';
import { FloodgateError } from '../contracts/errors.ts';
import { FAIL_ON_CHOICES, gateFailure, type FailOn } from '../report/gate.ts';
import { buildReport } from '../report/index.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate report`. */
export interface ReportCommandConfig {
  readonly baseline?: string;
  readonly prometheus?: string;
  readonly run?: string;
  readonly slo?: string;
  readonly targetTruth?: string;
  readonly out?: string;
  readonly window?: number;
  readonly failOn?: FailOn;
}

export const reportCommand = defineCommand<ReportCommandConfig>({
  name: 'report',
  summary:
    'Write the capacity report of a run: verdict, validity, capacity and limiting stage, funnel, reconciliation, forecast (HTML, Markdown, JSON, JUnit).',
  help: [
    "Reads <dir>/k6.ndjson (one streaming pass), run.json, summary.json and the target's truth; writes run-result.json, report.html, report.md, report.json and junit.xml into <dir> (or --out).",
    'Distributed run: floodgate report results/<run> --prometheus http://127.0.0.1:9090 --run <run>',
    'Compare: floodgate report results/<run> --baseline results/<earlier-run>',
    'CI gate: floodgate report results/<run> --fail-on slo — exits 0 unless asked: --fail-on invalid exits 7 (REPORT_RUN_INVALID) on an invalid run; slo also exits 99 (REPORT_GATE_FAILED) when a stage SLO or k6 threshold broke or a breakpoint is not ready for the opening; any also exits 99 when the report cannot conclude (too little traffic, limit not reached) or records were lost.',
  ].join('\n'),
  arguments: [{ name: 'dir', description: 'results folder of the run (written by floodgate run)', required: true }],
  options: [
    option({
      key: 'baseline',
      flag: '--baseline <dir>',
      description: 'results folder of a baseline run to compare with',
      schema: schemas.text,
    }),
    option({
      key: 'prometheus',
      env: 'FLOODGATE_PROMETHEUS_URL',
      flag: '--prometheus <url>',
      description: 'read the run from this Prometheus instead of k6.ndjson (needs --run)',
      schema: schemas.url,
    }),
    option({
      key: 'run',
      flag: '--run <id>',
      description: 'run id to read (with --prometheus, or to pick one run from the NDJSON)',
      schema: schemas.text,
    }),
    option({
      key: 'slo',
      env: 'FLOODGATE_SLO_FILE',
      flag: '--slo <file>',
      description: 'JSON file overriding the objectives (report/README.md)',
      schema: schemas.text,
    }),
    option({
      key: 'targetTruth',
      env: 'FLOODGATE_TARGET_TRUTH',
      flag: '--target-truth <url>',
      description:
        "target whose /truth reconciles the run (default: <dir>/truth.json, else run.json's target); off to skip",
      schema: z.union([z.literal('off'), schemas.url]),
    }),
    option({ key: 'out', flag: '--out <dir>', description: 'output folder (default <dir>)', schema: schemas.text }),
    option({
      key: 'window',
      flag: '--window <seconds>',
      description: 'length of a report window in seconds (default 10)',
      schema: schemas.positive,
    }),
    option({
      key: 'failOn',
      flag: '--fail-on <level>',
      description:
        'exit non-zero when the report finds: invalid (exit 7), slo (also SLO broken or not ready: exit 99) or any (also inconclusive or records lost: exit 99); default: always exit 0',
      schema: z.enum(FAIL_ON_CHOICES),
    }),
  ],
  async run({ config, args, signal, stdout }) {
    const dir = args[0]!;
    const outcome = await buildReport({
      dir,
      out: config.out,
      baseline: config.baseline,
      prometheus: config.prometheus,
      run: config.run,
      slo: config.slo,
      truth: config.targetTruth,
      windowSeconds: config.window,
      signal,
    });
    const { verdict, validity } = outcome.analysis;
    stdout.write(`${verdict.headline}\n${verdict.text}\n`);
    if (!validity.valid) stdout.write(`\nInvalid run: ${validity.reasons.join('; ')}\n`);
    stdout.write(`\nreport: ${relative(process.cwd(), outcome.html) || outcome.html}\n`);
    for (const file of outcome.files.filter((path) => path !== outcome.html))
      stdout.write(`        ${relative(process.cwd(), file) || file}\n`);
    if ('skipped' in outcome.pdf) stdout.write(`        (${outcome.pdf.skipped})\n`);
    const truthSkipped = config.targetTruth === 'off';
    if (!outcome.analysis.reconciliation.available)
      stdout.write(`\n${describeMissingTruth(dir, config.targetTruth, outcome.runResult.target, truthSkipped)}\n`);
    const failure =
      config.failOn === undefined ? undefined : gateFailure(outcome.analysis, config.failOn, { truthSkipped });
    if (failure) throw new FloodgateError(failure.code, { failOn: config.failOn!, detail: failure.detail });
    return 0;
  },
});

/** Says that the run was not reconciled with the target's truth, and where the truth was looked for. */
function describeMissingTruth(
  dir: string,
  truth: string | undefined,
  target: string | undefined,
  skipped: boolean,
): string {
  if (skipped) return 'Reconciliation skipped (--target-truth off): lost records were not checked.';
  const tried =
    truth !== undefined
      ? `${truth.replace(/\/+$/, '')}/truth`
      : [
          `${join(dir, 'truth.json')}`,
          target ? `${target.replace(/\/+$/, '')}/truth` : "run.json's target (none recorded)",
        ].join(', then ');
  return `Reconciliation not done: the target's truth could not be read (tried ${tried}); lost records cannot be ruled out. Pass --target-truth <url> of the run's target, or --target-truth off.`;
}
