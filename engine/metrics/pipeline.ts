/**
 * Where every sample goes: into its metric's whole-run sink, into the sinks of the submetrics
 * whose tags it carries, and to the outputs (NDJSON file, progress callback).
 */

import type { SampleOutput } from '../output/ndjson.ts';
import type { Sample } from './metric.ts';

/** Receives samples; the engine owns one per run. */
export class SamplePipeline {
  private readonly outputs: Array<Pick<SampleOutput, 'write'>> = [];
  /** Samples pushed so far. */
  pushed = 0;

  /** Adds an output; samples pushed from now on reach it. */
  addOutput(output: Pick<SampleOutput, 'write'>): void {
    this.outputs.push(output);
  }

  push(sample: Sample): void {
    const metric = sample.metric;
    metric.observed = true;
    metric.sink.add(sample.value);
    for (const submetric of metric.submetrics) {
      if (submetric.matches(sample.tags)) {
        submetric.observed = true;
        submetric.sink.add(sample.value);
      }
    }
    for (const output of this.outputs) output.write(sample);
    this.pushed += 1;
  }
}
