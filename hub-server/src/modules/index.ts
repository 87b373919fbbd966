import type { HubModule } from '../core/module.js';
import { devicesModule } from './devices/index.js';
import { gateModule } from './gate/index.js';
import { identityModule } from './identity/index.js';

/**
 * The hub's modules, in the order they are built (a module comes after those it uses). Adding a
 * module: a folder beside these (index.ts, service.ts, routes.ts, migrations/, README.md) and
 * one line here; its settings go into config.ts under its name.
 */
export const MODULES = [identityModule, devicesModule, gateModule] as const;

export const HUB_MODULES: readonly HubModule[] = MODULES as unknown as readonly HubModule[];
