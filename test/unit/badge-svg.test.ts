import { describe, expect, it } from "vitest";
import { escapeXml } from "../../workers/coordinator/src/badge/escape.ts";
import {
  BADGE_STYLES,
  BadgeOptions,
  MAX_BADGE_LABEL_LENGTH,
  renderBadge,
} from "../../workers/coordinator/src/badge/svg.ts";

const CLOSED = { message: "closed", color: "#4c1" };
const DEFAULTS = BadgeOptions.parse({});

function attribute(svg: string, name: string): string | undefined {
  return new RegExp(`<svg[^>]* ${name}="([^"]*)"`).exec(svg)?.[1];
}

describe("renderBadge (shields' badge-maker)", () => {
  it("is an accessible image in every style: role, aria-label and title", () => {
    // for-the-badge writes its texts in capitals, social capitalises the label: so do their titles.
    const accessibleText = {
      flat: "relay: closed",
      "flat-square": "relay: closed",
      "for-the-badge": "RELAY: CLOSED",
      plastic: "relay: closed",
      social: "Relay: closed",
    };
    for (const style of BADGE_STYLES) {
      const svg = renderBadge(CLOSED, { ...DEFAULTS, style });
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), style).toBe(true);
      expect(attribute(svg, "role"), style).toBe("img");
      expect(attribute(svg, "aria-label"), style).toBe(accessibleText[style]);
      expect(svg, style).toContain(`<title>${accessibleText[style]}</title>`);
    }
  });

  it("draws shields' flat style by default, with the verdict's colour and shields' widths", () => {
    const svg = renderBadge(CLOSED, DEFAULTS);
    // Verdana 11px as shields measures it: "relay" 27 px and "closed" 35 px, plus 5 px each side.
    expect(attribute(svg, "width")).toBe(String(37 + 45));
    expect(attribute(svg, "height")).toBe("20");
    expect(svg).toContain('<rect width="37" height="20" fill="#555"/>');
    expect(svg).toContain('<rect x="37" width="45" height="20" fill="#4c1"/>');
    expect(svg).toContain('<clipPath id="r"><rect width="82" height="20" rx="3"/></clipPath>');
  });

  it("draws each style as shields does: its own height and shapes", () => {
    const heights = Object.fromEntries(
      BADGE_STYLES.map((style) => [
        style,
        attribute(renderBadge(CLOSED, { ...DEFAULTS, style }), "height"),
      ]),
    );
    expect(heights).toEqual({
      flat: "20",
      "flat-square": "20",
      "for-the-badge": "28",
      plastic: "18",
      social: "20",
    });
    expect(renderBadge(CLOSED, { ...DEFAULTS, style: "flat-square" })).toContain(
      'shape-rendering="crispEdges"',
    );
  });

  it("puts the embedder's label on the left, or none when it is empty", () => {
    const labelled = renderBadge(CLOSED, { ...DEFAULTS, label: "mail relay" });
    expect(attribute(labelled, "aria-label")).toBe("mail relay: closed");
    expect(Number(attribute(labelled, "width"))).toBeGreaterThan(82);
    const bare = renderBadge(CLOSED, { ...DEFAULTS, label: "" });
    expect(attribute(bare, "aria-label")).toBe("closed");
    expect(attribute(bare, "width")).toBe("45");
  });

  it("is wider for a wider message", () => {
    const width = (message: string) =>
      Number(attribute(renderBadge({ ...CLOSED, message }, DEFAULTS), "width"));
    expect(width("OPEN (confirmed)")).toBeGreaterThan(width("closed") + 40);
  });

  it("escapes a hostile label everywhere it appears", () => {
    const label = `<script>alert("x")</script> & 'y'`;
    const svg = renderBadge(
      { message: "OPEN (confirmed)", color: "#e05d44" },
      BadgeOptions.parse({ label }),
    );
    const escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;y&apos;";
    expect(svg).not.toContain("<script");
    expect(svg).not.toMatch(/& '/);
    expect(attribute(svg, "aria-label")).toBe(`${escaped}: OPEN (confirmed)`);
    expect(svg).toContain(`<title>${escaped}: OPEN (confirmed)</title>`);
    expect(svg).toContain(`>${escaped}</text>`);
  });
});

describe("BadgeOptions (shields' query parameters)", () => {
  it("defaults to the flat style and the label `relay`, and ignores parameters it does not know", () => {
    expect(BadgeOptions.parse({ color: "brightgreen", logo: "x" })).toEqual({
      style: "flat",
      label: "relay",
    });
  });

  it("takes exactly shields' five styles", () => {
    for (const style of BADGE_STYLES) expect(BadgeOptions.parse({ style }).style).toBe(style);
    for (const style of ["FLAT", "popout", "", "flat "])
      expect(BadgeOptions.safeParse({ style }).success, style).toBe(false);
  });

  it("bounds the label's length", () => {
    const longest = "x".repeat(MAX_BADGE_LABEL_LENGTH);
    expect(BadgeOptions.parse({ label: longest }).label).toBe(longest);
    expect(BadgeOptions.safeParse({ label: `${longest}x` }).success).toBe(false);
  });

  it("refuses control and bidirectional formatting characters, which XML or a title would misuse", () => {
    for (const label of [
      "a\u0000b",
      "bell\u0007",
      "two\nlines",
      "\u202eNEPO",
      "x\u2066y",
      "\u0085",
      "\ufffe",
      "\ud800",
    ])
      expect(BadgeOptions.safeParse({ label }).success, JSON.stringify(label)).toBe(false);
    for (const label of ["Überprüfung", "日本語", "mail 😀", "a-b_c.d"])
      expect(BadgeOptions.parse({ label }).label).toBe(label);
  });
});

describe("escapeXml", () => {
  it("escapes the five XML specials and nothing else", () => {
    expect(escapeXml(`&<>"'plain`)).toBe("&amp;&lt;&gt;&quot;&apos;plain");
  });
});
