/**
 * The dashboard's stylesheet and its one small script, inlined into the page
 * (no external assets: the page must work with the network down). The script
 * is an enhancement only; everything works without it.
 */

export const DASHBOARD_CSS = `
:root{--bg:#f5f6f8;--card:#fff;--text:#1d2330;--muted:#667085;--line:#e4e7ec;--accent:#3b5bdb;--accent-soft:#e7ecff;
--good:#2b8a3e;--warn:#e67700;--bad:#c92a2a;--bar:#dfe3ea;--code:#f1f3f6;--radius:12px;--shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.08)}
@media (prefers-color-scheme:dark){:root{--bg:#0f1218;--card:#171b24;--text:#e6e9ef;--muted:#98a2b3;--line:#2a3040;--accent:#7d95ff;
--accent-soft:#1f2746;--good:#51cf66;--warn:#ffa94d;--bad:#ff6b6b;--bar:#2a3040;--code:#222837;--shadow:none}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em}
code{background:var(--code);padding:.05em .35em;border-radius:4px;word-break:break-all}
header.top{position:sticky;top:0;z-index:1;background:var(--card);border-bottom:1px solid var(--line)}
header.top .inner{max-width:1180px;margin:0 auto;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
.brand{font-weight:700;font-size:1.1rem;letter-spacing:.01em;display:flex;align-items:center;gap:.45rem;color:var(--text)}
.brand .dot.off{background:var(--warn)}
.brand .dot{width:.7rem;height:.7rem;border-radius:50%;background:var(--good);box-shadow:0 0 0 3px color-mix(in srgb,var(--good) 25%,transparent)}
nav{display:flex;gap:.2rem;flex-wrap:wrap}nav a{color:var(--muted);padding:.2rem .55rem;border-radius:6px;font-size:.92rem}
nav a:hover{background:var(--accent-soft);color:var(--accent);text-decoration:none}
main{max-width:1180px;margin:0 auto;padding:1.2rem;display:grid;gap:1.1rem}
.grid{display:grid;gap:1.1rem;grid-template-columns:repeat(auto-fit,minmax(300px,1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);box-shadow:var(--shadow);padding:1.1rem 1.2rem;min-width:0}
.card>h2{margin:0 0 .8rem;font-size:1rem;font-weight:650;display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
.card>h2 small{font-weight:400;color:var(--muted);font-size:.85rem}
.muted{color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.big{font-size:1.6rem;font-weight:650;line-height:1.2}
.rank{display:inline-block;background:var(--accent-soft);color:var(--accent);border-radius:999px;padding:.05rem .6rem;font-weight:600;font-size:.9rem}
.id{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
button,.button{font:inherit;border:1px solid var(--line);background:var(--card);color:var(--text);border-radius:8px;padding:.25rem .7rem;cursor:pointer}
button:hover{border-color:var(--accent);color:var(--accent)}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff;padding:.5rem 1.2rem;font-weight:600}
button.primary:hover{filter:brightness(1.08);color:#fff}
button.small{font-size:.8rem;padding:.05rem .5rem}
details.full summary{cursor:pointer;color:var(--muted);font-size:.85rem}
.select-all{user-select:all}
.meter{height:.6rem;border-radius:999px;background:var(--bar);overflow:hidden;margin:.35rem 0 .2rem}
.meter>span{display:block;height:100%;background:var(--accent);border-radius:999px}
.meter.warn>span{background:var(--warn)}.meter.full>span{background:var(--bad)}
.split{display:flex;justify-content:space-between;gap:1rem;font-size:.9rem}
.totals{display:grid;grid-template-columns:1fr 1fr;gap:.8rem;margin-bottom:.8rem}
.totals .label{color:var(--muted);font-size:.85rem}
.in{color:var(--good)}.out{color:var(--accent)}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th{text-align:left;color:var(--muted);font-weight:500;font-size:.82rem;text-transform:uppercase;letter-spacing:.03em;border-bottom:1px solid var(--line);padding:.4rem .6rem}
td{border-bottom:1px solid var(--line);padding:.45rem .6rem;vertical-align:top}
tr:last-child td{border-bottom:0}
td code{word-break:normal;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}.scroll table{min-width:560px}.scroll table.compact{min-width:0}
.bar-cell{width:35%}.bar-cell .meter{margin:.45rem 0 0}
.links a{display:block;overflow-wrap:anywhere}
.flash{border-left:4px solid var(--good)}.flash.failed{border-left-color:var(--bad)}
.flash .url{font-size:1.15rem;font-weight:600;overflow-wrap:anywhere}
form.publish{display:grid;gap:.9rem}
form.publish .row{display:grid;gap:.9rem;grid-template-columns:repeat(auto-fit,minmax(240px,1fr))}
label.field{display:grid;gap:.3rem;font-weight:500}
label.field span.hint,.hint{font-weight:400;color:var(--muted);font-size:.85rem}
input[type=text]{font:inherit;padding:.45rem .6rem;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--text);width:100%}
input[type=text]:focus{outline:2px solid var(--accent-soft);border-color:var(--accent)}
.picker{border:2px dashed var(--line);border-radius:var(--radius);padding:1rem;display:grid;gap:.4rem;background:var(--bg)}
.picker:hover{border-color:var(--accent)}
.picker strong{font-weight:600}
ol.steps{margin:.2rem 0 0;padding-left:1.3rem}ol.steps li{margin:.3rem 0}
.empty{color:var(--muted);padding:.4rem 0}
footer{max-width:1180px;margin:0 auto;padding:0 1.2rem 2rem;color:var(--muted);font-size:.85rem}
`

/**
 * Copy buttons (clipboard where the page is a secure context, as on
 * 127.0.0.1, a hidden textarea elsewhere, as on http://tornet.tor-net/);
 * the folder input's relative paths into the hidden folder-paths field (some
 * browsers send only each file's own name); a busy label while uploading.
 */
export const DASHBOARD_SCRIPT = `
(() => {
  document.addEventListener('click', event => {
    const button = event.target.closest && event.target.closest('[data-copy]')
    if (!button) return
    const text = button.getAttribute('data-copy')
    const label = button.textContent
    const done = () => { button.textContent = 'Copied'; setTimeout(() => { button.textContent = label }, 1200) }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => {})
      return
    }
    const area = document.createElement('textarea')
    area.value = text
    document.body.append(area)
    area.select()
    try { document.execCommand('copy'); done() } catch (e) {}
    area.remove()
  })
  const folder = document.querySelector('input[name=folder]')
  const paths = document.querySelector('input[name="folder-paths"]')
  if (folder && paths) {
    folder.addEventListener('change', () => {
      paths.value = Array.from(folder.files, f => f.webkitRelativePath || f.name).join('\\n')
    })
  }
  const form = document.querySelector('form.publish')
  if (form) {
    form.addEventListener('submit', () => {
      const button = form.querySelector('button[type=submit]')
      if (button) { button.disabled = true; button.textContent = 'Publishing…' }
    })
    // Coming back to the page from history must not leave the button stuck.
    window.addEventListener('pageshow', () => {
      const button = form.querySelector('button[type=submit]')
      if (button) { button.disabled = false; button.textContent = 'Publish' }
    })
  }
})()
`
