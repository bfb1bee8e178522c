/**
 * The webmail's stylesheet and its one small script, inlined into each page
 * (no external assets). The script only adds address completion and the
 * confirm on delete; every page works without it.
 */

export const MAIL_CSS = `
:root{--bg:#f5f6f8;--card:#fff;--text:#1d2330;--muted:#667085;--line:#e4e7ec;--accent:#3b5bdb;--soft:#e7ecff;--good:#2b8a3e;--warn:#e67700;--bad:#c92a2a}
@media (prefers-color-scheme:dark){:root{--bg:#0f1218;--card:#171b24;--text:#e6e9ef;--muted:#98a2b3;--line:#2a3040;--accent:#7d95ff;--soft:#1f2746;--good:#51cf66;--warn:#ffa94d;--bad:#ff6b6b}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{background:var(--card);border-bottom:1px solid var(--line)}
header.top .inner{max-width:1180px;margin:0 auto;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
.brand{font-weight:700;font-size:1.1rem;color:var(--text)}
.who{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
form.search{margin-left:auto;display:flex;gap:.4rem}
input[type=text],input[type=search],textarea{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.35rem .6rem;width:100%}
textarea{min-height:16rem;font-family:inherit}
button,.button{font:inherit;border:1px solid var(--line);background:var(--card);color:var(--text);border-radius:8px;padding:.25rem .8rem;cursor:pointer;display:inline-block}
button:hover,.button:hover{border-color:var(--accent);color:var(--accent);text-decoration:none}
.primary{background:var(--accent)!important;border-color:var(--accent)!important;color:#fff!important;font-weight:600}
.layout{max-width:1180px;margin:0 auto;padding:1.2rem;display:grid;grid-template-columns:12rem 1fr;gap:1.2rem}
@media (max-width:700px){.layout{grid-template-columns:1fr}}
nav.folders a{display:flex;justify-content:space-between;padding:.3rem .6rem;border-radius:6px;color:var(--text)}
nav.folders a.on{background:var(--soft);color:var(--accent);font-weight:600}
nav.folders .n{color:var(--muted);font-size:.85rem}nav.folders .n.unread{color:var(--accent);font-weight:700}
nav.folders .compose{display:block;text-align:center;margin-bottom:.8rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem 1.2rem;min-width:0}
h1{font-size:1.2rem;margin:0 0 .8rem}
table.list{width:100%;border-collapse:collapse}
table.list td{border-bottom:1px solid var(--line);padding:.45rem .5rem;vertical-align:top}
table.list tr.unread td{font-weight:650}
table.list td.date,table.list td.size{white-space:nowrap;color:var(--muted);font-size:.88rem;text-align:right}
table.list td.from{max-width:16rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.badge{display:inline-block;border-radius:999px;padding:0 .5rem;font-size:.8rem;font-weight:600}
.badge.delivered{background:color-mix(in srgb,var(--good) 18%,transparent);color:var(--good)}
.badge.pending{background:color-mix(in srgb,var(--warn) 18%,transparent);color:var(--warn)}
.badge.failed{background:color-mix(in srgb,var(--bad) 18%,transparent);color:var(--bad)}
.pager{display:flex;gap:1rem;align-items:center;margin-top:.8rem;color:var(--muted)}
dl.head{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 1rem}dl.head dt{color:var(--muted)}dl.head dd{margin:0;overflow-wrap:anywhere}
pre.body{white-space:pre-wrap;overflow-wrap:anywhere;font:inherit;margin:0}
iframe.html{width:100%;height:60vh;border:1px solid var(--line);border-radius:8px;background:#fff;resize:vertical}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-bottom:1rem}.actions form{display:inline}
ul.files{padding-left:1.2rem}
.muted{color:var(--muted)}.hint{color:var(--muted);font-size:.88rem}
label.field{display:block;margin-bottom:.7rem}label.field>span{display:block;color:var(--muted);font-size:.88rem}
.notice{border-left:4px solid var(--good);padding:.4rem .8rem;margin-bottom:1rem;background:var(--card)}
.notice.bad{border-left-color:var(--bad)}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
`

/**
 * Address completion: for an input with data-complete, asks complete?q=<last
 * address being typed> and offers the answers, each after the addresses
 * already typed, in the input's datalist. Delete buttons ask first.
 */
export const MAIL_SCRIPT = `
(function(){
  var timer;
  document.querySelectorAll('input[data-complete]').forEach(function(input){
    var list = document.getElementById(input.getAttribute('list'));
    input.addEventListener('input', function(){
      clearTimeout(timer);
      timer = setTimeout(function(){
        var parts = input.value.split(',');
        var last = parts.pop().trim();
        var head = parts.map(function(p){ return p.trim(); }).filter(Boolean);
        if (last.length < 1) { list.textContent = ''; return; }
        fetch(input.getAttribute('data-complete') + '?q=' + encodeURIComponent(last), { credentials: 'same-origin' })
          .then(function(r){ return r.ok ? r.json() : { addresses: [] }; })
          .then(function(j){
            list.textContent = '';
            (j.addresses || []).forEach(function(a){
              var o = document.createElement('option');
              o.value = head.concat([a]).join(', ');
              list.appendChild(o);
            });
          }).catch(function(){});
      }, 120);
    });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function(f){
    f.addEventListener('submit', function(e){ if (!confirm(f.getAttribute('data-confirm'))) e.preventDefault(); });
  });
})();
`
