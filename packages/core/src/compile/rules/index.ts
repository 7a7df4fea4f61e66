// SPDX-License-Identifier: MIT
import type { FusionRule, LoweringRule } from '../lower.js';
import { assembleRules } from './assemble.js';
import { controlRules } from './control.js';
import { customDerivativeRules } from './custom_derivatives.js';
import { dotGeneralFusion, dotGeneralRule } from './dot_general.js';
import { dynamicSliceRule, dynamicUpdateSliceRule } from './dynamic_slice.js';
import { fallbackRule } from './fallback.js';
import { gatherRule, iotaRule, scatterAddRule } from './indexing.js';
import { reduceRules } from './reduce.js';
import { revRule } from './rev.js';
import { viewRules } from './views.js';

/**
 * Lowering rules by primitive name (names, not objects, so compile/ needs no import of jit or
 * scan, which import it). Elementwise primitives need no entry: their expression is fused.
 */
export const LOWERING_RULES: ReadonlyMap<string, LoweringRule> = new Map([
  ...viewRules,
  ...assembleRules,
  ...reduceRules,
  ...controlRules,
  ...customDerivativeRules,
  ['dot_general', dotGeneralRule],
  ['rev', revRule],
  ['dynamic_slice', dynamicSliceRule],
  ['dynamic_update_slice', dynamicUpdateSliceRule],
  ['gather', gatherRule],
  ['scatter_add', scatterAddRule],
  ['iota', iotaRule],
  ['*fallback', fallbackRule],
]);

/** Non-elementwise primitives that can also be fused into an elementwise consumer. */
export const FUSION_RULES: ReadonlyMap<string, FusionRule> = new Map([
  ['dot_general', dotGeneralFusion],
]);
