/**
 * The VUs of a run: planned ones initialized before the test starts, unplanned ones during it
 * (k6 lib/executor: preAllocatedVUs / maxVUs), each with its own instance of the script, ids
 * from the execution segment, and a copy of the setup data.
 */

import { regularDurationMs, type ScenarioConfig } from '../options.ts';
import { Vu, type Runtime } from '../runtime.ts';
import { SegmentedIndex, type ExecutionTuple } from '../segments.ts';
import type { Instantiator } from './instances.ts';

/** The run's buffer of initialized VUs. */
export class VuPool {
  private readonly free: Vu[] = [];
  private readonly ids: SegmentedIndex;
  private setupJson: string | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly instantiator: Instantiator,
    tuple: ExecutionTuple,
    /** Called when a VU initialized during the run fails its init code (k6 stops the test). */
    private readonly onInitError: (error: unknown) => void,
  ) {
    this.ids = new SegmentedIndex(tuple);
  }

  /** Initializes `count` VUs before the test starts; throws what the script's init code throws. */
  preallocate(count: number): void {
    for (let i = 0; i < count; i += 1) this.free.push(this.create());
  }

  /** Takes a free VU, or initializes a new one (an unplanned VU). */
  acquire(): Vu {
    const vu = this.free.pop();
    if (vu) return vu;
    try {
      return this.create();
    } catch (error) {
      this.onInitError(error);
      // a VU without exports: the run is stopping, its iterations do not start
      const [local, global] = this.ids.next();
      return new Vu(local, global, this.runtime.rootGroup);
    }
  }

  /** Returns a VU to the buffer. */
  release(vu: Vu): void {
    this.free.push(vu);
  }

  /** Stores setup()'s result (JSON) and gives every VU its own copy, as k6 does. */
  setSetupData(json: string | undefined): void {
    this.setupJson = json;
    for (const vu of this.free) vu.setupData = this.setupData();
  }

  /** A fresh copy of the setup data (undefined without one). */
  setupData(): unknown {
    return this.setupJson === undefined ? undefined : JSON.parse(this.setupJson);
  }

  private create(): Vu {
    const [local, global] = this.ids.next();
    const vu = new Vu(local, global, this.runtime.rootGroup);
    vu.resetEnv(this.runtime.env);
    this.instantiator.instantiate(vu);
    vu.setupData = this.setupData();
    this.runtime.vusInitialized += 1;
    return vu;
  }
}

/**
 * VUs to initialize before the test starts: the largest sum of planned VUs of scenarios that
 * overlap in time (k6 initializes planned VUs up front, unplanned ones during the run).
 */
export function plannedVus(scenarios: readonly ScenarioConfig[], tuple: ExecutionTuple): number {
  const events: Array<[number, number]> = [];
  for (const scenario of scenarios) {
    let planned: number;
    switch (scenario.executor) {
      case 'constant-arrival-rate':
      case 'ramping-arrival-rate':
        planned = tuple.scale(scenario.preAllocatedVUs);
        break;
      case 'ramping-vus':
        planned = tuple.scale(Math.max(scenario.startVUs, ...scenario.stages.map((stage) => stage.target)));
        break;
      default:
        planned = tuple.scale(scenario.vus);
    }
    const end = scenario.startTimeMs + regularDurationMs(scenario) + scenario.gracefulStopMs;
    events.push([scenario.startTimeMs, planned], [end, -planned]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) {
    current += delta;
    max = Math.max(max, current);
  }
  return max;
}
