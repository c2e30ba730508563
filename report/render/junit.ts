/**
 * `junit.xml`: for CI systems that show test results. One test case per k6 threshold (failed when
 * the threshold failed, with the measured value; skipped when the run has no summary to say;
 * the `count>=0` bookkeeping thresholds left out), plus floodgate's own checks: the run is valid,
 * the report's verdict (SLOs met, or capacity covers the opening), and no acknowledged record was
 * lost.
 */

import type { Analysis } from '../analysis/index.ts';
import { describeThresholdFailure } from '../analysis/thresholds.ts';
import { verdictOutcome } from '../gate.ts';

interface Case {
  readonly name: string;
  readonly classname: string;
  readonly failure?: string;
  readonly skipped?: string;
}

/** Renders junit.xml. */
export function renderJunit(analysis: Analysis): string {
  const thresholds: Case[] = analysis.thresholds.map((threshold) => ({
    name: `${threshold.metric}: ${threshold.expression}`,
    classname: `k6.thresholds.${analysis.scenario}`,
    ...(threshold.ok === false ? { failure: describeThresholdFailure(threshold) } : {}),
    ...(threshold.ok === undefined ? { skipped: 'no summary.json result for this threshold' } : {}),
  }));
  const checks: Case[] = [
    {
      name: 'the load generator delivered the planned load (valid run)',
      classname: 'floodgate.report',
      ...(analysis.valid ? {} : { failure: analysis.validity.reasons.join('; ') }),
    },
    verdictCase(analysis),
    {
      name: 'every acknowledged record was stored',
      classname: 'floodgate.report',
      ...(!analysis.reconciliation.available
        ? { skipped: 'the target truth was not available' }
        : analysis.reconciliation.lost > 0
          ? { failure: `${analysis.reconciliation.lost} acknowledged records were not stored` }
          : {}),
    },
  ];
  const suites = [
    suite(`k6 thresholds (${analysis.run})`, thresholds),
    suite(`floodgate report (${analysis.run})`, checks),
  ];
  const failures = [...thresholds, ...checks].filter((item) => item.failure !== undefined).length;
  const total = thresholds.length + checks.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="floodgate" tests="${total}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}

/** The report's own verdict: did the run meet its SLOs (a breakpoint: does its capacity cover the opening)? */
function verdictCase(analysis: Analysis): Case {
  const { verdict } = analysis;
  const name =
    analysis.capacity.outcome === 'not-measured'
      ? 'every stage met its SLO (report verdict)'
      : 'capacity covers an 80,000/min opening (report verdict)';
  const said = `${verdict.headline}: ${verdict.text}`;
  switch (verdictOutcome(verdict.status)) {
    case 'pass':
      return { name, classname: 'floodgate.report' };
    case 'fail':
      return { name, classname: 'floodgate.report', failure: said };
    case 'invalid':
      return {
        name,
        classname: 'floodgate.report',
        skipped: 'not judged: the run is invalid (see the valid-run case)',
      };
    case 'inconclusive':
      return { name, classname: 'floodgate.report', skipped: said };
  }
}

function suite(name: string, cases: readonly Case[]): string {
  const failures = cases.filter((item) => item.failure !== undefined).length;
  const skipped = cases.filter((item) => item.skipped !== undefined).length;
  const body = cases
    .map((item) => {
      const inner =
        item.failure !== undefined
          ? `<failure message="${xml(item.failure)}"/>`
          : item.skipped !== undefined
            ? `<skipped message="${xml(item.skipped)}"/>`
            : '';
      return `    <testcase name="${xml(item.name)}" classname="${xml(item.classname)}">${inner}</testcase>`;
    })
    .join('\n');
  return `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">\n${body}\n  </testsuite>`;
}

function xml(text: string): string {
  // XML 1.0 forbids most control characters even escaped: drop them.
  const printable = [...text].filter((char) => {
    const code = char.codePointAt(0)!;
    return code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code !== 0xfffe && code !== 0xffff);
  });
  return printable.join('').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
