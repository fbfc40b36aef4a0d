// The widget's memory in the host page's storage, under one key prefix per site. Storage may be unavailable
// (privacy modes, sandboxed iframes): the widget then simply forgets more.
export function storage(win, prefix) {
  function load(area, k) { try { return win[area].getItem(prefix + k); } catch (e) { return null; } }
  function save(area, k, v) {
    try { v == null ? win[area].removeItem(prefix + k) : win[area].setItem(prefix + k, v); } catch (e) { /* ignore */ }
  }
  function loadJson(area, k, dflt) { try { return JSON.parse(load(area, k)) || dflt; } catch (e) { return dflt; } }
  return { load, save, loadJson };
}
