'use strict';
// Shows the failure note after a refused login (?failed=1).
document.addEventListener('DOMContentLoaded', function () {
  if (new URLSearchParams(location.search).get('failed')) {
    document.getElementById('failed').hidden = false;
  }
});
