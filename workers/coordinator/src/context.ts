import type { Resolver } from "../../../shared/dns/resolver.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "./env.ts";

export interface AppContext {
  Bindings: CoordinatorEnv;
  Variables: { config: CoordinatorConfig; resolver: Resolver };
}
