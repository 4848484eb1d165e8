import { describe, expect, it } from "vitest";
import { escapeXml } from "../../workers/coordinator/src/badge/escape.ts";
import { renderBadge } from "../../workers/coordinator/src/badge/svg.ts";

const CLOSED = { label: "relay", message: "closed", color: "#4c1" };

function attribute(svg: string, name: string): string | undefined {
  return new RegExp(`<svg[^>]* ${name}="([^"]*)"`).exec(svg)?.[1];
}

describe("renderBadge", () => {
  it("is an accessible image: role, aria-label and title", () => {
    const svg = renderBadge(CLOSED);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(attribute(svg, "role")).toBe("img");
    expect(attribute(svg, "aria-label")).toBe("relay: closed");
    expect(svg).toContain("<title>relay: closed</title>");
  });

  it("names the measured font first, then the shields fonts", () => {
    expect(renderBadge(CLOSED)).toContain('font-family="DejaVu Sans,Verdana,Geneva,sans-serif"');
  });

  it("draws the flat style: gloss gradient, rounded clip, both colours", () => {
    const svg = renderBadge(CLOSED);
    expect(svg).toContain('<linearGradient id="rw-gloss" x2="0" y2="100%">');
    const width = attribute(svg, "width");
    expect(svg).toContain(`<clipPath id="rw-clip-${width}"><rect width="${width}"`);
    expect(svg).toContain(`<g clip-path="url(#rw-clip-${width})">`);
    expect(svg).toMatch(/<rect width="\d+" height="20" rx="3" fill="#fff"\/>/);
    expect(svg).toContain('fill="#555"');
    expect(svg).toContain('fill="#4c1"');
  });

  it("names its clip by its width, so badges inlined in one page never clip each other", () => {
    const short = renderBadge(CLOSED);
    const long = renderBadge({ ...CLOSED, message: "OPEN (confirmed)" });
    const clipOf = (svg: string) => /<clipPath id="([^"]+)">/.exec(svg)?.[1];
    expect(clipOf(short)).not.toBe(clipOf(long));
  });

  it("sizes each side from the measured text plus padding", () => {
    // DejaVu Sans 11px: "relay" 27.35px -> 29 (odd) + 10 padding; "closed" 35.31 -> 37 + 10.
    const svg = renderBadge(CLOSED);
    expect(attribute(svg, "width")).toBe(String(39 + 47));
    expect(svg).toContain('<rect width="39" height="20" fill="#555"/>');
    expect(svg).toContain('<rect x="39" width="47" height="20" fill="#4c1"/>');
    expect(svg).toContain('textLength="290"');
    expect(svg).toContain('textLength="370"');
  });

  it("is wider for a wider message, by the measured difference", () => {
    const closed = Number(attribute(renderBadge(CLOSED), "width"));
    const open = Number(attribute(renderBadge({ ...CLOSED, message: "OPEN" }), "width"));
    const longer = Number(
      attribute(renderBadge({ ...CLOSED, message: "invalid domain" }), "width"),
    );
    // "OPEN" measures 30.47px (31), "closed" 35.31px (37): capitals are wide, but only four.
    expect(open).toBe(closed - 6);
    expect(longer).toBeGreaterThan(closed + 30);
  });

  it("escapes hostile text everywhere it appears", () => {
    const svg = renderBadge({
      label: `<script>alert("x")</script>`,
      message: `a & b ' " >`,
      color: "#e05d44",
    });
    expect(svg).not.toContain("<script>");
    expect(svg).not.toMatch(/& b/);
    expect(svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(svg).toContain("a &amp; b &apos; &quot; &gt;");
    expect(attribute(svg, "aria-label")).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;: a &amp; b &apos; &quot; &gt;",
    );
  });

  it("accepts only hex colours, which land in an attribute", () => {
    expect(() => renderBadge({ ...CLOSED, color: '#4c1" onload="x' })).toThrow(/hex colour/);
  });
});

describe("escapeXml", () => {
  it("escapes the five XML specials and nothing else", () => {
    expect(escapeXml(`&<>"'plain`)).toBe("&amp;&lt;&gt;&quot;&apos;plain");
  });
});
