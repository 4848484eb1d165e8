import { describe, expect, it } from "vitest";
import { escapeXml } from "../../workers/coordinator/src/badge/escape.ts";
import { renderBadge } from "../../workers/coordinator/src/badge/svg.ts";
import {
  characterWidth,
  FALLBACK_WIDTH,
  textWidth,
} from "../../workers/coordinator/src/badge/verdana-widths.ts";

const CLOSED = { label: "relay", message: "closed", color: "#4c1" };

function attribute(svg: string, name: string): string | undefined {
  return new RegExp(`<svg[^>]* ${name}="([^"]*)"`).exec(svg)?.[1];
}

describe("Verdana 11px widths", () => {
  it("has a width for every printable ASCII character", () => {
    for (let code = 0x20; code <= 0x7e; code += 1) {
      const width = characterWidth(String.fromCharCode(code));
      expect(width).toBeGreaterThan(2.5);
      expect(width).toBeLessThan(12);
    }
  });

  it("measures known characters from the table", () => {
    expect(characterWidth("i")).toBe(3.02);
    expect(characterWidth("m")).toBe(10.7);
    expect(characterWidth("W")).toBe(10.88);
    expect(characterWidth("0")).toBe(6.99);
    expect(characterWidth(" ")).toBe(3.87);
    expect(characterWidth("~")).toBe(9.0);
  });

  it("sums per character, so wide letters weigh more than narrow ones", () => {
    expect(textWidth("closed")).toBeCloseTo(5.73 + 3.02 + 6.68 + 5.73 + 6.55 + 6.85, 5);
    expect(textWidth("OPEN")).toBeCloseTo(8.66 + 6.63 + 6.96 + 8.23, 5);
    expect(textWidth("mmmm")).toBeGreaterThan(textWidth("iiii") * 3);
    expect(textWidth("relay: closed")).toBeGreaterThan(textWidth("relay"));
  });

  it("gives characters outside ASCII the fallback width, per code point", () => {
    expect(characterWidth("é")).toBe(FALLBACK_WIDTH);
    expect(textWidth("😀")).toBe(FALLBACK_WIDTH);
  });
});

describe("renderBadge", () => {
  it("is an accessible image: role, aria-label and title", () => {
    const svg = renderBadge(CLOSED);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(attribute(svg, "role")).toBe("img");
    expect(attribute(svg, "aria-label")).toBe("relay: closed");
    expect(svg).toContain("<title>relay: closed</title>");
  });

  it("draws the flat style: gloss gradient, rounded clip, both colours", () => {
    const svg = renderBadge(CLOSED);
    expect(svg).toContain('<linearGradient id="s" x2="0" y2="100%">');
    expect(svg).toContain('<clipPath id="r">');
    expect(svg).toMatch(/<rect width="\d+" height="20" rx="3" fill="#fff"\/>/);
    expect(svg).toContain('fill="#555"');
    expect(svg).toContain('fill="#4c1"');
  });

  it("sizes each side from the measured text plus padding", () => {
    // "relay" is 27.38px -> 29 (odd), + 10 padding; "closed" 34.56 -> 35, + 10.
    const svg = renderBadge(CLOSED);
    expect(attribute(svg, "width")).toBe(String(39 + 45));
    expect(svg).toContain('<rect width="39" height="20" fill="#555"/>');
    expect(svg).toContain('<rect x="39" width="45" height="20" fill="#4c1"/>');
    expect(svg).toContain('textLength="290"');
    expect(svg).toContain('textLength="350"');
  });

  it("is wider for a wider message, by the measured difference", () => {
    const closed = Number(attribute(renderBadge(CLOSED), "width"));
    const open = Number(attribute(renderBadge({ ...CLOSED, message: "OPEN" }), "width"));
    const longer = Number(
      attribute(renderBadge({ ...CLOSED, message: "invalid domain" }), "width"),
    );
    // "OPEN" measures 30.48px, "closed" 34.56px: capitals are wide, but there are only four.
    expect(open).toBe(closed - 4);
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
