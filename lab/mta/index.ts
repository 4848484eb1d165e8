export { eximAvailable, startExim } from "./exim.ts";
export type { MtaInstance, MtaKind, MtaMode, StartMtaOptions } from "./instance.ts";
export { LAB_HOST } from "./instance.ts";
export { postfixAvailable, startPostfix } from "./postfix.ts";
export { type Reply, SmtpDialogue } from "./smtp-dialogue.ts";
