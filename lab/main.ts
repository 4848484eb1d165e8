import { formatLabTable, startLab } from "./lab.ts";

const DEFAULT_BASE_PORT = 2500;

const basePort = Number.parseInt(process.env.LAB_BASE_PORT ?? `${DEFAULT_BASE_PORT}`, 10);
if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65_000) {
  process.stderr.write(
    `lab: LAB_BASE_PORT must be a port number, got "${process.env.LAB_BASE_PORT}"\n`,
  );
  process.exit(64);
}

const lab = await startLab({ basePort, realMtas: true });
process.stdout.write(`Relaywatch lab, listening on 127.0.0.1 only:\n\n${formatLabTable(lab)}\n\n`);
for (const hint of lab.hints) process.stdout.write(`hint: ${hint}\n`);
const example = lab.targets.find((t) => t.name === "asip62");
process.stdout.write(
  `Try: npx relaywatch check 127.0.0.1 --port ${example?.port} --canary-domain canary.relaywatch.test\nCtrl-C stops the lab.\n`,
);
lab.sink.onMessage((message) => {
  process.stdout.write(
    `sink: message from <${message.mailFrom}> to ${message.rcptTo.map((r) => `<${r}>`).join(", ")} (${message.data.length} bytes)\n`,
  );
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write("\nstopping the lab...\n");
  await lab.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
