// The page's settings, read once from the widget's script tag (the site, the language and its texts, the gateway's
// address), and the widget's memory in the page's storage under the site's key.
import { TEXTS } from './i18n.js';
import { storage } from './store.js';

export const MAX_TEXT = 4000;
export let SITE, LANG, T, base, load, save, loadJson;

/** Reads data-site, data-lang and the gateway's address from the script tag that loaded the widget. */
export function configure(script) {
  SITE = script.getAttribute('data-site') || 'main';
  LANG = script.getAttribute('data-lang') === 'en' ? 'en' : 'ru';
  T = TEXTS[LANG];
  base = new URL(script.src, location.href);
  ({ load, save, loadJson } = storage(window, 'rosdistant-chat:' + SITE + ':'));
}

/** An address on the gateway that served the widget. */
export const gateway = path => new URL(path, base).href;
