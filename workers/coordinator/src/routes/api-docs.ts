/**
 * The API reference as one server-rendered HTML page, made from the OpenAPI document: every
 * operation with its parameters, body and responses, then every schema. Inline CSS only, so it
 * loads nothing from anywhere else.
 */

type JsonObject = Record<string, unknown>;

const METHODS = ["get", "post", "put", "patch", "delete"];

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] ??
      character,
  );
}

const asObject = (value: unknown): JsonObject =>
  typeof value === "object" && value !== null ? (value as JsonObject) : {};

/** A schema as indented JSON, with each `$ref` linking to the schema's section. */
function schemaHtml(schema: unknown): string {
  return escapeHtml(JSON.stringify(schema, null, 2)).replace(
    /&quot;#\/components\/schemas\/([A-Za-z0-9_]+)&quot;/g,
    '<a href="#schema-$1">&quot;#/components/schemas/$1&quot;</a>',
  );
}

function contentHtml(content: unknown): string {
  return Object.entries(asObject(content))
    .map(
      ([type, media]) =>
        `<div class="media">${escapeHtml(type)}</div><pre>${schemaHtml(asObject(media).schema)}</pre>`,
    )
    .join("");
}

function parametersHtml(parameters: unknown): string {
  if (!Array.isArray(parameters) || parameters.length === 0) return "";
  const rows = parameters
    .map(asObject)
    .map(
      (parameter) =>
        `<tr><td><code>${escapeHtml(String(parameter.name))}</code></td>` +
        `<td>${escapeHtml(String(parameter.in))}${parameter.required ? ", required" : ""}</td>` +
        `<td><code>${escapeHtml(JSON.stringify(parameter.schema ?? {}))}</code></td>` +
        `<td>${escapeHtml(String(parameter.description ?? ""))}</td></tr>`,
    )
    .join("");
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>schema</th><th>about</th></tr>${rows}</table>`;
}

function operationHtml(path: string, method: string, operation: JsonObject): string {
  const body = asObject(operation.requestBody);
  const responses = Object.entries(asObject(operation.responses))
    .map(([status, response]) => {
      const { description, content } = asObject(response);
      return `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(String(description ?? ""))}${contentHtml(content)}</li>`;
    })
    .join("");
  return `<section class="operation" id="${escapeHtml(String(operation.operationId))}">
<h3><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(String(operation.summary ?? ""))}</p>
${parametersHtml(operation.parameters)}
${body.content ? `<h4>Request body</h4>${contentHtml(body.content)}` : ""}
<h4>Responses</h4><ul>${responses}</ul>
</section>`;
}

export function renderApiDocs(document: JsonObject): string {
  const info = asObject(document.info);
  const operations = Object.entries(asObject(document.paths)).flatMap(([path, item]) =>
    METHODS.filter((method) => method in asObject(item)).map((method) =>
      operationHtml(path, method, asObject(asObject(item)[method])),
    ),
  );
  const schemas = Object.entries(asObject(asObject(document.components).schemas))
    .map(
      ([name, schema]) =>
        `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><pre>${schemaHtml(schema)}</pre></section>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(String(info.title))}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
pre { background: #f4f4f4; padding: .75rem; overflow-x: auto; font-size: 13px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; }
.method { background: #1b1b1b; color: #fff; padding: 0 .4rem; border-radius: 3px; }
.operation { border-top: 1px solid #ccc; margin-top: 2rem; }
.media { font-family: monospace; color: #555; }
</style>
</head>
<body>
<h1>${escapeHtml(String(info.title))}</h1>
<p>${escapeHtml(String(info.description ?? ""))}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${escapeHtml(String(document.openapi))}).
Errors are always <code>{"code", "message"}</code>; a 429 carries <code>Retry-After</code>.</p>
<h2>Operations</h2>
${operations.join("\n")}
<h2>Schemas</h2>
${schemas}
</body>
</html>`;
}
