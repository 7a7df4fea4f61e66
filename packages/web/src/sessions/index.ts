// SPDX-License-Identifier: MIT
import type { TrainConfig } from '../protocol.js';
import { adderSession } from './adder.js';
import { charsSession } from './chars.js';
import type { Session } from './session.js';
import { wavesSession } from './waves.js';

export type { Evaluation, LoweringReport, Session } from './session.js';

/** Builds the run `config` asks for. */
export function createSession(config: TrainConfig): Session {
  switch (config.example) {
    case 'binary-addition':
      return adderSession(config);
    case 'sine-square':
      return wavesSession(config);
    case 'char-rnn':
      return charsSession(config);
  }
}
