// Small behaviours the pages share; everything else is htmx attributes in the markup.
"use strict";
document.addEventListener("htmx:afterSwap", (event) => {
  // A swapped-in region that asks for focus gets it, so keyboard and screen-reader users
  // land on what changed.
  const target = event.detail.target.querySelector("[data-focus]");
  if (target) target.focus();
});
