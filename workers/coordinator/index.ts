import { createCoordinator } from "./src/worker.ts";

export default createCoordinator();
