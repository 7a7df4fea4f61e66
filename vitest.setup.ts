import { fc } from '@fast-check/vitest';

// CI pins the property-test seed (like JAX's deterministic hypothesis profile); FC_SEED overrides it.
// fast-check prints the seed and path of any counterexample, so a failure can be replayed.
const seed = Number(process.env.FC_SEED ?? 42);
fc.configureGlobal({
  ...fc.readConfigureGlobal(),
  seed,
  numRuns: Number(process.env.FC_RUNS ?? 40),
});
