// The widget's style sheet, inside its shadow root: the host page's styles do not reach it.
export const CSS = `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
[hidden]{display:none!important}
button{font:inherit;cursor:pointer}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border-radius:50%;border:0;
 background:#1f5fbf;color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}
.launcher:hover{background:#184c99}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d93025;
 color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center}
.panel{position:fixed;right:20px;bottom:92px;z-index:2147483001;width:370px;height:min(580px,calc(100vh - 112px));
 display:flex;flex-direction:column;background:#fff;color:#1d2330;border-radius:12px;overflow:hidden;
 box-shadow:0 8px 30px rgba(0,0,0,.25);font-size:14px;line-height:1.4}
header{display:grid;grid-template-columns:1fr auto;align-items:center;gap:4px 8px;padding:10px 12px;background:#1f5fbf;color:#fff}
.title{font-weight:600;font-size:15px}
.status{font-size:12px;opacity:.9;min-width:0;overflow-wrap:anywhere}
header button{background:rgba(255,255,255,.15);color:#fff;border:1px solid rgba(255,255,255,.4);border-radius:6px;padding:3px 8px;font-size:12px}
header button:hover{background:rgba(255,255,255,.28)}
header button:disabled{opacity:.45;cursor:default}
.min{justify-self:end;font-size:18px;line-height:1;padding:2px 9px}
.msgs{flex:1;overflow-y:auto;padding:12px;background:#f4f6fa;display:flex;flex-direction:column;gap:8px}
.msg{max-width:82%;padding:7px 10px;border-radius:10px;word-wrap:break-word;overflow-wrap:anywhere;white-space:pre-wrap}
.msg[data-from=visitor]{align-self:flex-end;background:#1f5fbf;color:#fff;border-bottom-right-radius:3px}
.msg[data-from=agent]{align-self:flex-start;background:#fff;border:1px solid #dde3ec;border-bottom-left-radius:3px}
.msg[data-from=system]{align-self:center;max-width:92%;background:none;color:#6b7383;font-size:12px;text-align:center;padding:2px}
.msg[data-state=sending]{opacity:.7}
.msg[data-state=failed]{background:#fdecea;color:#8a1c14;border:1px solid #f3b8b2}
.name{font-size:12px;font-weight:600;color:#1f5fbf;margin-bottom:2px}
.meta{font-size:11px;opacity:.7;margin-top:2px;text-align:right}
.msg[data-from=system] .meta{display:none}
.msg a{color:inherit;text-decoration:underline}
.typing{padding:2px 14px;font-size:12px;color:#6b7383;background:#f4f6fa;min-height:20px}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde3ec;background:#fff}
textarea{flex:1;resize:none;height:44px;max-height:120px;padding:8px;border:1px solid #c3ccd9;border-radius:8px;font:inherit;color:inherit}
textarea:focus-visible{outline:2px solid #1f5fbf;outline-offset:0}
.send{border:0;border-radius:8px;background:#1f5fbf;color:#fff;padding:0 14px;font-weight:600}
.send:hover{background:#184c99}
.att{border:1px solid #c3ccd9;border-radius:8px;background:#fff;color:#1f5fbf;padding:0 6px}
.att svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2}
.att:disabled{opacity:.45}
.dl{display:block;font-size:12px}
.msgs[hidden]~.off{flex:1;max-height:none}
.off{flex:0 1 auto;max-height:70%;overflow-y:auto;padding:10px 12px;border-top:1px solid #dde3ec;background:#fff;display:flex;flex-direction:column;gap:4px}
.off h3{margin:0;font-size:15px}.off p{margin:0 0 4px;font-size:13px;color:#4a5263}
.off label{font-size:12px;font-weight:600;margin-top:4px}
.off form{display:flex;flex-direction:column;gap:2px;padding:0;border:0}
.muted{font-size:12px;color:#6b7383}
.nb{padding:10px 12px;background:#fff8e6;border-bottom:1px solid #f0d48a;font-size:13px;color:#4a3b00}.nb p{margin:0}
.nb .row{display:flex;gap:8px;margin-top:6px}.nb button{border-radius:8px;padding:5px 10px;border:1px solid #c3ccd9;background:#fff}
.nb .send{border:0;background:#1f5fbf;color:#fff}
.off input:not([type=checkbox]),.off textarea{width:100%;padding:6px 8px;border:1px solid #c3ccd9;border-radius:6px;font:inherit;color:inherit;height:auto}
.off textarea{min-height:64px;resize:vertical}
.off [aria-invalid=true]{border-color:#c5221f;outline-color:#c5221f}
.off .ck{display:flex;gap:6px;align-items:flex-start;font-weight:400}
.fe,.ge{color:#b3261e;font-size:12px}.fe:empty,.ge:empty{display:none}
.off .row{display:flex;gap:8px;margin-top:6px}
.off .foot{position:sticky;bottom:-10px;background:#fff;padding:2px 0 10px}
.off{scroll-padding-bottom:96px}
.off .row button{border-radius:8px;padding:7px 12px;border:1px solid #c3ccd9;background:#fff}
.off .row .send{border:0;background:#1f5fbf;color:#fff}
.done{padding:8px;border-radius:6px;background:#e7f5ec;color:#14532d}
.tr{padding:8px 10px;border-top:1px solid #dde3ec;background:#fff}
.tr label{display:block;font-size:12px;font-weight:600;margin-bottom:4px}
.tr form{padding:0;border:0;gap:6px}
.tr input{flex:1;min-width:0;padding:6px 8px;border:1px solid #c3ccd9;border-radius:6px;font:inherit}
.tr [aria-invalid=true]{border-color:#c5221f}
.tr .send{padding:0 12px}
.tr .done,.rt .done{margin:6px 0 0;font-size:13px}
.rt{padding:8px 10px;border-top:1px solid #dde3ec;background:#fff}
.rs{padding:8px 10px;border-bottom:1px solid #dde3ec;background:#f4f8ff}
.rs h3{margin:0 0 4px;font-size:14px}
.rs p{margin:0 0 6px;white-space:pre-wrap}
.rs .done{margin:6px 0 0;font-size:13px}
.rt form{flex-direction:column;padding:0;border:0;gap:4px}
.rt fieldset{border:0;margin:0;padding:0}
.rt legend,.rt label[for]{font-size:12px;font-weight:600;padding:0}
.stars{display:flex;gap:2px}
.stars label{position:relative;font-size:26px;line-height:1;color:#c3ccd9;cursor:pointer}
.stars input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.stars label[data-on]{color:#f0a500}
.stars input:focus-visible+span{outline:3px solid #1f5fbf;outline-offset:1px;border-radius:4px}
.rt textarea{flex:none;height:auto;min-height:40px}
.rt .send{align-self:flex-start;padding:6px 14px}
@media (max-width:600px){.panel{inset:0;width:100%;height:100%;border-radius:0}}`;
