/**
 * Progressive enhancement of the report; without JavaScript everything is still there (a
 * <meta http-equiv="refresh"> while running, links for the cells, selectable snippets).
 * - progress: every 2 s the server renders the progress section again; a finished check reloads.
 * - matrix: a cell's exchange opens in the panel under the table instead of a page of its own.
 * - copy buttons for the configuration snippets; the check-again button counts its cool-down.
 * Static text only: every value comes from the server's HTML, never from string building.
 */
export const REPORT_SCRIPT = `(function(){
var d=document,progress=d.getElementById("progress"),failures=0;
function tick(){fetch(location.pathname+"/progress",{headers:{accept:"text/html"}}).then(function(r){if(!r.ok)throw new Error(r.status);if(r.headers.get("x-relaywatch-finished")){location.reload();return null}return r.text()}).then(function(html){if(html===null)return;failures=0;var box=d.createElement("div");box.innerHTML=html;var fresh=box.querySelector("#progress");if(fresh){progress.replaceWith(fresh);progress=fresh}setTimeout(tick,2000)}).catch(function(){if(++failures>5){location.reload()}else{setTimeout(tick,2000)}})}
if(progress)setTimeout(tick,2000);
var panel=d.getElementById("exchange");
d.addEventListener("click",function(e){var a=e.target.closest&&e.target.closest("a[data-exchange]");if(!a||!panel)return;e.preventDefault();
fetch(a.getAttribute("href")+"?fragment=1").then(function(r){if(!r.ok)throw new Error(r.status);return r.text()}).then(function(html){panel.innerHTML=html;panel.hidden=false;panel.focus()}).catch(function(){location.href=a.getAttribute("href")})});
d.querySelectorAll("button[data-copy]").forEach(function(b){b.hidden=false;b.addEventListener("click",function(){var text=d.getElementById(b.getAttribute("data-copy")).textContent;var done=function(){b.textContent=b.getAttribute("data-copied")};if(navigator.clipboard){navigator.clipboard.writeText(text).then(done,function(){})}})});
d.querySelectorAll("button[data-wait]").forEach(function(b){var left=+b.getAttribute("data-wait");var timer=setInterval(function(){left--;if(left<=0){clearInterval(timer);b.disabled=false;b.textContent=b.getAttribute("data-label")}else{b.textContent=b.textContent.replace(/\\d+/,String(left))}},1000)});
})();`;
