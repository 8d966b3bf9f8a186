// A dashboard refreshes when its tab comes back into view (dashboards/_board_open.html
// listens for "nq57:visible"). Done here rather than with an hx-trigger filter such as
// visibilitychange[document.visibilityState==='visible']: htmx evaluates those with eval,
// which the Content-Security-Policy refuses.
document.addEventListener("visibilitychange", function () {
  if (document.visibilityState === "visible") {
    document.dispatchEvent(new Event("nq57:visible"));
  }
});
