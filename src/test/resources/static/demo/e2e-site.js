// Loads the widget for the site named in ?site= (and ?lang=): a script of its own, as the gateway's
// Content-Security-Policy (script-src 'self') allows no inline script.
(function () {
  const params = new URLSearchParams(location.search);
  const script = document.createElement('script');
  script.src = '/widget/widget.js';
  script.setAttribute('data-site', params.get('site') || 'main');
  if (params.get('lang')) script.setAttribute('data-lang', params.get('lang'));
  document.body.append(script);
})();
