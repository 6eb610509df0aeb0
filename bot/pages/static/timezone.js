// The booking page's one script: show the offered times in this browser's timezone.
// The server renders the times in the zone the page is asked for (?tz=); without this
// script the selector and its button do the same.
(function () {
  "use strict";
  var select = document.getElementById("tz");
  if (!select || new URLSearchParams(window.location.search).has("tz")) {
    return;
  }
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  var known = Array.prototype.some.call(select.options, function (option) {
    return option.value === zone;
  });
  if (!zone || !known || select.value === zone) {
    return;
  }
  var params = new URLSearchParams(window.location.search);
  params.set("tz", zone);
  window.location.replace(window.location.pathname + "?" + params.toString());
})();
