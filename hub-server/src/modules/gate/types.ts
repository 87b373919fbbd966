import type { Note } from '@cjp/contracts';
import type { Logger } from '../../core/logger.js';
import type { NoteService } from './notes.js';
import type { GateRegistry } from './registry.js';
import type { GateService } from './service.js';

/** What the gate module offers the others. */
export interface GateModuleService {
  /** passages: assembly from lane readings, decisions, officers' resolutions */
  passages: GateService;
  notes: NoteService;
  registry: GateRegistry;
  /** a release note changed through the API (realtime) */
  onNote(note: Note): void;
  logger: Logger;
}
