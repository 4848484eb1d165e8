/**
 * The whole style sheet, inline: no external asset, no web font. Colours meet WCAG AA on their
 * backgrounds; verdicts carry an icon and words as well as a colour.
 */
export const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP",sans-serif;color:#1a1a1a;background:#fff}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible,summary:focus-visible,textarea:focus-visible{outline:3px solid #b3261e;outline-offset:2px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:.5rem 1rem}
.skip:focus{left:1rem;z-index:1}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:1rem;border-bottom:1px solid #ccc}
header p{margin:.25rem 0}
.brand{font-weight:700;font-size:1.25rem;text-decoration:none;color:#1a1a1a}
nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0}
[aria-current=true]{font-weight:700;text-decoration:none;color:#1a1a1a}
h1{font-size:1.75rem;line-height:1.25}
label{display:block;font-weight:700}
.option{margin-top:.75rem}
.option label{display:inline;margin-left:.4rem}
.option input{width:1.1rem;height:1.1rem;vertical-align:middle}
.hint{color:#4a4a4a;margin:.25rem 0 .5rem}
input[type=text]{font:inherit;width:100%;max-width:32rem;padding:.5rem;border:2px solid #5f6368;border-radius:4px}
button{font:inherit;font-weight:700;margin-top:.75rem;padding:.5rem 1.25rem;border:0;border-radius:4px;background:#0b57d0;color:#fff;cursor:pointer}
.alert{border-left:6px solid #b3261e;background:#fce8e6;padding:.75rem 1rem;margin:1rem 0}
.verdict{display:flex;gap:1rem;align-items:center;padding:1rem;border:3px solid;border-radius:8px;margin:1rem 0}
.verdict .icon{font-size:2.5rem;line-height:1}
.verdict strong{font-size:1.75rem;display:block}
.verdict span{display:block}
.verdict>div{min-width:0;overflow-wrap:anywhere}
.verdict summary{color:inherit}
.reason p{margin:.25rem 0 0}
.verdict .verdict-label{font-weight:600;margin-bottom:.25rem}
.v-open{border-color:#b3261e;background:#fce8e6}
.v-suspect{border-color:#8a5300;background:#fff4e0}
.v-closed{border-color:#146c2e;background:#e6f4ea}
.v-inconclusive{border-color:#5f6368;background:#f1f3f4}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:700}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.facts{color:#4a4a4a;margin:-.5rem 0 .5rem;overflow-wrap:anywhere}
h1{margin:.75rem 0}
h2{font-size:1.25rem;margin:.5rem 0}
.first{display:grid;gap:0 1.5rem}
.first>*{min-width:0}
@media (min-width:60rem){.first{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}}
.first section{margin:.5rem 0}
.first .verdict{margin:.25rem 0 .5rem;padding:.6rem .8rem}
.tricks ul{margin:0;padding-left:1.1rem}
.tricks li{margin-bottom:.35rem;line-height:1.35}
.envelope{font-size:.8rem;overflow-wrap:anywhere}
.where,.case-id,.evidence,.note{color:#4a4a4a;font-size:.85rem}
.note{display:block;font-weight:400}
.snippet{position:relative}
.snippet pre{margin:.25rem 0}
.copy{position:absolute;top:.25rem;right:.25rem;margin:0;padding:.15rem .6rem;font-size:.85rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
.actions p,.again button{margin:0}
button:disabled{background:#5f6368;cursor:not-allowed}
.matrix{width:auto}
.matrix td.c{text-align:center;padding:0}
.matrix td.c a{display:block;padding:.2rem .6rem;text-decoration:none;font-weight:700}
.family-row th{background:#f1f3f4}
.legend{display:inline-block;margin-right:.75rem}
.c-accepted,.c-accepted a{color:#b3261e}
.c-delivered,.c-delivered a{color:#7a0019}
.c-refused,.c-refused a{color:#146c2e}
.c-untested,.c-untested a{color:#5f6368}
.c-unanswered,.c-unanswered a{color:#8a5300}
.v-text-open{color:#b3261e}
.v-text-closed{color:#146c2e}
.exchange{border:2px solid #0b57d0;border-radius:6px;padding:0 1rem;margin-top:1rem}
.answered{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem .75rem;padding:0;margin:.25rem 0 .75rem;font-size:.85rem}
progress{width:8rem;vertical-align:middle}
.progress-label{overflow-wrap:anywhere}
.slow{color:#5c4400;margin:.25rem 0}
.timeline{width:100%;max-width:40rem;height:auto}
.progress li{margin:.25rem 0}
.state-pending{color:#5c4400}
.state-done{color:#146c2e}
.state-failed{color:#b3261e}
.table-wrap{overflow-x:auto}
.vantages td:nth-child(2){white-space:nowrap}
.set-aside{margin:0;padding-left:1.1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;font-weight:700;padding:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
td code{overflow-wrap:anywhere}
.o-accepted{color:#b3261e;font-weight:700}
.o-refused,.o-message-refused{color:#146c2e}
tr.log td{border-top:0;padding-top:0}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.5rem;overflow-x:auto;font-size:.85rem;white-space:pre-wrap;overflow-wrap:anywhere}
summary{cursor:pointer;color:#0b57d0}
section{margin:2rem 0}
.family{border-top:1px solid #ccc}
footer{border-top:1px solid #ccc;margin-top:3rem;color:#4a4a4a}
dl.could-not-test{border-left:6px solid #5f6368;background:#f1f3f4;padding:.5rem 1rem;margin:.5rem 0}
dl.could-not-test dt{font-weight:700}
dl.could-not-test dd{margin:0 0 .5rem}
.listed{color:#8a5300;font-weight:700}
`
  .trim()
  .replace(/\n/g, "");
