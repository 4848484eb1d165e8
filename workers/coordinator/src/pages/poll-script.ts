/**
 * Progressive enhancement of the report in progress: polls the API, updates each vantage's
 * state in place and reloads when the check is finished. Without JavaScript the page has a
 * <meta http-equiv="refresh"> instead. Static text only: the check id and the state labels
 * come from data attributes, never from string building.
 */
export const POLL_SCRIPT = `(function(){
var list=document.getElementById("progress");if(!list)return;
var id=list.getAttribute("data-check-id"),labels=JSON.parse(list.getAttribute("data-labels")||"{}"),failures=0;
function tick(){fetch("/api/v1/checks/"+encodeURIComponent(id),{headers:{accept:"application/json"}}).then(function(r){if(!r.ok)throw new Error(r.status);return r.json()}).then(function(check){failures=0;
if(check.status==="done"||check.status==="failed"){location.reload();return}
check.mxHosts.forEach(function(h){h.addresses.forEach(function(a){a.vantages.forEach(function(v){
var key=h.host+"|"+a.address+"|"+v.node;
list.querySelectorAll("[data-key]").forEach(function(item){if(item.getAttribute("data-key")!==key)return;var s=item.querySelector(".state");if(s&&labels[v.status]){s.textContent=labels[v.status];s.className="state state-"+v.status}})})})});
setTimeout(tick,2000)}).catch(function(){if(++failures>5){location.reload()}else{setTimeout(tick,2000)}})}
setTimeout(tick,2000)})();`;
