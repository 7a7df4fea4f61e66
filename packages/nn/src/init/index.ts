// SPDX-License-Identifier: MIT
export { constant, normal, ones, uniform, zeros } from './basic.js';
export { fans, type Initializer } from './initializer.js';
export { identity, orthogonal } from './orthogonal.js';
export {
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  type VarianceScalingOptions,
  varianceScaling,
} from './variance_scaling.js';
